"""Interest on term deposits, as pure functions: simple interest, actual days / 365, rounded to whole đồng
(Circular 14/2017/TT-NHNN art. 4–5). No database, no clock.

Conventions, stated once:

* **Rates** are integers: parts per million a year (``4,7 %/năm`` → ``47_000``; 1 basis point is 100),
  read from text or ``Decimal`` by :func:`parse_rate`; a float is refused (it cannot say 4,7 % exactly).
  The integer is what is stored and what the arithmetic uses; :func:`format_rate` writes it for people
  (``100_000`` → ``"10%"``, ``55_000`` → ``"5,5%"``) and its text is never read back: a rollover copies
  the stored integer (a :class:`Rate`), not the text a page showed.
* **Days**: the first day is counted and the last is not — a deposit from 01/01 to 01/07 earns 181 days;
  "accrued through D" counts D itself (the days from the start to the day after D).
* **Rounding** (one policy, everywhere): half up to whole đồng, on the interest of a whole span from the
  start; never day by day nor period by period. Whatever is paid or accrued in instalments is the
  difference of two such rounded running totals, so the instalments add up to the whole term's figure to
  the đồng. The bank's figure takes precedence: when it differs, the difference is booked as its own
  adjustment ("Chênh lệch lãi theo ngân hàng"), never hidden in what the bank paid.
* **Accruals telescope**: what is accrued by a date is the interest from the start to that date, rounded
  once; a month's accrual is the difference of two such figures, and the settlement at maturity is the
  whole term's interest less everything accrued. So the accruals and the settlement always add up to the
  interest of the whole term exactly, whatever the accrual dates.
* **Term in months** ends on the same day of the month, or on the month's last day when it has no such
  day (31/01 + 1 month → 28/02, or 29/02 in a leap year).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from .errors import InvalidInput
from .money import split_by_shares

PPM = 1_000_000
DAYS_IN_YEAR = 365
MAX_RATE_PPM = PPM  # 100 % a year


@dataclass(frozen=True)
class Rate:
    """A rate already kept exactly (parts per million a year), as stored: what a rollover hands on, so the
    new deposit gets the very same integer and no text is parsed back."""

    ppm: int

    def __str__(self) -> str:
        return format_rate(self.ppm)


def parse_rate(value: object, *, field: str = "rate") -> int:
    """An annual rate as parts per million, from ``"4.7"``, ``"4,7"``, ``"4,7%"``, a ``Decimal``, an int
    (percent) or a stored :class:`Rate` (taken as it is). Refuses floats, more than four decimals of a
    percent, and anything outside 0–100 %."""
    if isinstance(value, Rate):
        if isinstance(value.ppm, bool) or not isinstance(value.ppm, int) or not 0 < value.ppm <= MAX_RATE_PPM:
            raise InvalidInput(f"{field} must be above 0 and at most 100 %", field=field, reason="out_of_range")
        return value.ppm
    if isinstance(value, bool) or isinstance(value, float):
        raise InvalidInput(f"{field} must be written exactly (text or a whole number), not a float",
                           field=field, reason="not_exact")
    if isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, Decimal):
        d = value
    elif isinstance(value, str):
        text = value.strip().removesuffix("%").strip().replace(",", ".")
        try:
            d = Decimal(text)
        except InvalidOperation:
            raise InvalidInput(f"{field} {value!r} is not a rate", field=field, reason="not_number") from None
    else:
        raise InvalidInput(f"{field} must be a percentage", field=field, reason="not_number")
    if not d.is_finite():
        raise InvalidInput(f"{field} {value!r} is not a rate", field=field, reason="not_number")
    ppm = d * 10_000
    if ppm != ppm.to_integral_value():
        raise InvalidInput(f"{field} {value!r} has more than four decimals", field=field, reason="not_exact")
    ppm = int(ppm)
    if not 0 < ppm <= MAX_RATE_PPM:
        raise InvalidInput(f"{field} must be above 0 and at most 100 %", field=field, reason="out_of_range")
    return ppm


def format_rate(ppm: int) -> str:
    """A rate for people, the one style used everywhere: ``100_000`` → ``"10%"``, ``10_000`` → ``"1%"``,
    ``55_000`` → ``"5,5%"``, ``100`` → ``"0,01%"``, ``123_450`` → ``"12,345%"`` (Vietnamese decimal comma;
    only the decimals' trailing zeros are dropped, never the whole number's). Integer arithmetic: exact.
    For display only — never parse it back (a rollover copies the stored integer)."""
    whole, frac = divmod(int(ppm), 10_000)
    decimals = f"{frac:04d}".rstrip("0")
    return f"{whole},{decimals}%" if decimals else f"{whole}%"


def _round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator to the nearest integer, halves away from zero (both non-negative here)."""
    q, r = divmod(numerator, denominator)
    return q + (1 if 2 * r >= denominator else 0)


def days_between(start: date, end: date) -> int:
    """Days that earn interest from ``start`` to ``end``: the first counted, the last not."""
    return (end - start).days


def simple_interest(principal: int, rate_ppm: int, days: int) -> int:
    """Interest on ``principal`` đồng for ``days`` days at ``rate_ppm`` a year, actual/365, half up."""
    if isinstance(principal, bool) or not isinstance(principal, int) or principal <= 0:
        raise InvalidInput("a principal is a positive whole number of đồng", field="principal",
                           reason="not_positive")
    if isinstance(rate_ppm, bool) or not isinstance(rate_ppm, int) or not 0 < rate_ppm <= MAX_RATE_PPM:
        raise InvalidInput("a rate is above 0 and at most 100 %", field="rate", reason="out_of_range")
    if days < 0:
        raise InvalidInput("interest is not earned backwards", field="days", reason="negative")
    return _round_half_up(principal * rate_ppm * days, DAYS_IN_YEAR * PPM)


def add_months(start: date, months: int) -> date:
    """``start`` plus ``months`` months, on the month's last day when it has no such day."""
    if months <= 0:
        raise InvalidInput("a term has at least one month", field="term_months", reason="not_positive")
    m = start.month - 1 + months
    year, month = start.year + m // 12, m % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def maturity(start: date, *, months: int | None = None, days: int | None = None) -> date:
    """The maturity of a deposit opened on ``start`` for ``months`` months or ``days`` days (one of them)."""
    if (months is None) == (days is None):
        raise InvalidInput("a term is given in months or in days", field="term", reason="one_of")
    if days is not None:
        if days <= 0:
            raise InvalidInput("a term has at least one day", field="term_days", reason="not_positive")
        return start + timedelta(days=days)
    return add_months(start, months)


def month_ends(start: date, end: date) -> list[date]:
    """Every month's last day from ``start``'s month up to the day before ``end`` (the accrual dates of a
    deposit running from ``start`` to ``end``; the maturity itself is a settlement, not an accrual)."""
    out, y, m = [], start.year, start.month
    while True:
        last = date(y, m, calendar.monthrange(y, m)[1])
        if last >= end:
            return out
        if last >= start:
            out.append(last)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


@dataclass(frozen=True)
class Deposit:
    """What the arithmetic needs of a term deposit: principal, annual rate, start and maturity."""

    principal: int
    rate_ppm: int
    start: date
    maturity: date

    def __post_init__(self) -> None:
        simple_interest(self.principal, self.rate_ppm, 0)  # checks principal and rate
        if self.maturity <= self.start:
            raise InvalidInput("a deposit matures after it starts", field="maturity", reason="before_start")

    @property
    def days(self) -> int:
        return days_between(self.start, self.maturity)

    def interest(self) -> int:
        """The whole term's interest."""
        return simple_interest(self.principal, self.rate_ppm, self.days)

    def accrued_through(self, day: date) -> int:
        """Interest earned from the start through ``day`` (inclusive), capped at maturity; 0 before start."""
        end = min(day + timedelta(days=1), self.maturity)
        return simple_interest(self.principal, self.rate_ppm, max(0, days_between(self.start, end)))


def accruals(deposit: Deposit, dates: list[date]) -> list[tuple[date, int]]:
    """What to accrue on each of ``dates`` (ascending; those outside the term accrue nothing): the interest
    earned through that date less what was accrued before. Amounts are never negative."""
    if any(b < a for a, b in zip(dates, dates[1:], strict=False)):
        raise InvalidInput("accrual dates must be in order", field="dates", reason="unordered")
    out, before = [], 0
    for d in dates:
        upto = deposit.accrued_through(d)
        out.append((d, upto - before))
        before = upto
    return out


def settlement(deposit: Deposit, accrued: int) -> int:
    """What the maturity adds to the accruals ``accrued`` so far: the whole term's interest less them."""
    rest = deposit.interest() - accrued
    if rest < 0:
        raise InvalidInput("more was accrued than the whole term earns", field="accrued", reason="over_accrued")
    return rest


def monthly_periods(deposit: Deposit) -> list[tuple[date, date]]:
    """For a deposit that pays interest every month: (from, to) of each period, each ending on the
    monthly anniversary of the start (the last one at maturity)."""
    out, k, frm = [], 1, deposit.start
    while frm < deposit.maturity:
        to = min(add_months(deposit.start, k), deposit.maturity)
        out.append((frm, to))
        frm, k = to, k + 1
    return out


def monthly_payments(deposit: Deposit) -> list[tuple[date, int]]:
    """The interest a monthly-paying deposit pays at the end of each period: the interest from the start to
    that day, rounded once, less what the periods before paid. Rounding each period alone would drift (a
    đồng or two over the term); this way the payments add up to :meth:`Deposit.interest` exactly, so the
    figure shown at opening is the one settled at maturity."""
    out, before = [], 0
    for _frm, to in monthly_periods(deposit):
        upto = simple_interest(deposit.principal, deposit.rate_ppm, days_between(deposit.start, to))
        out.append((to, upto - before))
        before = upto
    return out


@dataclass(frozen=True)
class EarlyWithdrawal:
    """What withdrawing part of a deposit before maturity means: the withdrawn part earns the demand rate
    for the days it was held (``interest``); what was accrued on it at the term rate is reversed
    (``reversal``); the rest stays on deposit at the term rate until maturity (``remaining``)."""

    withdrawn: int
    interest: int
    accrued_on_withdrawn: int
    reversal: int
    remaining: int


def early_withdrawal(deposit: Deposit, *, on: date, amount: int, demand_rate_ppm: int,
                     accrued: int) -> EarlyWithdrawal:
    """Withdraw ``amount`` of ``deposit`` on ``on`` (before maturity) when ``accrued`` đồng of its interest
    have been accrued so far. The withdrawn part's share of the accruals is ``accrued × amount /
    principal`` (largest remainder against the part that stays), replaced by the demand-rate interest."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidInput("a withdrawal is a positive whole number of đồng", field="amount", reason="not_positive")
    if amount > deposit.principal:
        raise InvalidInput("a withdrawal cannot exceed the principal", field="amount", reason="above_principal")
    if not deposit.start <= on < deposit.maturity:
        raise InvalidInput("an early withdrawal happens during the term", field="date", reason="outside_term")
    share = split_by_shares(accrued, [amount, deposit.principal - amount])[0] if accrued else 0
    earned = simple_interest(amount, demand_rate_ppm, days_between(deposit.start, on))
    return EarlyWithdrawal(amount, earned, share, share - earned, deposit.principal - amount)


def split_interest(total: int, shares: list[int]) -> list[int]:
    """A deposit's interest split among the funds that own it, by their amounts, so that the pieces add
    up to ``total`` exactly (largest remainder; ties to the earlier fund)."""
    return split_by_shares(total, shares)
