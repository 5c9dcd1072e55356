"""The records that cross layers are typed (server/domain/records.py, issue 25 section 1):
mypy --strict refuses a renamed key, the kind of mutant mutation testing showed no test
noticed (`departure_record`'s keys, a ledger entry's `amount`). Each case type-checks a
small module with mypy's own API, against the tree's mypy settings (pyproject.toml), and
a control module shows the same code without the renaming passes, so no case passes on
a checker that refuses everything. One mypy run for all the modules (a few seconds)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from mypy import api

from server.domain.float_plan import DepartForm, departure_record
from server.domain.payments import PaymentRequest, ledger
from server.domain.records import LedgerEntry

ROOT = Path(__file__).resolve().parents[1]
FLOAT_PLAN = ROOT / "server" / "domain" / "float_plan.py"

SNIPPETS = {
    "control": """
from decimal import Decimal
from server.domain.payments import PaymentRequest
from server.domain.records import Departure, Event, LedgerEntry
from server.store.events import EventsRepo

def amount_of(entry: LedgerEntry) -> Decimal:
    return entry["amount"]

def tip_of(entry: LedgerEntry) -> object:
    return entry.get("tip", 0)

def back_of(event: Event) -> str:
    return event["departure"]["expected_back"]

def logged(request: PaymentRequest) -> str:
    return request.entry("a@x", "A", "2030-01-01T10:00:00Z")["method"]

def plan() -> Departure:
    return {"departure_id": "d", "departed_at": "t", "departed_by": "a", "expected_back": "b"}

def price(repo: EventsRepo) -> Decimal:
    event = repo.get("2030-01-01-alice")
    assert event is not None
    return event["total_price"]
""",
    "stored_event": """
from decimal import Decimal
from server.store.events import EventsRepo

def price(repo: EventsRepo) -> Decimal:
    event = repo.get("2030-01-01-alice")
    assert event is not None
    return event["total_prise"]
""",
    "get_entry": """
from server.domain.money import to_money
from server.domain.records import LedgerEntry

def tip_of(entry: LedgerEntry) -> object:
    return to_money(entry.get("tipp", 0))
""",
    "read_entry": """
from decimal import Decimal
from server.domain.records import LedgerEntry

def amount_of(entry: LedgerEntry) -> Decimal:
    return entry["amout"]
""",
    "read_event": """
from server.domain.records import Event

def back_of(event: Event) -> str:
    return event["departure"]["expected_bak"]
""",
    "built_entry": """
from server.domain.payments import PaymentRequest

def logged(request: PaymentRequest) -> str:
    return str(request.entry("a@x", "A", "2030-01-01T10:00:00Z")["metod"])
""",
    "written_departure": """
from server.domain.records import Departure

def plan() -> Departure:
    return {"departure_id": "d", "departed_at": "t", "departed_by": "a", "expected_bak": "b"}
""",
}

# What mypy says about each renamed key (the control: nothing).
EXPECTED = {
    "stored_event": 'TypedDict "Event" has no key "total_prise"',
    "get_entry": 'TypedDict "LedgerEntry" has no key "tipp"',  # tools/mypy_record_keys.py
    "read_entry": 'TypedDict "LedgerEntry" has no key "amout"',
    "read_event": 'TypedDict "Departure" has no key "expected_bak"',
    "built_entry": 'TypedDict "LedgerEntry" has no key "metod"',
    "written_departure": 'Extra key "expected_bak" for TypedDict "Departure"',
    "mutant_float_plan": 'Extra key "expected_bak" for TypedDict "Departure"',
}


def _mutant_float_plan() -> str:
    """server/domain/float_plan.py as mutmut would mutate it: one key of the departure
    record renamed (`"expected_back"` -> `"expected_bak"` in `departure_record`)."""
    source = FLOAT_PLAN.read_text()
    body = re.search(r"def departure_record\(.*?\n\n\n", source, re.S)
    assert body is not None and '"expected_back": form.expected_back' in body.group(0)
    mutated = body.group(0).replace('"expected_back":', '"expected_bak":')
    return source.replace(body.group(0), mutated)


@pytest.fixture(scope="module")
def mypy_says(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Each module's mypy output (one run over all of them)."""
    folder = tmp_path_factory.mktemp("typed_records")
    modules = {**SNIPPETS, "mutant_float_plan": _mutant_float_plan()}
    for name, text in modules.items():
        (folder / f"{name}.py").write_text(text)
    stdout, stderr, _ = api.run(
        [
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(folder / ".cache"),
            "--no-error-summary",
            *(str(folder / f"{name}.py") for name in modules),
        ]
    )
    assert not stderr, stderr
    said = {name: "" for name in modules}
    for line in stdout.splitlines():
        name = Path(line.split(":", 1)[0]).stem
        if name in said:
            said[name] += line + "\n"
    yield said


def test_code_that_reads_and_builds_records_by_their_keys_type_checks(
    mypy_says: dict[str, str],
) -> None:
    assert mypy_says["control"] == ""


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_a_renamed_record_key_is_a_type_error(mypy_says: dict[str, str], case: str) -> None:
    assert EXPECTED[case] in mypy_says[case], mypy_says[case]
    assert "[typeddict-" in mypy_says[case]


def test_records_stay_plain_dicts_at_run_time() -> None:
    """The types change nothing the store, the templates or the emails see."""
    entry = PaymentRequest("p1", ledger(0, []).total, "cash", "").entry("a@x", "A", "t")
    form = DepartForm("2030-01-01T12:00:00Z", "Bay", ("a@x",))
    record = departure_record("d1", form, {"event_id": "e", "date": "d"}, [], "a@x", "t")
    assert type(entry) is dict and type(record) is dict
    stored: LedgerEntry = {"payment_id": "p2"}  # an old entry: only its id
    assert ledger(10, [stored]).payments[0]["amount"] == 0  # defaults fill the rest
