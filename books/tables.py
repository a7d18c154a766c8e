"""Statements as tables — one shape for every face: the web page, CSV, XLSX and PDF.

A :class:`Table` has a title, its columns (which of them are money) and rows of plain values. CSV and
XLSX neutralise a text cell that a spreadsheet would run as a formula (``books/tabular.py``) and keep
numbers as numbers, days as dates. A long register's rows may be a generator over an open database
cursor (``lazy=True`` in ``books/registers.py``) with its total computed as they pass: :func:`write_csv`
and :func:`write_xlsx` then write it in constant memory, and :meth:`Table.materialized` reads it whole for
a page or a PDF.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import IO

from . import tabular
from .beancount import Period
from .consolidation import Consolidated, National, OrgFigures
from .disclosure import Disclosure
from .figures import Figures
from .statements import FundStatement, TrialBalance


@dataclass
class Table:
    title: str
    subtitle: str
    columns: list[str]
    money: list[bool]
    rows: list[list] | Iterable[list] = field(default_factory=list)  # a generator for a streamed register
    total: list | Callable[[], list | None] | None = None  # a callable: the total, once the rows were read
    notes: list[str] = field(default_factory=list)
    slug: str = "statement"
    charts: list = field(default_factory=list)  # books.charts.style.Chart: drawn on the page and in the PDF
    count: Callable[[], int] | None = None  # how many rows a streamed register has (for a progress bar)

    def footer(self) -> list | None:
        """The total line (a streamed register's only after its rows were read)."""
        return self.total() if callable(self.total) else self.total

    def materialized(self) -> Table:
        """This table with its rows read into a list (for the page and the PDF, which lay out every row)."""
        if not isinstance(self.rows, list):
            self.rows = list(self.rows)
        self.total = self.footer()
        return self


def _dmy(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else "…"


def period_text(p: Period) -> str:
    if not p.start and not p.end:
        return "Toàn bộ sổ"
    return f"Từ {_dmy(p.start)} đến {_dmy(p.end)}"


def trial_table(tb: TrialBalance) -> Table:
    cols = ["Đơn vị", "Số hiệu TK", "Tên tài khoản", "Quỹ", "Số dư đầu kỳ", "Phát sinh Nợ", "Phát sinh Có",
            "Số dư cuối kỳ"]
    money = [False] * 4 + [True] * 4
    t = Table("BẢNG CÂN ĐỐI SỐ PHÁT SINH", f"{', '.join(tb.orgs)} · {period_text(tb.period)}", cols, money,
              slug="trial-balance")
    t.rows = [[r.org, r.code, r.name, r.fund, r.opening, r.debit, r.credit, r.closing] for r in tb.rows]
    t.total = ["", "", "Tổng cộng", "", tb.total.opening, tb.total.debit, tb.total.credit, tb.total.closing]
    t.notes = ["Số dư Nợ ghi dương, số dư Có ghi âm; tổng phát sinh Nợ bằng tổng phát sinh Có."]
    return t


def fund_table(fs: FundStatement) -> Table:
    t = Table(f"BÁO CÁO TÌNH HÌNH QUỸ: {fs.name}", f"{fs.org} · {fs.fund} · {period_text(fs.period)}",
              ["Chỉ tiêu", "Số tiền (đồng)"], [False, True], slug=f"fund-{fs.fund}")
    t.rows = [
        ["Số dư đầu kỳ", fs.opening.balance],
        ["Thu trong kỳ", fs.receipts],
        ["  Nhận ủng hộ bằng tiền", fs.donations],
        ["  Nhận ủng hộ bằng hiện vật", fs.donations_in_kind],
        ["  Lãi tiền gửi", fs.interest],
        ["  Thu khác", fs.other_income],
        ["  Bổ sung vốn, số dư chuyển vào", fs.capital],
        ["Chi trong kỳ", fs.payments],
        ["  Chi khen thưởng, học bổng (đã chi, đã trao)", fs.awards_paid],
        ["  Chi quản lý", fs.management],
        ["  Chi khác", fs.other_expense],
        ["Số dư cuối kỳ", fs.closing.balance],
        ["  trong đó: vốn gốc không được chi", fs.closing.principal],
        ["  đã duyệt chưa chi (chưa tính là đã chi)", fs.closing.reserved],
        ["  cam kết chưa thu, hiện vật", fs.closing.non_cash],
        ["  tiền gửi có kỳ hạn chưa đến hạn rút (ngoài vốn gốc)", fs.closing.not_liquid],
        ["  còn được chi", fs.closing.spendable],
        ["Tiền tài trợ theo địa chỉ nhận trong kỳ (giữ hộ, không thuộc số dư quỹ)", fs.earmarked_received],
        ["Tiền tài trợ theo địa chỉ đã chuyển trong kỳ", fs.earmarked_paid],
    ]
    for p in fs.programs:
        t.rows.append([f"Chương trình {p.code} — {p.name}: {p.count} lượt đã chi", p.amount])
    return t


def national_table(n: National) -> Table:
    """``quy report national``: a row for each top organization (its subtree consolidated), the nation's total."""
    t = Table("TỔNG HỢP QUỸ TOÀN QUỐC", f"Các tỉnh, thành phố và đơn vị độc lập · {period_text(n.period)}",
              _CONSOLIDATED_COLS, [False, False] + [True] * 11, slug="national")
    t.rows = [_consolidated_row(r, r.name) for r in n.rows]
    t.total = _consolidated_row(n.total, "Toàn quốc")
    moved = f"{n.eliminated:,}".replace(",", ".")
    t.notes = [f"Đã loại trừ {moved} đồng chuyển giữa các tỉnh, thành phố.",
               "Mỗi dòng là số hợp nhất của tỉnh, thành phố và các đơn vị trực thuộc."]
    return t


_CONSOLIDATED_COLS = ["Đơn vị", "Tên", "Số dư đầu kỳ", "Nhận ủng hộ", "Lãi tiền gửi", "Thu khác, bổ sung vốn",
                      "Nhận từ đơn vị khác", "Chuyển cho đơn vị khác", "Chi khen thưởng, học bổng (đã chi)",
                      "Chi quản lý, chi khác", "Số dư cuối kỳ", "Trong đó đã duyệt chưa chi", "Còn được chi"]


def _consolidated_row(r: OrgFigures, name: str) -> list:
    return [r.org, name, r.opening, r.donations, r.interest, r.other_income + r.capital, r.transfers_in,
            r.transfers_out, r.awards_paid, r.management + r.other_expense, r.closing, r.reserved, r.spendable]


def consolidated_table(c: Consolidated) -> Table:
    t = Table("TỔNG HỢP QUỸ TOÀN HỆ THỐNG", f"{c.org} và các đơn vị trực thuộc · {period_text(c.period)}",
              _CONSOLIDATED_COLS, [False, False] + [True] * 11, slug=f"consolidated-{c.org}")
    row = _consolidated_row

    def reported(r):  # its row adds up as a booked one does: opening + receipts − spending = closing
        return [r.org, f"{r.name} (số báo cáo)", r.opening, r.raised - r.from_parent, "", max(r.unexplained, 0),
                r.from_parent, r.to_books, r.awarded, max(-r.unexplained, 0), r.closing, "", ""]

    def n(x: int) -> str:
        return f"{x:,}".replace(",", ".")

    t.rows = [row(r, r.name + (f" (giải thể {r.dissolved_on})" if r.dissolved_on else "")) for r in c.rows]
    t.rows += [reported(r) for r in c.reported]
    t.total = row(c.total, "Hợp nhất")
    t.notes = [f"Đã loại trừ {c.eliminated:,} đồng chuyển giữa các đơn vị trong hệ thống.".replace(",", "."),
               "Dòng hợp nhất không tính hai lần số tiền chuyển giữa các đơn vị trực thuộc."]
    if c.reported:
        t.notes += [
            f"Hợp nhất gồm số sổ sách của {len(c.rows)} đơn vị ghi sổ trên Quỹ (số dư cuối kỳ {n(c.booked.closing)} "
            f"đồng) và số báo cáo của {len(c.reported)} đơn vị chưa ghi sổ trên Quỹ (số dư cuối kỳ "
            f"{n(c.total.closing - c.booked.closing)} đồng). Số báo cáo không có số đã duyệt chưa chi và số còn được "
            "chi.",
            *[_reported_note(r) for r in c.reported]]
        if c.to_reported or c.from_parent:
            t.notes.append(f"Đã loại trừ {n(c.to_reported)} đồng cấp trên chuyển cho các đơn vị báo cáo số liệu "
                           f"(theo sổ sách) và {n(c.from_parent)} đồng các đơn vị đó báo cáo đã nhận từ cấp trên"
                           + ("." if c.to_reported == c.from_parent else
                              f"; chênh lệch {n(c.to_reported - c.from_parent)} đồng (tiền đang chuyển hoặc báo "
                              "cáo chưa khớp sổ sách)."))
    return t


def _reported_note(r) -> str:
    def n(x: int) -> str:
        return f"{x:,}".replace(",", ".")

    def dmy(iso: str | None) -> str:
        return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}" if iso else "…"

    said = "; ".join(f"{x.source} (quỹ {x.fund}, kỳ {dmy(x.start)}–{dmy(x.end)})" for x in r.lines)
    parts = [f"{r.org} {r.name} — số báo cáo" + (f": {said}" if said else ": không có báo cáo trong kỳ")]
    if r.opening_as_of:
        parts.append(f"số dư đầu kỳ theo báo cáo đến ngày {dmy(r.opening_as_of)}")
    if r.closing_as_of:
        parts.append(f"số dư cuối kỳ theo báo cáo đến ngày {dmy(r.closing_as_of)}")
    if r.books_from:
        parts.append(f"ghi sổ trên Quỹ từ ngày {dmy(r.books_from)}"
                     + (f", số dư {n(r.to_books)} đồng chuyển sang sổ sách" if r.to_books else ""))
    if r.unexplained:
        parts.append(f"chênh lệch số dư không giải thích bằng số thu, chi đã báo cáo: {n(r.unexplained)} đồng")
    if r.left_out:
        parts.append("không tính báo cáo kỳ " + ", ".join(f"{dmy(x.start)}–{dmy(x.end)}" for x in r.left_out)
                     + " vì không nằm trọn trong kỳ")
    return "; ".join(parts) + "."


def disclosure_table(d: Disclosure) -> Table:
    def n(x: int) -> str:
        return f"{x:,}".replace(",", ".")

    cited = f" · Theo {d.regime}" if d.regime else ""
    t = Table(f"CÔNG KHAI TÀI CHÍNH {d.label.upper()}", f"{d.org_name} · {period_text(d.period)}{cited}",
              ["Nội dung", "Số lượt", "Số tiền (đồng)"], [False, False, True], slug=f"disclosure-{d.org}")
    t.rows.append(["I. Các tổ chức, cá nhân ủng hộ", "", ""])
    t.rows += [[f"   {x.name}", x.gifts, x.amount] for x in d.donors]
    t.rows.append(["   Cộng (gồm hiện vật " + n(d.in_kind) + " đồng)", sum(x.gifts for x in d.donors), d.donations])
    if d.earmarked:
        t.rows.append(["   trong đó tài trợ theo địa chỉ cho người nhận cụ thể (giữ hộ, không phải thu của quỹ)",
                       "", d.earmarked])
    t.rows.append(["II. Khen thưởng, học bổng đã chi, đã trao theo chương trình", "", ""])
    t.rows += [[f"   {a.program_name}", a.count, a.amount] for a in d.awards]
    t.rows.append(["   Cộng", sum(a.count for a in d.awards), sum(a.amount for a in d.awards)])
    t.rows.append(["III. Thu, chi theo quỹ (số dư đầu kỳ + thu − chi = số dư cuối kỳ)", "", ""])
    for f in d.funds:
        t.rows += [[f"   {f.name}: số dư đầu kỳ", "", f.opening], [f"   {f.name}: thu", "", f.receipts],
                   [f"   {f.name}: chi", "", f.spending], [f"   {f.name}: số dư cuối kỳ", "", f.closing]]
        if f.reserved:
            t.rows.append([f"   {f.name}: trong số dư cuối kỳ, khen thưởng đã duyệt chưa chi", "", f.reserved])
    if len(d.funds) > 1:
        t.rows += [["   Cộng các quỹ: số dư đầu kỳ", "", d.opening], ["   Cộng các quỹ: thu", "", d.receipts],
                   ["   Cộng các quỹ: chi", "", d.spending], ["   Cộng các quỹ: số dư cuối kỳ", "", d.closing]]
    if d.earmarked_received or d.earmarked_paid:
        t.rows += [["   Tài trợ theo địa chỉ: đã nhận giữ hộ (không thuộc số dư quỹ)", "", d.earmarked_received],
                   ["   Tài trợ theo địa chỉ: đã chuyển cho người nhận", "", d.earmarked_paid]]
    t.rows.append(["IV. Chi phí quản lý (lũy kế năm)", "", ""])
    t.rows += [["   Thu trong năm (không gồm hiện vật và tài trợ theo địa chỉ)", "", d.year_income],
               [f"   Mức tối đa {d.cap_pct}%" + (f" (theo {d.cap_decision})" if d.cap_decision else ""), "", d.cap],
               ["   Đã chi quản lý" + (" — VƯỢT MỨC" if d.over_cap else ""), "", d.management]]
    p = d.published
    if p and p.roots:
        t.rows.append(["V. Số liệu đã công bố có chữ ký số: ủng hộ nhận được, khen thưởng đã chi (mỗi người tự kiểm "
                       "tra bằng mã QR trên biên nhận, phiếu chi)", "", ""])
        t.rows += [[f"   {st['fund']} {st['period']} {'ủng hộ' if st['kind'] == 'gifts' else 'đã chi'}: gốc "
                    f"{st['root'][:16]}…", st["documents"], st["net"]] for st in p.roots]
    t.notes = ["Không công bố thông tin cá nhân của học sinh; nhà hảo tâm đề nghị giấu tên được ghi là "
               "\u201cNhà hảo tâm ẩn danh\u201d.",
               "Khoản chi là số đã chi, đã trao trong kỳ; khen thưởng đã duyệt nhưng chưa chi vẫn nằm trong số dư "
               "cuối kỳ. Tiền tài trợ theo địa chỉ được giữ hộ người nhận, không tính vào thu và số dư của quỹ."]
    if d.regime:
        t.notes += [f"Căn cứ: {d.regime_citation}.",
                    *([f"Nội dung công khai: {d.duty}"] if d.duty else []),
                    *([f"Hạn công khai số liệu năm {d.period.start.year}: trước ngày {_dmy(d.deadline)}."]
                      if d.deadline else []),
                    f"Chi quản lý: {d.cap_default_pct}% thu trong năm, tối đa {d.cap_max_pct}% theo quyết định của "
                    "Hội đồng quản lý quỹ."]
    if p:
        t.notes.append(f"Khóa công khai (Ed25519) của đơn vị, dấu vân tay: {p.fingerprint}. Sổ công bố số liệu: "
                       f"{p.log_size} mục, gốc {p.log_root}." + ("" if p.roots else " Kỳ này chưa khóa sổ nên chưa "
                                                                  "công bố gốc có chữ ký."))
    return t


def figures_table(f: Figures) -> Table:
    p = f.previous
    last = [f"Cùng kỳ năm {p.period.end.year} (đồng)"] if p else []
    t = Table(f"SỐ LIỆU {f.label.upper()}", f"{f.name}" + (" và các đơn vị trực thuộc" if f.with_subtree else ""),
              ["Chỉ tiêu", "Số lượt", "Số tiền (đồng)", *last], [False, False, True, *([True] if p else [])],
              slug=f"figures-{f.org}")

    def row(label, count, amount, before=None):
        return [label, count, amount, *([before if before is not None else ""] if p else [])]

    t.rows = [row("Tổng số tiền vận động được", "", f.raised, p and p.raised),
              *([row("   trong đó số báo cáo của các đơn vị chưa ghi sổ trên Quỹ", "", f.reported_raised,
                     p and p.reported_raised)] if f.reported_units else []),
              row("   trong đó: hiện vật quy ra tiền", "", f.raised_in_kind, p and p.raised_in_kind),
              row("   trong đó: tài trợ theo địa chỉ", "", f.named_recipient, p and p.named_recipient),
              *([row("Bình quân mỗi người dân", "", f.per_capita, p and p.per_capita)]
                if f.per_capita is not None else []),
              row("Ngân sách nhà nước cấp", "", f.state_budget, p and p.state_budget),
              row("Khen thưởng, học bổng đã trao (tiền)", f.award_count, f.award_total, p and p.award_total),
              *[row(f"   {a.name}", a.count, a.amount) for a in f.awards if a.count],
              row("Phần thưởng bằng hiện vật (giá trị)", f.in_kind_count, f.in_kind_total, p and p.in_kind_total),
              *[row(f"   {a.name}", a.in_kind_count, a.in_kind_amount) for a in f.awards if a.in_kind_count],
              row("Tiền gửi có kỳ hạn tại ngân hàng cuối kỳ", "", f.on_deposit, p and p.on_deposit),
              row("Lãi tiền gửi trong kỳ", "", f.interest, p and p.interest),
              row("Tổng số Quỹ hiện có cuối kỳ", "", f.funds_held, p and p.funds_held),
              *([row("   trong đó số báo cáo của các đơn vị chưa ghi sổ trên Quỹ", "", f.reported_held,
                     p and p.reported_held)] if f.reported_units else [])]
    t.notes = f.sentences()
    return t


def to_csv(t: Table) -> str:
    return "".join(csv_chunks(t))


def csv_chunks(t: Table) -> Iterable[str]:
    """The table as CSV, a chunk of rows at a time (the total after the rows)."""
    def rows():
        yield from t.rows
        footer = t.footer()
        if footer:
            yield footer

    return tabular.csv_chunks(t.columns, rows())


def write_xlsx(t: Table, out: str | IO[bytes], progress: Callable[[int], None] | None = None) -> int:
    """Write the table as an XLSX workbook to ``out`` in constant memory (openpyxl's write-only mode): money
    as numbers in the Vietnamese thousands format, days as dates, text neutralised. Returns the rows written."""
    def tail():
        f = t.footer()
        return [*([f] if f else []), *([n] for n in t.notes)]

    return tabular.write_xlsx(out, t.slug, head=[[t.title], [t.subtitle]], bold=[True, False], columns=t.columns,
                              money=t.money, rows=t.rows, tail=tail, progress=progress)


def to_xlsx(t: Table) -> bytes:
    """The table as an XLSX workbook (see :func:`write_xlsx`)."""
    buf = io.BytesIO()
    write_xlsx(t, buf)
    return buf.getvalue()
