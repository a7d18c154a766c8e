"""The default chart of accounts (Circular 24/2024/TT-BTC codes), seeded per organization as data.

Each account has a *kind* (asset, liability, equity, income, expense) that fixes how it counts in a
fund's balance, and an optional *role* that tells the ledger which account a use case posts to. An
organization may rename any account or add its own; codes never change once used.
"""

from __future__ import annotations

from typing import NamedTuple


class AccountSpec(NamedTuple):
    code: str
    name: str
    kind: str
    role: str | None


DEFAULT_CHART: tuple[AccountSpec, ...] = (
    AccountSpec("111", "Tiền mặt", "asset", "cash"),
    AccountSpec("1121", "Tiền gửi ngân hàng (không kỳ hạn)", "asset", "bank"),
    AccountSpec("121", "Đầu tư tài chính (tiền gửi có kỳ hạn)", "asset", "deposit"),
    AccountSpec("1381", "Phải thu tiền lãi", "asset", "interest_receivable"),
    AccountSpec("1388", "Phải thu khác (cam kết ủng hộ)", "asset", "pledge_receivable"),
    AccountSpec("152", "Hiện vật nhận ủng hộ", "asset", "goods"),
    AccountSpec("3381", "Thu hộ, chi hộ (tài trợ theo địa chỉ)", "liability", "earmarked_payable"),
    AccountSpec("3388", "Phải trả khác (khen thưởng, học bổng đã duyệt)", "liability", "awards_payable"),
    AccountSpec("353", "Các quỹ đặc thù", "equity", "fund_capital"),
    AccountSpec("3531", "Vốn gốc quỹ (không được chi)", "equity", "principal"),
    AccountSpec("515", "Doanh thu tài chính (lãi tiền gửi)", "income", "interest_income"),
    AccountSpec("711", "Thu nhập khác (ủng hộ, tài trợ)", "income", "donation_income"),
    AccountSpec("811", "Chi phí khác (học bổng, khen thưởng)", "expense", "award_expense"),
    AccountSpec("611", "Chi phí hoạt động (chi quản lý)", "expense", "management_expense"),
)

ACCOUNT_KINDS = ("asset", "liability", "equity", "income", "expense")
#: Expense roles that are management costs, under the management-cost cap: management costs (611) and the
#: allowances of those who run the fund (phụ cấp, added with the first one, ``ledger/expenses.py``).
MANAGEMENT_ROLES = ("management_expense", "allowance_expense")
