"""``make bench-before-after REV=<commit>``: the benchmarks of this checkout and of an earlier commit, run
in turn on the same machine in the same session (before, after, bench by bench, so a busy moment falls on
both alike), their reports printed one after the other and their figure lines side by side.

Each benchmark already measures its own anchor in the same run (beancount's loader, weasyprint alone,
pgbench, openpyxl …) and prints the ratio; comparing the two commits' ratios is what says whether a change
made a hot path slower. The earlier commit gets a worktree and a virtual environment of its own (its own
dependencies), under ``bench-out/before-<rev>/``.

Environment: ``QUY_BA_BENCHES`` (comma-separated modules of ``tests/bench``, default
``documents,deposits,disbursements,exports,bank,load``; ``run``, ``books``, ``backup`` and ``charts`` build a
journal of 1,000,000 postings and take long), ``QUY_BA_FULL=1`` (the benchmarks' own sizes; default: a
smaller size each, set below), ``QUY_BENCH_DIR`` (default ``bench-out``). Results go to
``bench-out/before-after.json``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: smaller sizes, so that both commits' runs fit in a session (QUY_BA_FULL=1 for the benchmarks' own)
SMALL = {"QUY_BENCH_RECEIPTS": "200", "QUY_BENCH_DEPOSITS": "2000", "QUY_BENCH_LINES": "2000",
         "QUY_BENCH_EXPORT_ROWS": "20000", "QUY_BENCH_BANK_LINES": "5000", "QUY_BENCH_BANK_PLEDGES": "5000",
         "QUY_LOAD_SECONDS": "10", "QUY_BENCH_CHARTS_POSTINGS": "20000", "QUY_BENCH_ANCHOR_1M": "0"}

#: a line of a report that carries a figure worth setting side by side
FIGURE = re.compile(r"\d[\d.,]*\s*(s|ms|MB|GB|req/s|/s|×|x)\b|ratio|\b\d+(\.\d+)?×")


def sh(cmd: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)


def earlier_tree(rev: str, out: Path) -> Path:
    """A worktree of ``rev`` with its own virtual environment (made once, kept for the next run)."""
    tree = out / f"before-{rev[:12]}"
    if not tree.exists():
        sh(["git", "worktree", "add", "--detach", str(tree), rev], ROOT).check_returncode()
    venv = tree / ".venv"
    if not (venv / ".dev").exists():
        p = sh(["make", ".venv/.dev"], tree)
        if p.returncode:
            sys.exit(f"could not install {rev} in {tree}:\n{p.stdout}{p.stderr}")
    return tree


def run_bench(tree: Path, module: str, out: Path, env: dict) -> dict:
    d = out / module
    d.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    p = sh([str(tree / ".venv" / "bin" / "python"), "-m", f"tests.bench.{module}"], tree,
           {**env, "QUY_BENCH_DIR": str(d), "PYTHONPATH": str(tree)})
    report = p.stdout + p.stderr
    return {"rc": p.returncode, "seconds": round(time.monotonic() - start, 1), "report": report,
            "figures": [ln.strip() for ln in report.splitlines() if FIGURE.search(ln)]}


def side_by_side(module: str, before: dict, after: dict, rev: str, head: str) -> str:
    rows = [f"=== {module}: before {rev[:10]} (rc {before['rc']}, {before['seconds']:.0f} s) | "
            f"after {head[:10]} (rc {after['rc']}, {after['seconds']:.0f} s)"]
    a, b = before["figures"], after["figures"]
    for i in range(max(len(a), len(b))):
        rows.append(f"  before: {a[i] if i < len(a) else '—'}\n  after:  {b[i] if i < len(b) else '—'}")
    return "\n".join(rows)


def main() -> int:
    if len(sys.argv) < 2:
        sys.exit("usage: python -m tests.bench.before_after <earlier commit>")
    rev = sh(["git", "rev-parse", sys.argv[1]], ROOT).stdout.strip()
    head = sh(["git", "rev-parse", "HEAD"], ROOT).stdout.strip()
    out = Path(os.environ.get("QUY_BENCH_DIR") or ROOT / "bench-out").resolve()
    out.mkdir(parents=True, exist_ok=True)
    benches = [b for b in os.environ.get("QUY_BA_BENCHES", "documents,deposits,disbursements,exports,bank,load")
               .split(",") if b]
    env = {**os.environ, **({} if os.environ.get("QUY_BA_FULL") == "1" else SMALL)}
    tree = earlier_tree(rev, out)
    results = {}
    for module in benches:
        before = run_bench(tree, module, out / "before", env)
        after = run_bench(ROOT, module, out / "after", env)
        results[module] = {"before": before, "after": after}
        print(side_by_side(module, before, after, rev, head), flush=True)
    with (out / "before-after.json").open("a") as f:
        f.write(json.dumps({"at": datetime.now(UTC).isoformat(timespec="seconds"), "before": rev, "after": head,
                            "sizes": "full" if os.environ.get("QUY_BA_FULL") == "1" else SMALL,
                            "results": results}) + "\n")
    return 0 if all(r[k]["rc"] == 0 for r in results.values() for k in ("before", "after")) else 1


if __name__ == "__main__":
    sys.exit(main())
