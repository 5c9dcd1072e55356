"""The local development stack (dynalite, demo seed); never shipped in the Lambda zip."""
