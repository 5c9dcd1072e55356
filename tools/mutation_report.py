"""Per-module mutation scores from mutmut's results (`make mutation`, docs/mutation.md).

mutmut 3 keeps one `mutants/<path>.meta` JSON per mutated file, mapping each mutant to
the exit code of its test run. This prints killed / checked per module and exits 1 when
any module is under the threshold, or when a mutant was never checked (an unfinished
run): a score is only reported over a complete run.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THRESHOLD = 90.0

# mutmut's own reading of exit codes (mutmut/stats.py): 1 and 3 are failing tests, 37 a
# type check; timeouts and crashes also detect the mutant. 0 survived; 5/33 no test ran
# it (as bad as surviving); 34 skipped by a pragma; None not checked yet.
KILLED = {1, 3, 37, 36, 24, -24, 152, 255, -11, -9}
SURVIVED = {0, 5, 33}
SKIPPED = {34}


def mutated_modules(root: Path) -> list[Path]:
    """The files `[tool.mutmut] only_mutate` names (the one list of what is mutated)."""
    config = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["mutmut"]
    patterns: list[str] = config["only_mutate"]
    found = {
        path.relative_to(root)
        for source in config["source_paths"]
        for path in (root / source).rglob("*.py")
        if any(fnmatch.fnmatch(str(path.relative_to(root)), p) for p in patterns)
    }
    return sorted(p for p in found if p.name != "__init__.py")


def tally(meta: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    if not meta.exists():
        return counts
    for code in json.loads(meta.read_text())["exit_code_by_key"].values():
        if code is None:
            counts["not checked"] += 1
        elif code in KILLED:
            counts["killed"] += 1
        elif code in SURVIVED:
            counts["survived"] += 1
        elif code in SKIPPED:
            counts["skipped"] += 1
        else:
            counts["suspicious"] += 1
    return counts


def report(root: Path, threshold: float, only: str | None) -> int:
    failing = []
    print(f"{'module':<34} {'killed':>6} {'checked':>7} {'score':>7}")
    for module in mutated_modules(root):
        if only and only not in module.stem:
            continue
        meta = root / "mutants" / f"{module}.meta"
        counts = tally(meta)
        checked = counts["killed"] + counts["survived"] + counts["suspicious"]
        if meta.exists() and not counts:
            # mutmut 3 mutates only undecorated functions and methods (docs/mutation.md)
            print(f"{module!s:<34} {'-':>6} {0:>7}   (nothing mutmut mutates)")
            continue
        if counts["not checked"] or checked == 0:
            print(f"{module!s:<34} not run to the end ({counts['not checked']} not checked)")
            failing.append(str(module))
            continue
        score = 100.0 * counts["killed"] / checked if checked else 100.0
        flag = "" if score >= threshold else f"  < {threshold:.0f} %"
        print(f"{module!s:<34} {counts['killed']:>6} {checked:>7} {score:>6.1f}%{flag}")
        if score < threshold:
            failing.append(str(module))
    if failing:
        print(f"\nUnder {threshold:.0f} % or unfinished: {', '.join(failing)}", file=sys.stderr)
        print("Survivors: .venv/bin/mutmut results; one in full: mutmut show NAME", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument("--module", help="only the modules whose name contains this")
    args = parser.parse_args(argv)
    return report(ROOT, args.threshold, args.module)


if __name__ == "__main__":
    sys.exit(main())
