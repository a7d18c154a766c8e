"""A large statement is read and written in batches: the progress callback hears increasing counts that end
at the total, every line is stored once, and one bad line at the very end still means nothing is written."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from ledger import services
from ledger.errors import ImportFailed

N = 3000
HEADER = "Ngày giao dịch,Số tham chiếu,Ghi nợ,Ghi có,Nội dung\n"


def _csv(n: int, bad_last: bool = False) -> bytes:
    rows = [f"{date(2025, 1, 1) + timedelta(days=i % 300):%d/%m/%Y},REF{i:06d},,\"{1000 + i:,}\",UNG HO {i}"
            for i in range(n)]
    if bad_last:
        rows[-1] = f"31/02/2025,REF{n - 1:06d},,\"1,000\",UNG HO CUOI"
    return (HEADER + "\n".join(rows) + "\n").encode("utf-8")


def _count(db) -> int:
    with db.read() as c:
        return c.execute(sa.text("SELECT count(*) FROM bank_lines")).scalar()


def _total(n: int) -> int:
    return sum(1000 + i for i in range(n))


@pytest.mark.parametrize("hold", [True, False], ids=["lines-held", "file-read-twice"])
def test_progress_rises_to_the_total_and_every_line_is_stored(books, hold, monkeypatch):
    """Lines are held between the two passes up to HOLD_BYTES; past it the file is read again. Either way
    every line is stored once, in order, and the progress ends at its total."""
    from ledger import bankstatements as bst

    if not hold:
        monkeypatch.setattr(bst, "HOLD_BYTES", 10_000)  # about 50 lines
    calls: list[tuple[int, int]] = []
    r = services.import_statement(books.db, "SLA", "1121.BIDV", "big.csv", _csv(N), user="test", opening=0,
                                  closing=_total(N), progress=lambda done, total: calls.append((done, total)))
    assert r.imported == N and _count(books.db) == N
    dones = [d for d, _t in calls]
    assert len(calls) >= 3 and dones == sorted(set(dones)), calls
    assert len({t for _d, t in calls}) == 1 and calls[-1][0] == calls[-1][1] >= N
    with books.db.read() as c:
        stored = c.execute(sa.text("SELECT line_no, bank_ref, amount FROM bank_lines ORDER BY id")).all()
    assert [tuple(r) for r in stored] == [(i + 2, f"REF{i:06d}", 1000 + i) for i in range(N)]
    again = services.import_statement(books.db, "SLA", "1121.BIDV", "big-copy.csv", _csv(N) + b"\n", user="test",
                                      opening=0, closing=_total(N))
    assert (again.imported, again.duplicates) == (0, N) and _count(books.db) == N


def test_one_bad_line_at_the_very_end_writes_nothing(books):
    with pytest.raises(ImportFailed) as e:
        services.import_statement(books.db, "SLA", "1121.BIDV", "bad.csv", _csv(N, bad_last=True), user="test",
                                  opening=0, closing=_total(N))
    assert [x["row"] for x in e.value.params["errors"]] == [N + 1]
    assert _count(books.db) == 0
    with books.db.read() as c:
        assert c.execute(sa.text("SELECT count(*) FROM bank_statements")).scalar() == 0


def test_the_cli_shows_a_progress_bar_for_a_file_of_thousands_of_lines(books, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from web import cli
    from web.cli.bank import PROGRESS_LINES

    monkeypatch.setattr(cli.Ctx, "db", property(lambda _self: books.db))
    n = PROGRESS_LINES + 1
    path = tmp_path / "big.csv"
    path.write_bytes(_csv(n))
    r = CliRunner().invoke(cli.main, ["--user", "test", "statement", "import", "--org", "SLA", "--account",
                                      "1121.BIDV", "--opening", "0", "--closing", f"{_total(n):,}".replace(",", "."),
                                      str(path)])
    assert r.exit_code == 0, r.output
    assert "Đọc và ghi big.csv" in r.stderr and f"Đã nhập {n} dòng" in r.stdout
