"""Each area declares a route next to its handler, `@routes.post(path, name)`; the
area's `routes` is a plain list of Starlette `Route`s that the app factory mounts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

Endpoint = Callable[[Request], Awaitable[Response]]


class Routes(list[Route]):
    """One area's routes, in the order they are declared."""

    def get(self, path: str, name: str) -> Callable[[Endpoint], Endpoint]:
        """Declare `GET path` (HEAD too) named `name`."""
        return self._route(path, "GET", name)

    def post(self, path: str, name: str) -> Callable[[Endpoint], Endpoint]:
        """Declare `POST path` named `name` (CSRF-checked: see `csrf.protect`)."""
        return self._route(path, "POST", name)

    def _route(self, path: str, method: str, name: str) -> Callable[[Endpoint], Endpoint]:
        def declare(endpoint: Endpoint) -> Endpoint:
            self.append(Route(path, endpoint, methods=[method], name=name))
            return endpoint

        return declare
