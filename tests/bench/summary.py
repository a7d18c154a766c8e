"""``make bench-summary``: the README's table of benchmark figures, made from what the benchmarks themselves
recorded — so no figure is ever copied by hand.

Every benchmark ends with :func:`record`: its figures, each beside the anchor it measured in the same run (the
ratio is computed here, from the two), the target the issue set, whether it was met, with the date, the commit
and the machine. One file a benchmark, ``bench-out/summary/<bench>.json``, holding its latest run.

``python -m tests.bench.summary`` prints the table (Markdown); ``--readme`` writes it into README.md between
``<!-- bench-summary -->`` and ``<!-- /bench-summary -->``; ``--check`` exits 1 when a recorded target was
missed. ``QUY_BENCH_DIR`` (default ``bench-out``) says where the records are.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
START, END = "<!-- bench-summary -->", "<!-- /bench-summary -->"


@dataclass(frozen=True)
class Figure:
    """One measured figure beside its anchor measured in the same run, and the target set for it."""

    what: str
    value: float
    unit: str
    anchor: str = ""
    anchor_value: float | None = None
    target: str = ""
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        if not self.anchor_value or self.value is None:
            return None
        return self.value / self.anchor_value


def out_dir() -> Path:
    return Path(os.environ.get("QUY_BENCH_DIR") or ROOT / "bench-out")


def machine() -> dict:
    """What the figures were measured on: the CPU, its cores, the memory, the system and Python."""
    cpu = platform.processor() or platform.machine()
    mem_gb = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": mem_gb, "system": platform.platform(terse=True),
            "python": platform.python_version()}


def commit() -> str:
    """The commit measured (``+changes`` when tracked files differ from it); ``unknown`` outside git."""
    try:
        r = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
    except OSError:
        return "unknown"
    return (r.stdout.strip() or "unknown") + ("+changes" if dirty else "")


def settings() -> dict:
    """The benchmark sizes and options set in the environment (a trial at other sizes says so in the table)."""
    return {k: v for k, v in sorted(os.environ.items())
            if k.startswith(("QUY_BENCH_", "QUY_LOAD_")) and k != "QUY_BENCH_DIR"}


def record(bench: str, figures: list[Figure]) -> Path:
    """Keep this run's figures as the benchmark's latest (``bench-out/summary/<bench>.json``)."""
    path = out_dir() / "summary" / f"{bench}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"bench": bench, "at": datetime.now(UTC).isoformat(timespec="seconds"), "commit": commit(),
           "machine": machine(), "settings": settings(), "figures": [asdict(f) for f in figures]}
    part = path.with_suffix(".part")
    part.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    part.replace(path)  # whole or not at all
    return path


def load(directory: Path | None = None) -> list[dict]:
    """Every benchmark's latest record, in the order ``make bench`` runs them (others after, by name)."""
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(((directory or out_dir()) / "summary")
                                                                      .glob("*.json"))]
    return sorted(docs, key=lambda d: (ORDER.index(d["bench"]) if d["bench"] in ORDER else len(ORDER), d["bench"]))


ORDER = ("run", "documents", "deposits", "disbursements", "books", "charts", "backup", "bank", "exports", "proofs",
         "load", "nation")


def _num(x: float | None, unit: str = "") -> str:
    if x is None:
        return ""
    text = f"{x:,.0f}" if abs(x) >= 100 or float(x).is_integer() else f"{x:,.2f}" if abs(x) >= 1 else f"{x:.3g}"
    return f"{text} {unit}".strip()


def _machine_line(m: dict) -> str:
    return f"{m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, {m['system']}, Python {m['python']}"


def kept_rows(old: str, recorded: set[str]) -> tuple[dict[str, list[str]], list[str]]:
    """From a table made earlier (``old``): the rows of each benchmark with no record here (a checkout that ran only
    some benchmarks keeps the others' rows as they were made, with their own date, commit and machine), and the
    machine lines they name (``m1: …``), in order."""
    rows: dict[str, list[str]] = {}
    machines = [ln.split(": ", 1)[1] for ln in old.splitlines() if re.match(r"m\d+: ", ln)]
    for ln in old.splitlines():
        bench = ln.split(" | ")[0][2:] if ln.startswith("| ") else ""
        if bench and bench != "benchmark" and bench not in recorded:
            rows.setdefault(bench, []).append(ln)
    return rows, machines


def table(docs: list[dict], kept: dict[str, list[str]] | None = None, machines: list[str] | None = None) -> str:
    """The Markdown table: a row a figure, then a line a machine the figures were measured on. ``kept``: rows of
    benchmarks recorded elsewhere, as :func:`kept_rows` read them, naming ``machines`` (m1, m2… in that order)."""
    kept, known = kept or {}, list(machines or [])
    lines = ["| benchmark | figure | Quỹ | anchor (same run) | anchor's | ratio | target | met | date · commit |",
             "|---|---|--:|---|--:|--:|---|:-:|---|"]
    rank = {b: i for i, b in enumerate(ORDER)}
    entries = [(d["bench"], d) for d in docs] + [(b, None) for b in kept]
    for bench, d in sorted(entries, key=lambda e: (rank.get(e[0], len(ORDER)), e[0])):
        if d is None:
            lines += kept[bench]
            continue
        if _machine_line(d["machine"]) not in known:
            known.append(_machine_line(d["machine"]))
        tag = f"m{known.index(_machine_line(d['machine'])) + 1}"
        trial = "".join(f" · {k}={v}" for k, v in (d.get("settings") or {}).items())
        for f in d["figures"]:
            fig = Figure(**f)
            met = {True: "yes", False: "**no**", None: ""}[fig.met]
            ratio = "" if fig.ratio is None else f"{fig.ratio:.2f}×" if fig.ratio >= 0.1 else f"{fig.ratio:.2g}×"
            lines.append(f"| {d['bench']} | {fig.what} | {_num(fig.value, fig.unit)} | {fig.anchor} | "
                         f"{_num(fig.anchor_value, fig.unit)} | {ratio} | {fig.target} | {met} | "
                         f"{d['at'][:10]} · {d['commit']} · {tag}{trial} |")
    for i, m in enumerate(known, 1):
        lines.append("")
        lines.append(f"m{i}: {m}")
    return "\n".join(lines) + "\n"


def between_markers(readme: Path) -> str:
    """What ``readme`` holds between the markers now (which must stand once, in order)."""
    body = readme.read_text(encoding="utf-8")
    if body.count(START) != 1 or body.count(END) != 1 or body.index(START) > body.index(END):
        raise SystemExit(f"{readme}: the markers {START} … {END} must stand once, in that order")
    return body.split(START)[1].split(END)[0]


def into_readme(text: str, readme: Path) -> None:
    """Put ``text`` between the markers of ``readme`` (which must hold them once)."""
    between_markers(readme)
    body = readme.read_text(encoding="utf-8")
    head, rest = body.split(START)
    _, tail = rest.split(END)
    readme.write_text(f"{head}{START}\n{text}{END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    docs = load()
    if not docs:
        print(f"no benchmark has recorded anything in {out_dir() / 'summary'}: run make bench first",
              file=sys.stderr)
        return 1
    if "--readme" in args:
        kept, machines = kept_rows(between_markers(ROOT / "README.md"), {d["bench"] for d in docs})
        text = table(docs, kept, machines)
        into_readme(text, ROOT / "README.md")
        print(f"README.md: the table of {sum(len(d['figures']) for d in docs)} figures from {len(docs)} benchmarks")
    else:
        print(table(docs), end="")
    missed = [(d["bench"], f["what"]) for d in docs for f in d["figures"] if f.get("met") is False]
    if "--check" in args and missed:
        print("missed: " + "; ".join(f"{b}: {w}" for b, w in missed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
