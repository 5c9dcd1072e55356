"""The captain records a crew account's credentials (USCG credential, medical, drug
testing, CPR / first aid); the warnings they feed are server/domain/credentials.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from server.domain.credentials import FIELDS, validate_credentials
from server.domain.forms import FormErrors, form_values, text_field
from server.domain.users import normalize_email
from server.web.audit import audit
from server.web.auth import captain_only
from server.web.render import redirect, render
from server.web.routing import Routes
from server.web.state import store_of

routes = Routes()


def _values(credentials: dict[str, Any]) -> dict[str, str]:
    values = {k: str(credentials.get(k) or "") for k in FIELDS if k != "drug_testing"}
    values["drug_testing"] = "yes" if credentials.get("drug_testing") else "no"
    return values


def _page(
    request: Request,
    account: dict[str, Any],
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    saved = request.query_params.get("saved") == "1"
    context = {"account": account, "values": values, "errors": errors, "saved": saved}
    return render(request, "admin_credentials.html", context, status_code=status_code)


async def _account(request: Request, email: str) -> dict[str, Any]:
    account = await run_in_threadpool(store_of(request).users.get, normalize_email(email))
    if account is None:
        raise HTTPException(404)
    return account


@routes.get("/admin/crew/credentials", "admin_credentials")
@captain_only
async def credentials_form(request: Request) -> Response:
    account = await _account(request, request.query_params.get("email", ""))
    return _page(request, account, _values(dict(account.get("credentials") or {})), {})


@routes.post("/admin/crew/credentials", "admin_credentials_save")
@captain_only
async def credentials_save(request: Request) -> Response:
    form = await request.form()
    account = await _account(request, text_field(form, "email"))
    values = form_values(form, FIELDS)
    try:
        credentials = validate_credentials(values)
    except FormErrors as invalid:
        return _page(request, account, values, invalid.errors, status_code=422)
    email = str(account["email"])
    if not await run_in_threadpool(store_of(request).users.set_credentials, email, credentials):
        raise HTTPException(404)
    await audit(request, "account.credentials", email)
    query = urlencode({"email": email, "saved": "1"})
    return redirect(request, f"{request.app.url_path_for('admin_credentials')}?{query}")
