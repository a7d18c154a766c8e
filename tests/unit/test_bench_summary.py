"""The README's benchmark table is made from what the benchmarks recorded (``tests/bench/summary.py``)."""

from __future__ import annotations

import json

import pytest

from tests.bench import summary


@pytest.fixture
def bench_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("QUY_BENCH_DIR", str(tmp_path))
    return tmp_path


def test_each_figure_stands_beside_its_anchor_with_the_ratio_of_the_two_and_the_run_s_date_and_machine(bench_dir):
    summary.record("documents", [summary.Figure("one receipt on demand", 61.0, "ms", "weasyprint alone", 27.0,
                                                "≤ 2×", False)])
    summary.record("run", [summary.Figure("import 100,000 donations, SQLite", 7.09, "s", "beancount", 2.5, "< 10 s",
                                          True)])
    doc = json.loads((bench_dir / "summary" / "run.json").read_text())
    assert doc["machine"]["cores"] and doc["at"] and doc["commit"]
    text = summary.table(summary.load())
    rows = [ln for ln in text.splitlines() if ln.startswith("| ") and "---" not in ln][1:]
    assert [r.split(" | ")[0] for r in rows] == ["| run", "| documents"]  # make bench's order, not the files'
    assert "| 7.09 s | beancount | 2.50 s | 2.84× | < 10 s | yes |" in rows[0]
    assert "| 61 ms | weasyprint alone | 27 ms | 2.26× | ≤ 2× | **no** |" in rows[1]
    assert doc["at"][:10] in rows[0] and "m1" in rows[0]
    assert f"{doc['machine']['cores']} cores" in text


def test_a_later_run_replaces_the_benchmark_s_figures(bench_dir):
    summary.record("proofs", [summary.Figure("trees", 9.5, "s", "pymerkle", 33.0)])
    summary.record("proofs", [summary.Figure("trees", 8.99, "s", "pymerkle", 33.22),
                              summary.Figure("balances", 1.3, "ms", "a GROUP BY", 456.0)])
    text = summary.table(summary.load())
    assert "8.99 s" in text and "9.50 s" not in text
    assert "| 0.27× |" in text and "| 0.0029× |" in text  # a small ratio keeps its digits


def test_the_readme_gets_the_table_between_its_markers_and_nothing_else_changes(bench_dir, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# Quỹ\nbefore\n{summary.START}\nold table\n{summary.END}\nafter\n", encoding="utf-8")
    summary.record("load", [summary.Figure("API donations a second", 421.0, "/s", "pgbench", 411.0, "≥ 0.7×", True)])
    summary.into_readme(summary.table(summary.load()), readme)
    body = readme.read_text(encoding="utf-8")
    assert body.startswith("# Quỹ\nbefore\n") and body.endswith(f"{summary.END}\nafter\n")
    assert "old table" not in body and "| 421 /s | pgbench | 411 /s | 1.02× |" in body
    summary.into_readme(summary.table(summary.load()), readme)
    assert readme.read_text(encoding="utf-8") == body  # the same records, the same README
    readme.write_text("no markers\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        summary.into_readme("x", readme)


def test_check_fails_when_a_recorded_target_was_missed_and_says_which(bench_dir, capsys):
    assert summary.main([]) == 1  # nothing recorded yet
    summary.record("deposits", [summary.Figure("accrual", 2.0, "s", "arithmetic", 0.5, "≤ 3×", False)])
    assert summary.main([]) == 0
    assert summary.main(["--check"]) == 1
    assert "deposits: accrual" in capsys.readouterr().err


def test_a_trial_at_other_sizes_says_so_in_the_table(bench_dir, monkeypatch):
    monkeypatch.setenv("QUY_BENCH_RECEIPTS", "6")
    summary.record("documents", [summary.Figure("one receipt", 61.0, "ms", "weasyprint", 27.0)])
    assert "QUY_BENCH_RECEIPTS=6" in summary.table(summary.load())
    assert not list((bench_dir / "summary").glob("*.part"))


def test_benchmarks_not_run_here_keep_their_rows_and_machine_and_a_new_one_joins_them(bench_dir):
    """A checkout that ran one benchmark rewrites that benchmark's rows; the others' rows stay as an earlier run made
    them (date, commit, machine), in make bench's order, and the machine line they name stays theirs."""
    summary.record("run", [summary.Figure("import", 7.0, "s", "beancount", 10.0, "< 10 s", True)])
    summary.record("load", [summary.Figure("API", 300.0, "/s", "pgbench", 500.0, "≥ 0.7×", False)])
    earlier = summary.table(summary.load())
    earlier = earlier.replace(summary._machine_line(summary.machine()), "Old CPU, 2 cores, 8 GB, Linux, Python 3.11.1")
    (bench_dir / "summary" / "run.json").unlink()
    (bench_dir / "summary" / "load.json").unlink()
    summary.record("nation", [summary.Figure("national consolidation", 4.2, "s", "", None, "< 5 s", True)])
    summary.record("documents", [summary.Figure("one receipt", 90.0, "ms", "weasyprint", 40.0, "≤ 2×", False)])
    docs = summary.load()
    kept, machines = summary.kept_rows(earlier, {d["bench"] for d in docs})
    assert set(kept) == {"run", "load"} and machines == ["Old CPU, 2 cores, 8 GB, Linux, Python 3.11.1"]
    text = summary.table(docs, kept, machines)
    rows = [ln for ln in text.splitlines() if ln.startswith("| ") and "---" not in ln][1:]
    assert [r.split(" | ")[0][2:] for r in rows] == ["run", "documents", "load", "nation"]
    assert rows[0] == kept["run"][0] and rows[2] == kept["load"][0]  # as they were, word for word
    assert "· m1 |" in rows[0] and "· m2 |" in rows[1] and "· m2 |" in rows[3]
    assert "m1: Old CPU, 2 cores, 8 GB, Linux, Python 3.11.1" in text
    assert f"m2: {summary._machine_line(summary.machine())}" in text
    # made again from the same records and the table it wrote: the same table
    assert summary.table(docs, *summary.kept_rows(text, {d["bench"] for d in docs})) == text
