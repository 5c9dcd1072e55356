"""The one DynamoDB client factory, and the errors that mean "try again later"."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

import boto3
from boto3.dynamodb.types import TypeDeserializer
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from server import call_log, observe
from server.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBServiceResource
    from mypy_boto3_dynamodb.service_resource import Table
    from mypy_boto3_dynamodb.type_defs import UpdateItemOutputTableTypeDef

# Bounded so an unreachable DynamoDB answers 503 within a few seconds instead of
# hanging a phone: at most 2 attempts of 1 s to connect and 3 s to read.
CLIENT_CONFIG = Config(
    connect_timeout=1,
    read_timeout=3,
    retries={"total_max_attempts": 2, "mode": "standard"},
    max_pool_connections=50,  # Starlette runs up to 40 handler threads at once
    # DynamoDB validates every request itself; botocore's client-side check of the
    # parameters was ~1 ms of CPU per call on Log Payment's path (issue 29's profile).
    parameter_validation=False,
)

T = TypeVar("T")

# What DynamoDB answers when a write's ConditionExpression did not hold.
CONDITION_FAILED = "ConditionalCheckFailedException"

# Error codes DynamoDB answers when the request may succeed if simply retried.
TRANSIENT_CODES = frozenset(
    {
        "InternalServerError",
        "ServiceUnavailable",
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "LimitExceededException",
        "ResourceNotFoundException",  # a missing table: the store is not ready
    }
)


def make_resource(settings: Settings) -> DynamoDBServiceResource:
    """A DynamoDB resource for the configured endpoint (dynalite locally, AWS otherwise),
    its calls counted and timed per request (server.observe)."""
    resource = _resource(settings)
    observe.instrument(resource.meta.client)
    if settings.aws_call_log is not None:  # the test suites' record (server/call_log.py)
        call_log.record(resource.meta.client, settings.aws_call_log)
    return resource


def _resource(settings: Settings) -> DynamoDBServiceResource:
    session = boto3.session.Session()
    if settings.dynamodb_endpoint:
        # dynalite accepts any credentials; real AWS takes them from the usual chain.
        return session.resource(
            "dynamodb",
            region_name=settings.aws_region,
            endpoint_url=settings.dynamodb_endpoint,
            aws_access_key_id="local",
            aws_secret_access_key="local",
            config=CLIENT_CONFIG,
        )
    return session.resource("dynamodb", region_name=settings.aws_region, config=CLIENT_CONFIG)


def refresh_credentials(resource: DynamoDBServiceResource) -> None:
    """Give the client credentials resolved now (real AWS only). After a SnapStart
    restore the ones resolved during init belong to the snapshot, shared by every
    environment restored from it; botocore's public API has no way to swap them, so the
    request signer's are replaced (the one private attribute the store touches)."""
    client = resource.meta.client
    if client.meta.endpoint_url and "amazonaws" not in client.meta.endpoint_url:
        return  # dynalite: fixed local credentials
    fresh = boto3.session.Session().get_credentials()
    if fresh is not None:
        client._request_signer._credentials = fresh  # type: ignore[attr-defined]


_deserializer = TypeDeserializer()


def from_wire(value: Any) -> Any:
    """One attribute in DynamoDB's wire format (`{"S": "x"}`, as in a stream record's
    image) as the Python value the repositories read (str, Decimal, set, ...)."""
    return _deserializer.deserialize(value)


def is_unavailable(exc: BaseException) -> bool:
    """True for errors that mean the store could not be reached, not that we erred."""
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code") in TRANSIENT_CODES
    return isinstance(exc, BotoCoreError)


def all_items(
    operation: Callable[..., Any], *, limit: int | None = None, **kwargs: Any
) -> list[dict[str, Any]]:
    """Every item of a Query or Scan, following `LastEvaluatedKey` page by page (or the
    first `limit` items). The one pagination loop of the store."""
    items: list[dict[str, Any]] = []
    while True:
        page = operation(**kwargs)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page or (limit is not None and len(items) >= limit):
            return items if limit is None else items[:limit]
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def error_code(exc: ClientError) -> str:
    """The error code DynamoDB answered with (e.g. `ConditionalCheckFailedException`)."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def conditional(write: Callable[[], T]) -> T | None:
    """Run one conditional write and return its response, or None when its condition did
    not hold. Every other error is raised: only a failed condition is an answer."""
    try:
        return write()
    except ClientError as exc:
        if error_code(exc) == CONDITION_FAILED:
            return None
        raise


def get_item(table: Table, key: dict[str, Any]) -> dict[str, Any] | None:
    """One item by its key, read consistently (it may have just been written), or None."""
    item: dict[str, Any] | None = table.get_item(Key=key, ConsistentRead=True).get("Item")
    return item


def put_new(table: Table, item: Mapping[str, Any], key: str) -> bool:
    """Put `item` unless an item with its key is stored (`key` names the key attribute
    that must not exist yet); False then, and nothing is overwritten."""
    put = conditional(
        lambda: table.put_item(
            Item=cast("dict[str, Any]", item), ConditionExpression=f"attribute_not_exists({key})"
        )
    )
    return put is not None


def update(
    table: Table,
    key: dict[str, Any],
    expression: str,
    condition: str | None = None,
    *,
    values: dict[str, Any] | None = None,
    names: dict[str, str] | None = None,
) -> UpdateItemOutputTableTypeDef:
    """One UpdateItem from its parts (DynamoDB refuses empty ones, so they are left out).
    A `condition` that does not hold raises, as boto3 does: see `update_if`."""
    request: dict[str, Any] = {"Key": key, "UpdateExpression": expression}
    if condition:
        request["ConditionExpression"] = condition
    if values:
        request["ExpressionAttributeValues"] = values
    if names:
        request["ExpressionAttributeNames"] = names
    return table.update_item(**request)


def update_if(
    table: Table,
    key: dict[str, Any],
    expression: str,
    condition: str,
    *,
    values: dict[str, Any] | None = None,
    names: dict[str, str] | None = None,
) -> bool:
    """One UpdateItem that happens only if `condition` holds; False when it did not."""
    written = conditional(
        lambda: update(table, key, expression, condition, values=values, names=names)
    )
    return written is not None
