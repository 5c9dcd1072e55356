"""The write workflows (issue 25): each is a function that takes plain inputs and the
repositories it needs, validates, decides, writes (one conditional write), owes its
notices and audits, and returns a result or a `Refused`. Handlers in `server/web/` are
parse -> service -> render; nothing here imports Starlette or an AWS library, so the
services are unit-tested against the in-memory fakes in `tests/helpers/fakes.py`, which
the contract tests in `tests/integration/test_repo_contract.py` hold to the real
repositories on dynalite."""
