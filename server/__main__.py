"""`scc`: the operator's commands (`python -m server --help`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from server.settings import Settings, SettingsError, describe

if TYPE_CHECKING:
    from server.store import Store


# X-Forwarded-For and friends are never trusted, by `serve` or `local` (uvicorn trusts
# them from 127.0.0.1 by default, which let a local client choose its own IP and so
# escape the sign-in limit); see server.web.client_address.client_ip.
PROXY_HEADERS = False


def _settings() -> Settings:
    return Settings.from_env()


def cmd_serve(args: argparse.Namespace) -> int:
    import socket

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    settings = _settings()
    config = uvicorn.Config(
        "server.app:app",
        host=args.host,
        port=args.port or settings.port,
        workers=args.workers,
        proxy_headers=PROXY_HEADERS,
    )
    if config.workers <= 1:
        uvicorn.Server(config).run()
        return 0
    # With workers uvicorn binds the socket with proto 0, so Nagle's algorithm stays on
    # for accepted connections and each keep-alive request waits ~40 ms for a delayed
    # ACK (uvicorn issue #3149). Re-wrapping the socket as TCP fixes it.
    bound = config.bind_socket()
    sock = socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())
    Multiprocess(config, sockets=[sock]).run()
    return 0


def cmd_local(args: argparse.Namespace) -> int:
    """dynalite in var/dynamodb, tables, demo data, then the app: what `make run` does."""
    from server.dev.run import run_local

    return run_local(_settings(), args.host, proxy_headers=PROXY_HEADERS)


def cmd_db_init(args: argparse.Namespace) -> int:
    from server.store.tables import init_tables

    created = init_tables(_settings())
    print(f"created {len(created)} table(s); all tables ACTIVE")
    return 0


def cmd_db_backfill_totals(args: argparse.Namespace) -> int:
    """Totals for events stored before them (issue 29): one conditional write each."""
    from server.store.totals import backfill

    store = _store()
    events = store.events
    written = backfill(events.table, events.scan_all(), events.get, print)
    print(f"backfill-totals: {written} event(s) given their totals")
    return 0


def _store() -> Store:
    from server.store import Store

    return Store.connect(_settings())


def cmd_users_add(args: argparse.Namespace) -> int:
    from server.domain.clock import utc_now_iso
    from server.domain.forms import FormErrors
    from server.domain.users import hash_password, normalize_email, validate_new_user
    from server.store.users import UserExists

    password = sys.stdin.readline().rstrip("\r\n")
    try:
        email, name = validate_new_user(args.email, args.name, password, args.role)
    except FormErrors as invalid:
        for field, message in invalid.errors.items():
            print(f"error: {field}: {message}", file=sys.stderr)
        return 2
    try:
        _store().users.create(email, name, args.role, hash_password(password), utc_now_iso())
    except UserExists:
        print(
            f"error: a user with email {normalize_email(args.email)} already exists",
            file=sys.stderr,
        )
        return 1
    _store().audit.record(utc_now_iso(), "scc-cli", "account.added", email, args.role)
    print(f"added {args.role} {email}")
    return 0


def cmd_users_disable(args: argparse.Namespace) -> int:
    from server.domain.users import normalize_email

    store = _store()
    email = normalize_email(args.email)
    if not store.users.set_disabled(email, True):
        print(f"error: no user with email {email}", file=sys.stderr)
        return 1
    ended = store.sessions.delete_for_user(email)
    from server.domain.clock import utc_now_iso

    store.audit.record(utc_now_iso(), "scc-cli", "account.disabled", email)
    print(f"disabled {email}; ended {ended} session(s)")
    return 0


def cmd_boats_add(args: argparse.Namespace) -> int:
    from server.domain.boats import new_boat_id, parse_boat_form
    from server.domain.clock import utc_now_iso

    values = {
        "name": args.name,
        "passengers": str(args.passengers),
        "min_crew": str(args.min_crew),
        "number": args.number or "",
        "description": args.description or "",
        "home_port": args.home_port or "",
    }
    boat, errors = parse_boat_form(values, new_boat_id())
    if boat is None:
        for field, message in errors.items():
            print(f"error: {field}: {message}", file=sys.stderr)
        return 2
    store = _store()
    store.boats.add(boat)
    store.audit.record(utc_now_iso(), "scc-cli", "boat.added", boat.boat_id, boat.name)
    print(f"added boat {boat.name} ({boat.boat_id})")
    return 0


def cmd_events_create(args: argparse.Namespace) -> int:
    from server.domain.event_form import validate_new_event
    from server.domain.forms import FormErrors
    from server.store.events import EventExists

    values = {
        "date": args.date,
        "first_name": args.first_name,
        "period": args.period or "",
        "total_price": args.total,
        "start_time": args.start or "",
        "party_size": args.party_size or "",
        "capacity": args.capacity or "",
        "duration_minutes": args.duration or "",
        "boat": args.boat or "",
        "meeting_point": args.meeting_point or "",
        "notes": args.notes or "",
    }
    try:
        item = validate_new_event(values)
    except FormErrors as exc:
        for field, message in exc.errors.items():
            print(f"error: --{field.replace('_', '-')}: {message}", file=sys.stderr)
        return 2
    try:
        _store().events.create(item)
    except EventExists:
        print(f"error: event {item['event_id']} already exists", file=sys.stderr)
        return 1
    print(item["event_id"])
    return 0


def cmd_events_lint_ids(args: argparse.Namespace) -> int:
    from server.store.rename import lint_ids

    found = lint_ids(_store())
    for event_id, suggestion in found:
        print(f"{event_id}\tsuggested: {suggestion or '(no date to build one from)'}")
    print(f"{len(found)} event id(s) break the convention", file=sys.stderr)
    return 1 if found else 0


def cmd_events_rename(args: argparse.Namespace) -> int:
    from server.store.rename import RenameError, rename_event

    try:
        rename_event(_store(), args.old, args.new)
    except RenameError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"renamed {args.old} -> {args.new}; the old id now redirects")
    return 0


def cmd_outbox_send(args: argparse.Namespace) -> int:
    """Send every notification that is owed and due (run it from a schedule)."""
    from server.notify.mailer import make_mailer
    from server.notify.outbox import Notifier, SendOutcome

    store = _store()
    notifier = Notifier(store, make_mailer(store.settings))
    outcomes = notifier.send_due()
    if notifier.mailer is None:
        waiting = len(store.outbox.in_state("pending"))
        print(
            f"Gmail is not configured (GMAIL_TOKEN, GMAIL_SENDER, GMAIL_RECIPIENT): "
            f"{waiting} notification(s) wait"
        )
        return 0
    summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items()))
    print(f"outbox: {summary or 'nothing due'}")
    if outcomes[SendOutcome.BROKEN]:
        broken = store.outbox.mailer_broken()
        reason = broken.get("reason", "?") if broken is not None else "?"
        print(
            f"error: the mailer is broken, emails wait: {reason}",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    """Every setting with its default and help, and whether it is set (never its value)."""
    for name, default, help_text, is_set in describe():
        state = "set" if is_set else "unset"
        print(f"{name}  [{state}; default: {default or '-'}]\n    {help_text}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scc", description="Ship Captain Crew commands")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the app with uvicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=None, help="default: PORT")
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=cmd_serve)

    local = sub.add_parser("local", help="dynalite + tables + demo data + app (make run)")
    local.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on; 0.0.0.0 serves the LAN (prints the URL for a phone)",
    )
    local.set_defaults(func=cmd_local)

    sub.add_parser(
        "settings", help="every setting, its default and whether it is set (no values)"
    ).set_defaults(func=cmd_settings)

    db = sub.add_parser("db", help="tables").add_subparsers(dest="db_command", required=True)
    db.add_parser("init", help="create missing tables and wait until ACTIVE").set_defaults(
        func=cmd_db_init
    )
    db.add_parser(
        "backfill-totals",
        help="give events stored before the running totals theirs; safe to re-run",
    ).set_defaults(func=cmd_db_backfill_totals)

    users = sub.add_parser("users", help="crew and captain accounts").add_subparsers(
        dest="users_command", required=True
    )
    add = users.add_parser("add", help="add a user; the password is read from stdin")
    add.add_argument("email")
    add.add_argument("--name", required=True)
    add.add_argument("--role", choices=["crew", "captain"], required=True)
    add.set_defaults(func=cmd_users_add)
    disable = users.add_parser("disable", help="disable a user and end their sessions")
    disable.add_argument("email")
    disable.set_defaults(func=cmd_users_disable)

    boats = sub.add_parser("boats", help="the captain's boats").add_subparsers(
        dest="boats_command", required=True
    )
    boat = boats.add_parser("add", help="add a boat with its passenger limit and minimum crew")
    boat.add_argument("name")
    boat.add_argument("--passengers", required=True, help="the certificate's limit (6: six-pack)")
    boat.add_argument("--min-crew", required=True)
    for option in ("--number", "--description", "--home-port"):
        boat.add_argument(option)
    boat.set_defaults(func=cmd_boats_add)

    events = sub.add_parser("events", help="events").add_subparsers(
        dest="events_command", required=True
    )
    create = events.add_parser("create", help="create an event; its id follows the convention")
    create.add_argument("--date", required=True, help="YYYY-MM-DD")
    create.add_argument("--first-name", required=True)
    create.add_argument("--period")
    create.add_argument("--total", required=True, help="total price, e.g. 1200.00")
    create.add_argument("--start", help="start time HH:MM")
    create.add_argument("--party-size")
    create.add_argument("--capacity")
    create.add_argument("--duration", help="minutes")
    create.add_argument("--boat")
    create.add_argument("--meeting-point")
    create.add_argument("--notes")
    create.set_defaults(func=cmd_events_create)
    lint = events.add_parser("lint-ids", help="list ids that break the convention (exit 1 if any)")
    lint.set_defaults(func=cmd_events_lint_ids)
    rename = events.add_parser("rename", help="move an event to a conforming id; safe to re-run")
    rename.add_argument("old")
    rename.add_argument("new")
    rename.set_defaults(func=cmd_events_rename)
    from server.crew_cli import add_commands as add_crew_commands

    add_crew_commands(events)
    outbox = sub.add_parser("outbox", help="notification emails").add_subparsers(
        dest="outbox_command", required=True
    )
    outbox.add_parser("send", help="send every owed notification that is due").set_defaults(
        func=cmd_outbox_send
    )
    from deploy.cli import add_commands as add_deploy_commands

    add_deploy_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
