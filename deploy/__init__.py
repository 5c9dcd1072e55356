"""The deploy tool (`scc deploy ...`): outside `server/`, never shipped in the Lambda zip."""
