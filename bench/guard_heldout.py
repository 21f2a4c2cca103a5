"""Guard on the held-out set v2 or the dev set (issue 11): recall and false flags per domain and language.

    .venv/bin/python -m bench.guard_heldout            # writes bench/results/guard_heldout_v2.json
    .venv/bin/python -m bench.guard_heldout --tag after  # guard_heldout_v2_after.json
    .venv/bin/python -m bench.guard_heldout --set dev --tag first  # bench/text_guard_dev.py -> guard_dev_first.json
    .venv/bin/python -m bench.guard_heldout --set dev2 --tag first  # its batch 2 -> guard_dev2_first.json
    .venv/bin/python -m bench.guard_heldout --set dev3 --tag first  # its batch 3 -> guard_dev3_first.json
    .venv/bin/python -m bench.guard_heldout --set dev4 --tag first  # its batch 4 -> guard_dev4_first.json
    .venv/bin/python -m bench.guard_heldout --set dev5 --tag first  # its batch 5 -> guard_dev5_first.json
    .venv/bin/python -m bench.guard_heldout --set dev6 --tag first  # its batch 6 -> guard_dev6_first.json
    .venv/bin/python -m bench.guard_heldout --set dev7 --tag first  # its batch 7 -> guard_dev7_first.json
    .venv/bin/python -m bench.guard_heldout --set dev8 --tag first  # its batch 8 -> guard_dev8_first.json
    .venv/bin/python -m bench.guard_heldout --set dev9 --tag first  # its batch 9 -> guard_dev9_first.json
    .venv/bin/python -m bench.guard_heldout --set dev10 --tag first  # its batch 10 -> guard_dev10_first.json

Recall = planted cases with at least one flag / planted cases; false-flag rate = faithful cases with at
least one flag / faithful cases. Every case is checked with ``medgen.text.guard.check(source, text)``
exactly as bench/text.py checks the older sets (the guard tells English from Chinese text itself). Never
tune the guard on the v2 cases: they are for reporting only (the dev set may be tuned on).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
log = logging.getLogger("bench.guard_heldout")


def _rate(hits: int, n: int) -> float | None:
    return round(hits / n, 4) if n else None


def _cases(which: str) -> list[Any]:
    if which == "dev":
        from bench.text_guard_dev import CASES as DEV
        return list(DEV)
    if which == "dev2":
        from bench.text_guard_dev import BATCH_2
        return list(BATCH_2)
    if which == "dev3":
        from bench.text_guard_dev import BATCH_3
        return list(BATCH_3)
    if which == "dev4":
        from bench.text_guard_dev import BATCH_4
        return list(BATCH_4)
    if which == "dev5":
        from bench.text_guard_dev import BATCH_5
        return list(BATCH_5)
    if which == "dev6":
        from bench.text_guard_dev import BATCH_6
        return list(BATCH_6)
    if which == "dev7":
        from bench.text_guard_dev import BATCH_7
        return list(BATCH_7)
    if which == "dev8":
        from bench.text_guard_dev import BATCH_8
        return list(BATCH_8)
    if which == "dev9":
        from bench.text_guard_dev import BATCH_9
        return list(BATCH_9)
    if which == "dev10":
        from bench.text_guard_dev import BATCH_10
        return list(BATCH_10)
    from bench.text_guard_heldout_v2 import CASES as V2
    return list(V2)


def evaluate(which: str = "v2") -> dict[str, object]:
    """Check every case of a set and return the summary (recall, false flags, per group, misses)."""
    from medgen.text.guard import check

    CASES = _cases(which)  # noqa: N806

    groups: dict[str, dict[str, int]] = {}
    misses: list[dict[str, object]] = []
    false_flags: list[dict[str, object]] = []
    caught: list[dict[str, object]] = []

    def tally(key: str, planted: bool, flagged: bool) -> None:
        g = groups.setdefault(key, {"planted": 0, "caught": 0, "faithful": 0, "false_flags": 0})
        if planted:
            g["planted"] += 1
            g["caught"] += flagged
        else:
            g["faithful"] += 1
            g["false_flags"] += flagged

    for case in CASES:
        flags = check(case.source, case.candidate)
        flagged = bool(flags)
        planted = case.planted is not None
        for key in ("all", f"domain:{case.domain}", f"language:{case.language}",
                    f"{case.domain}/{case.language}"):
            tally(key, planted, flagged)
        fl = [f.to_dict() for f in flags]
        if planted and not flagged:
            misses.append({"id": case.id, "planted": case.planted})
        elif planted:
            caught.append({"id": case.id, "planted": case.planted, "flags": fl})
        elif flagged:
            false_flags.append({"id": case.id, "flags": fl})

    summary = {
        k: {**g, "recall": _rate(g["caught"], g["planted"]),
            "false_flag_rate": _rate(g["false_flags"], g["faithful"])}
        for k, g in groups.items()
    }
    return {"summary": summary, "misses": misses, "false_flags": false_flags, "caught": caught}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--tag", default="", help="suffix for the result file (e.g. after)")
    ap.add_argument("--set", dest="which", choices=("v2", "dev", "dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8", "dev9", "dev10"), default="v2",
                    help="v2: held-out set (report only); dev, dev2 .. dev10: batches 1 .. 10 of bench/text_guard_dev.py")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    guard_file = ROOT / "medgen" / "text" / "guard.py"
    out: dict[str, object] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench.guard_heldout" + (f" --set {args.which}" if args.which != "v2" else "")
        + (f" --tag {args.tag}" if args.tag else ""),
        "guard_sha256": hashlib.sha256(guard_file.read_bytes()).hexdigest() if guard_file.exists() else None,
        **evaluate(args.which),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = "guard_heldout_v2" if args.which == "v2" else f"guard_{args.which}"
    path = RESULTS / (stem + (f"_{args.tag}" if args.tag else "") + ".json")
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    summary = out["summary"]
    assert isinstance(summary, dict)
    lines = ["| group | recall | false flags |", "|---|---|---|"]
    for key in sorted(summary, key=lambda k: (k != "all", k)):
        g = summary[key]
        lines.append(f"| {key} | {g['caught']}/{g['planted']} | {g['false_flags']}/{g['faithful']} |")
    sys.stdout.write("\n".join(lines) + "\n")
    misses, false_flags = out["misses"], out["false_flags"]
    assert isinstance(misses, list) and isinstance(false_flags, list)
    for m in misses:
        sys.stdout.write(f"missed: {m['id']}: {m['planted']}\n")
    for f in false_flags:
        reasons = "; ".join(str(x.get("reason", x)) for x in f["flags"])
        sys.stdout.write(f"false flag: {f['id']}: {reasons}\n")
    log.info("wrote %s", path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
