"""One amount rule for the server and the phone (issue 25, item 3): the Log Payment
input's `pattern` and offline.js's check are `money.AMOUNT_PATTERN` itself, and that
text means the same to JavaScript's engine (node, with the `v` flag a browser compiles a
`pattern` attribute with) as to Python's `re` on every input below."""

from __future__ import annotations

import json
import re
import subprocess
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.money import _AMOUNT, AMOUNT_PATTERN, parse_amount
from server.web.templating import make_environment

ROOT = Path(__file__).resolve().parent.parent

TABLE = [
    "40", "$40", "$ 40", " 1,200.50 ", "1200.5", ".50", "0.01", "100000", "100,000.00",
    "1,2,3", "12,34", "1,2345", "1e3", "1E3", "12.345", "-5", "$-5", "+5", "40$", "4 0",
    "NaN", "Infinity", "0x10", "1_000", "١٢", "", "$", ".", ",", "1.", "1..2", "\t7\t",
    "40\n", "1,200,300.99", "01", "$$40", "12.3.4", "1,000,0000",
]  # fmt: skip


def js_accepts(pattern: str, inputs: list[str]) -> list[bool]:
    """What a browser's `pattern` check says of each input (node's RegExp, `v` flag)."""
    script = (
        "const [p, xs] = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "const re = new RegExp('^(?:' + p + ')$', 'v');"
        "process.stdout.write(JSON.stringify(xs.map((x) => re.test(x))));"
    )
    done = subprocess.run(
        ["node", "-e", script],
        input=json.dumps([pattern, inputs]),
        capture_output=True,
        text=True,
        check=True,
    )
    answer: list[bool] = json.loads(done.stdout)
    return answer


def server_reads(text: str) -> bool:
    try:
        parse_amount(text)
    except ValueError:
        return False
    return True


def test_the_pattern_means_the_same_in_javascript_and_python() -> None:
    python = [_AMOUNT.fullmatch(x) is not None for x in TABLE]
    assert js_accepts(AMOUNT_PATTERN, TABLE) == python
    assert sum(python) >= 10 and not all(python)  # the table holds both kinds


def test_every_amount_the_server_reads_passes_the_pattern_and_the_loose_ones_do_not() -> None:
    browser = dict(zip(TABLE, js_accepts(AMOUNT_PATTERN, TABLE), strict=True))
    for text in TABLE:
        if server_reads(text):
            assert browser[text], text
    # What offline.js let through before (it only dropped "$", "," and spaces):
    for loose in ("1,2,3", "12,34", "1e3", "12.345", "$$40", "1,000,0000"):
        assert not browser[loose] and not server_reads(loose), loose


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="0123456789$,. \t-+eE", max_size=12), min_size=1, max_size=40))
def test_the_engines_agree_on_generated_amounts(inputs: list[str]) -> None:
    assert js_accepts(AMOUNT_PATTERN, inputs) == [_AMOUNT.fullmatch(x) is not None for x in inputs]


def test_the_payment_form_and_the_queue_panel_carry_the_servers_rule() -> None:
    form = (ROOT / "partials" / "_payment_form.html").read_text()
    base = (ROOT / "templates" / "base.html").read_text()
    assert 'pattern="{{ amount_pattern }}"' in form
    assert 'data-amount-pattern="{{ amount_pattern }}"' in base
    env = make_environment()
    assert env.globals["amount_pattern"] == AMOUNT_PATTERN
    assert Decimal(str(env.globals["amount_max"])) == Decimal("100000.00")
    # offline.js reads the rule from the page, and has no amount regex of its own.
    script = (ROOT / "static" / "offline.js").read_text()
    assert "dataset.amountPattern" in script or "amountPattern" in script
    assert not re.search(r"\\d\{1,3\}", script)
