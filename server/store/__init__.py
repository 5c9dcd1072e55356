"""DynamoDB: one client factory, the table definitions, one repository per table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from server.settings import Settings
from server.store.audit import AuditRepo
from server.store.boats import BoatsRepo
from server.store.boundary import StoreError, StoreUnavailable, translated
from server.store.client import make_resource, refresh_credentials
from server.store.documents import Documents, make_documents
from server.store.events import EventsRepo
from server.store.limits import LimitsRepo
from server.store.outbox import OutboxRepo
from server.store.payouts import PayoutsRepo
from server.store.sessions import SessionsRepo
from server.store.users import UsersRepo
from server.store.waivers import WaiversRepo

__all__ = ["Store", "StoreError", "StoreUnavailable"]

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBServiceResource
    from mypy_boto3_dynamodb.service_resource import Table


@dataclass
class Store:
    """The repositories, sharing one boto3 resource created once per process."""

    settings: Settings
    resource: DynamoDBServiceResource
    events: EventsRepo
    users: UsersRepo
    sessions: SessionsRepo
    waivers: WaiversRepo
    outbox: OutboxRepo
    limits: LimitsRepo
    audit: AuditRepo
    payouts: PayoutsRepo
    boats: BoatsRepo
    documents: Documents

    @classmethod
    def connect(cls, settings: Settings) -> Store:
        """Create the resource and every repository (once per process)."""
        return cls.on(settings, make_resource(settings))

    @classmethod
    def on(cls, settings: Settings, resource: DynamoDBServiceResource) -> Store:
        """Every repository on an existing resource (the tests share one per session)."""

        def table(name: str) -> Table:
            return resource.Table(settings.table_name(name))

        return cls(
            settings=settings,
            resource=resource,
            events=EventsRepo(table("events")),
            users=UsersRepo(table("users")),
            sessions=SessionsRepo(table("sessions")),
            waivers=WaiversRepo(table("waivers")),
            outbox=OutboxRepo(table("outbox")),
            limits=LimitsRepo(table("limits")),
            audit=AuditRepo(table("audit")),
            payouts=PayoutsRepo(table("users")),
            boats=BoatsRepo(table("limits")),
            documents=make_documents(settings),
        )

    @translated
    def refresh_credentials(self) -> None:
        """After a SnapStart restore: credentials resolved at init are not reused."""
        refresh_credentials(self.resource)

    @translated
    def ping(self) -> None:
        """Raise `StoreUnavailable` if the events table cannot be reached (/healthz)."""
        self.resource.meta.client.describe_table(TableName=self.settings.table_name("events"))
