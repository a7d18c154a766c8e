"""``make bench-reliability``: ``CI=true make test`` three times in a row in a fresh clone of HEAD while
other processes keep every core busy (issue 23: "the suite is reliable").

The anchor measured in the same run is the same ``make test`` on the same clone with the cores idle
(run first, and counted as a fourth pass); each loaded run prints its time beside it as a ratio.
The burners are plain Python loops, one per core, started before and stopped after each loaded run.

Environment: ``QUY_RELIABILITY_RUNS`` (loaded runs, default 3), ``QUY_RELIABILITY_IDLE=0`` (skip the
idle anchor), ``QUY_RELIABILITY_BURNERS`` (default: the number of cores), ``QUY_RELIABILITY_ARGS``
(extra pytest arguments, e.g. ``-x``), ``QUY_BENCH_DIR`` (default ``bench-out``).
Results are appended to ``bench-out/reliability.json``; the exit status is 1 when any run failed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BURN = "import time\nwhile True:\n    sum(i * i for i in range(10_000))\n"


def summary(out: str) -> str:
    """pytest's last line: '1560 passed, 12 skipped in 812.34s' (or the failures it counts)."""
    lines = [ln.strip("= ") for ln in out.splitlines() if re.search(r"\d+ (passed|failed|errors?)\b", ln)]
    return lines[-1] if lines else "(no pytest summary: see the log)"


def failures(out: str) -> list[str]:
    return [ln for ln in out.splitlines() if ln.startswith(("FAILED ", "ERROR "))]


def run_suite(clone: Path, burners: int, log: Path) -> dict:
    procs = [subprocess.Popen([sys.executable, "-c", BURN]) for _ in range(burners)]
    env = {**os.environ, "CI": "true"}
    extra = os.environ.get("QUY_RELIABILITY_ARGS", "")
    start = time.monotonic()
    try:
        p = subprocess.run(["make", "test"] + ([f"PYTEST_ARGS={extra}"] if extra else []), cwd=clone,
                           env=env, capture_output=True, text=True)
    finally:
        for b in procs:
            b.kill()
            b.wait()
    secs = time.monotonic() - start
    out = p.stdout + p.stderr
    log.write_text(out)
    return {"burners": burners, "rc": p.returncode, "seconds": round(secs, 1), "summary": summary(out),
            "failures": failures(out), "log": str(log)}


def main() -> int:
    runs = int(os.environ.get("QUY_RELIABILITY_RUNS") or 3)
    burners = int(os.environ.get("QUY_RELIABILITY_BURNERS") or os.cpu_count() or 2)
    out_dir = Path(os.environ.get("QUY_BENCH_DIR") or ROOT / "bench-out")
    out_dir.mkdir(parents=True, exist_ok=True)
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True).stdout.strip()
    results = []
    with tempfile.TemporaryDirectory(prefix="quy-reliability-") as tmp:
        clone = Path(tmp) / "quy"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        plan = ([0] if os.environ.get("QUY_RELIABILITY_IDLE", "1") != "0" else []) + [burners] * runs
        for i, b in enumerate(plan):
            r = run_suite(clone, b, out_dir / f"reliability-{i}.log")
            results.append(r)
            print(f"run {i} ({'idle' if b == 0 else f'{b} burners'}): rc={r['rc']} {r['seconds']:.0f} s — "
                  f"{r['summary']}", flush=True)
            for f in r["failures"]:
                print("   ", f, flush=True)
    idle = next((r["seconds"] for r in results if r["burners"] == 0), None)
    if idle:
        for r in results:
            if r["burners"]:
                print(f"loaded {r['seconds']:.0f} s / idle {idle:.0f} s = {r['seconds'] / idle:.2f}")
    loaded_ok = sum(1 for r in results if r["burners"] and r["rc"] == 0)
    print(f"{loaded_ok} of {runs} loaded runs passed in a row" if loaded_ok == runs else
          f"FAILED: {loaded_ok} of {runs} loaded runs passed")
    with (out_dir / "reliability.json").open("a") as f:
        f.write(json.dumps({"at": datetime.now(UTC).isoformat(timespec="seconds"), "head": head,
                            "cores": os.cpu_count(), "runs": results}) + "\n")
    return 0 if all(r["rc"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
