"""Lambda events, the template's resources and the deploy stage helpers shared by the tests."""

from __future__ import annotations

import base64
import io
import json
import re
import time
import uuid
import zipfile
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from boto3.dynamodb.types import TypeSerializer

from server.lambda_handler import LambdaApp
from server.store import Store
from tests.conftest import PASSWORD, add_user

ORIGIN_SECRET = "origin-secret-0123456789-abcdefghijklmnop"


URL_HOST = "abcdefghij1234567890.lambda-url.us-east-1.on.aws"


VIEWER_IP = "203.0.113.9"


EDGE_IP = "130.176.1.17"  # CloudFront's address: what the Function URL sees


def set_cookies(response: dict[str, Any]) -> dict[str, str]:
    """name -> value of every cookie the response sets (Lambda's `cookies` list)."""
    found = {}
    for line in response.get("cookies", []):
        name, _, rest = line.partition("=")
        found[name] = rest.split(";", 1)[0]
    return found


def url_event(
    method: str,
    path: str,
    *,
    query: str = "",
    form: dict[str, str] | None = None,
    cookies: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    origin_secret: str | None = ORIGIN_SECRET,
) -> dict[str, Any]:
    """A Function URL event as Lambda delivers it behind CloudFront (AllViewerExcept
    HostHeader): lower-case headers, cookies apart, form bodies base64-encoded."""
    now = time.time()
    all_headers = {
        "host": URL_HOST,
        "x-forwarded-proto": "https",
        "x-forwarded-port": "443",
        "x-forwarded-for": f"{VIEWER_IP}, {EDGE_IP}",
        "user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)",
        "accept": "text/html,application/xhtml+xml",
        "cloudfront-viewer-address": f"{VIEWER_IP}:51234",
        "cloudfront-is-mobile-viewer": "true",
        "via": "2.0 0123456789abcdef.cloudfront.net (CloudFront)",
        "x-amz-cf-id": "abcDEF123==",
        **({"x-origin-verify": origin_secret} if origin_secret is not None else {}),
        **{k.lower(): v for k, v in (headers or {}).items()},
    }
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": all_headers,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": URL_HOST.split(".")[0],
            "domainName": URL_HOST,
            "domainPrefix": URL_HOST.split(".")[0],
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": EDGE_IP,
                "userAgent": all_headers["user-agent"],
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = dict(p.split("=", 1) for p in query.split("&"))
    if cookies:
        event["cookies"] = [f"{k}={v}" for k, v in cookies.items()]
    if form is not None:
        all_headers["content-type"] = "application/x-www-form-urlencoded"
        event["body"] = base64.b64encode(urlencode(form).encode()).decode()
        event["isBase64Encoded"] = True
    return event


def body_of(response: dict[str, Any]) -> str:
    body = response.get("body", "")
    if response.get("isBase64Encoded"):
        return base64.b64decode(body).decode()
    return str(body)


class Browser:
    """Keeps cookies between Function URL events, like a phone would."""

    def __init__(self, app: LambdaApp) -> None:
        self.app = app
        self.cookies: dict[str, str] = {}

    def __call__(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.app(url_event(method, path, cookies=dict(self.cookies), **kwargs), None)
        self.cookies.update(set_cookies(response))
        return response

    def csrf(self, path: str = "/login") -> str:
        match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', body_of(self("GET", path)))
        assert match
        return match.group(1)

    def sign_in(self, store: Store, role: str = "crew") -> str:
        email = add_user(store, f"{role}-{uuid.uuid4().hex[:6]}@example.com", role)
        token = self.csrf()
        form = {"email": email, "password": PASSWORD, "csrf_token": token}
        response = self("POST", "/login", form=form)
        assert response["statusCode"] == 303, body_of(response)
        return self.csrf("/dispatch")  # tokens are bound to the new session


_serialize = TypeSerializer().serialize


_sequence = iter(range(10**20, 10**21))


def image(item: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if item is None else {k: _serialize(v) for k, v in item.items()}


def record(
    store: Store,
    table: str,
    keys: dict[str, str],
    new: Mapping[str, Any] | None,
    old: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A DynamoDB stream record (NEW_AND_OLD_IMAGES) as Lambda passes it to a function."""
    event_name = "REMOVE" if new is None else "INSERT" if old is None else "MODIFY"
    data: dict[str, Any] = {
        "ApproximateCreationDateTime": int(time.time()),
        "Keys": image(keys),
        "SequenceNumber": str(next(_sequence)),
        "SizeBytes": 512,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if new is not None:
        data["NewImage"] = image(new)
    if old is not None:
        data["OldImage"] = image(old)
    name = store.settings.table_name(table)
    return {
        "eventID": uuid.uuid4().hex,
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": data,
        "eventSourceARN": f"arn:aws:dynamodb:us-east-1:123456789012:table/{name}"
        "/stream/2026-11-29T00:00:00.000",
    }


def stream_event(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}


class Context:
    """The part of Lambda's context object the handler reads."""

    def __init__(self, seconds_left: float) -> None:
        self.deadline = time.monotonic() + seconds_left
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        return int((self.deadline - time.monotonic()) * 1000)


GMAIL_TOKEN = json.dumps(
    {
        "refresh_token": "1//refresh",
        "client_id": "id.apps.googleusercontent.com",
        "client_secret": "client-secret",
    }
)


REGION = "us-east-1"


def stage_env(stage: str) -> dict[str, str]:
    """What a stage's function holds after earlier deploys (SCC_BASE_URL not yet)."""
    return {
        "SCC_TABLE_PREFIX": f"scc-{stage}-",
        "SCC_ORIGIN_SECRET": f"{stage}-origin-secret-0123456789abcdefghij",
        "SCC_SECRET_KEY": f"{stage}-secret-key-0123456789abcdefghijklmnop",
        "GMAIL_TOKEN": GMAIL_TOKEN,
        "GMAIL_SENDER": "dispatch@charter.example",
        "GMAIL_RECIPIENT": f"{stage}-office@charter.example",
        "SCC_OPERATOR_NAME": "Harbour Charters",
        "SCC_OPERATOR_PHONE": "+1 415 555 0100",
        "SCC_OPERATOR_EMAIL": "office@charter.example",
    }


def placeholder_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return {}\n")
    return buffer.getvalue()
