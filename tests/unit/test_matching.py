"""Matching statement lines to the books: pure functions, every decision explained, nothing automatic
that a person has to decide."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from ledger.matching import (
    SCAN_DONORS,
    Candidates,
    Deposit,
    Donor,
    Line,
    Pledge,
    RecordedEntry,
    _entry_candidates,
    _Index,
    find_reference,
    propose,
)
from ledger.names import fold, strip_accents

D = date(2025, 3, 10)
DONORS = (Donor(1, "Nguyễn Văn An"), Donor(2, "Nguyễn Văn Anh"), Donor(3, "Trần Thị Bình"),
          Donor(4, "Công ty TNHH Đức Thành"))
PLEDGES = (Pledge(12, "CK12", 5_000_000, "Công ty TNHH Đức Thành"), Pledge(123, "CK123", 2_000_000, "Lê Văn Tâm"))


def one(line: Line, cand: Candidates):
    [p] = propose([line], cand)
    return p


def test_a_memo_with_a_pledges_reference_in_capitals_with_spaces_names_that_pledge_exactly():
    p = one(Line(1, D, 5_000_000, "MBVCB.8812.CONG TY DUC THANH CK 12 THANH TOAN CAM KET"), Candidates(PLEDGES))
    assert (p.kind, [t.id for t in p.targets], p.automatic, p.confidence) == ("pledge", [12], True, 1.0)
    assert "CK12" in p.explanation[0] and "đúng bằng số còn phải thu" in p.explanation[1]


def test_a_partial_payment_on_a_pledge_says_so():
    p = one(Line(1, D, 1_000_000, "ck-123 thanh toán"), Candidates(PLEDGES))
    assert ([t.id for t in p.targets], p.automatic) == ([123], True)
    assert "thu một phần" in p.explanation[1] and "1.000.000 đ" in p.explanation[1]


def test_a_reference_is_not_the_start_of_a_longer_number():
    assert find_reference("CK123 thanh toan", "CK123") and not find_reference("CK123 thanh toan", "CK12")
    assert find_reference("Ck.12", "CK12") and find_reference("thanh toan ck12", "CK12")


def test_a_misspelt_donor_name_gives_suggestions_only_with_the_right_donor_first():
    p = one(Line(1, D, 500_000, "NGUEN VAN ANH CHUYEN TIEN UNG HO QUY KHUYEN HOC"), Candidates(donors=DONORS))
    assert p.kind == "donor_suggestion" and not p.automatic
    assert p.targets[0].id == 2 and p.targets[0].label == "Nguyễn Văn Anh"  # the name as stored
    assert 3 not in [t.id for t in p.targets]
    assert any("cần người xác nhận" in e for e in p.explanation)


def test_a_donor_name_glued_together_by_the_bank_is_still_suggested():
    p = one(Line(1, D, 500_000, "IBFT TRANTHIBINH UNGHO"), Candidates(donors=DONORS))
    assert p.kind == "donor_suggestion" and p.targets[0].id == 3


def test_one_recorded_transfer_with_the_same_amount_and_a_close_date_is_that_entry():
    e = RecordedEntry("donation", 7, 70, D - timedelta(days=2), 2_000_000, "Trần Thị Bình")
    p = one(Line(1, D, 2_000_000, "TRAN THI BINH UNG HO"), Candidates(entries=(e,), donors=DONORS))
    assert (p.kind, p.targets[0].id, p.automatic) == ("recorded_entry", 7, True)
    assert "lệch 2 ngày" in p.explanation[0]


def test_two_recorded_entries_with_the_same_amount_are_listed_and_nothing_is_automatic():
    es = (RecordedEntry("donation", 7, 70, D, 2_000_000, "Trần Thị Bình"),
          RecordedEntry("donation", 8, 80, D + timedelta(days=1), 2_000_000, "Nguyễn Văn An"))
    p = one(Line(1, D, 2_000_000, "NGUYEN VAN AN CK"), Candidates(entries=es))
    assert (p.kind, p.automatic) == ("recorded_entry", False)
    assert [t.id for t in p.targets] == [8, 7]  # the likelier memo first
    assert "cần người chọn" in p.explanation[0]


def test_two_lines_claiming_one_entry_are_not_automatic():
    e = RecordedEntry("payout", 5, 50, D, -1_000_000, "Lò Văn Hùng")
    ps = propose([Line(1, D, -1_000_000, "CHI HOC BONG"), Line(2, D, -1_000_000, "CHI HOC BONG")],
                 Candidates(entries=(e,)))
    assert [(p.kind, p.automatic) for p in ps] == [("recorded_entry", False)] * 2


def test_an_entry_outside_the_date_window_or_of_another_amount_is_not_a_candidate():
    es = (RecordedEntry("donation", 7, 70, D - timedelta(days=4), 2_000_000, "X"),
          RecordedEntry("donation", 8, 80, D, 2_000_001, "X"))
    assert one(Line(1, D, 2_000_000, "???"), Candidates(entries=es)).kind == "unidentified"


def test_interest_credited_by_the_bank_goes_to_the_deposit_it_belongs_to():
    deps = (Deposit(1, "HD-001", ((date(2025, 3, 9), 9_863_014),)),
            Deposit(2, "HD-002", ((date(2025, 3, 10), 4_109_589),)))
    p = one(Line(1, D, 4_109_589, "TRA LAI TIEN GUI HD 002"), Candidates(deposits=deps, donors=DONORS))
    assert (p.kind, p.targets[0].id, p.automatic) == ("deposit_interest", 2, True)
    near = one(Line(1, D, 4_109_600, "Lãi tiền gửi"), Candidates(deposits=deps))
    assert (near.kind, near.targets[0].id, near.automatic) == ("deposit_interest", 2, False)
    assert "chênh 11 đ" in near.explanation[1]


def test_a_donor_named_lai_is_not_interest():
    deps = (Deposit(1, "HD-001", ((D, 9_863_014),)),)
    p = one(Line(1, D, 500_000, "LAI VAN NAM UNG HO"), Candidates(deposits=deps, donors=(Donor(9, "Lại Văn Nam"),)))
    assert (p.kind, p.targets[0].id) == ("donor_suggestion", 9)


def test_a_line_nothing_explains_is_unidentified_with_a_reason():
    p = one(Line(1, D, -11_000, "PHI QUAN LY TAI KHOAN"), Candidates(PLEDGES, donors=DONORS))
    assert p.kind == "unidentified" and not p.targets and "ghi nợ -11.000 đ" in p.explanation[0]


@given(st.text())
def test_stripping_accents_is_idempotent(text):
    assert strip_accents(strip_accents(text)) == strip_accents(text)
    assert fold(fold(text)) == fold(text)


def test_stripping_accents_folds_vietnamese_as_banks_print_it():
    assert fold("Nguyễn Thị Đào  ủng hộ") == "NGUYEN THI DAO UNG HO"


memos = st.text(alphabet=st.sampled_from("ABCDEGHIKLMNOPQRSTUVXYăâđêôơưàáạảãÀÁĐ .-/0123456789"), max_size=40)


@given(memo=memos, amount=st.integers(1, 10**9) | st.integers(-(10**9), -1), shift=st.integers(-3, 3),
       names=st.tuples(st.text(max_size=20), st.text(max_size=20)))
def test_no_reference_and_two_candidates_of_that_amount_is_never_automatic(memo, amount, shift, names):
    assume(not any(find_reference(memo, p.reference) for p in PLEDGES))  # "no reference in the memo"
    line = Line(1, D, amount, memo)
    es = (RecordedEntry("donation" if amount > 0 else "payout", 1, 10, D + timedelta(days=shift), amount, names[0]),
          RecordedEntry("donation" if amount > 0 else "payout", 2, 20, D, amount, names[1]))
    p = one(line, Candidates(PLEDGES, es, DONORS))
    assert not p.automatic and p.kind == "recorded_entry" and len(p.targets) == 2


# --------------------------------------------------------------------------- large books: the index


refs = st.builds(lambda pre, n: f"{pre}{n}", st.sampled_from(["CK", "C", "K", "QR", "ck-"]), st.integers(0, 2000))


@given(memo=memos | st.builds(lambda a, r, b: f"{a}{r}{b}", memos, refs, memos),
       references=st.lists(refs | st.sampled_from(["CK12A", "X-9-Y", ""]), max_size=12))
def test_the_reference_index_finds_exactly_the_pledges_a_scan_of_every_reference_finds(memo, references):
    """The index replaces searching every pledge's reference in every memo (10¹⁰ searches for 100,000 of each):
    it must find the same pledges in the same order, overlapping prefixes and odd shapes included."""
    pledges = tuple(Pledge(i, r, 1_000, "") for i, r in enumerate(references))
    scanned = [p for p in pledges if find_reference(memo, p.reference)]
    assert _Index(Candidates(pledges)).pledges_in(memo) == scanned


@given(amount=st.integers(1, 5), shift=st.integers(-5, 5), amounts=st.lists(st.integers(1, 5), max_size=8))
def test_the_amount_index_gives_the_entries_a_scan_gives(amount, shift, amounts):
    es = tuple(RecordedEntry("donation", i, i, D + timedelta(days=(i * 3) % 9 - 4), a, "")
               for i, a in enumerate(amounts))
    line = Line(1, D + timedelta(days=shift), amount, "")
    scanned = [e for e in es if e.amount == amount and abs((e.date - line.date).days) <= 3]
    assert _entry_candidates(line, _Index(Candidates(entries=es))) == scanned


def test_on_large_books_a_misspelt_memo_still_suggests_its_donor():
    family, middle, given_ = ["Nguyễn", "Trần", "Lê", "Phạm"], ["Văn", "Thị", "Đức", "Minh"], \
        ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hoa", "Hùng"]
    donors = [Donor(i + 1, f"{family[i % 4]} {middle[i // 4 % 4]} {given_[i // 16 % 10]} {i}") for i in range(2_400)]
    donors.append(Donor(9_001, "Hoàng Thị Xuân Quỳnh"))
    cand = Candidates(donors=tuple(donors))
    assert len(cand.donors) > SCAN_DONORS
    [p] = propose([Line(1, D, 500_000, "IBFT HOANG THI XUAN QUYN UNG HO QUY KHUYEN HOC")], cand)
    assert p.kind == "donor_suggestion" and p.targets[0].id == 9_001 and not p.automatic
    # the same memo against a small book gives the same first suggestion: the index only narrows the field
    [small] = propose([Line(1, D, 500_000, "IBFT HOANG THI XUAN QUYN UNG HO QUY KHUYEN HOC")],
                      Candidates(donors=tuple(donors[-50:])))
    assert small.targets[0] == p.targets[0]
