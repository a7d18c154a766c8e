"""The API's shapes of ordinary costs, other income and moves between cash and a bank account (phiếu chi, phiếu
thu)."""

from __future__ import annotations

from marshmallow import fields, validate

from ledger import expenses

from .common import Dong, Strict, Text, out_of, result, shape


class _VoucherIn(Strict):
    date = fields.Date(required=True, metadata={"description": "the voucher's date"})
    fund = Text(40, min_length=1, required=True, metadata={"description": "the fund's code"})
    amount = Dong(required=True)
    memo = Text(500, load_default="", metadata={"description": "what it is for, as the voucher says it"})
    person = Text(200, load_default="", metadata={"description": "who receives the money (phiếu chi) or pays it "
                                                                 "(phiếu thu), printed on the voucher"})


class ExpenseIn(_VoucherIn):
    paid_from = Text(40, min_length=1, required=True, data_key="from",
                     metadata={"description": "the cash or bank account paid from: 111, 1121.BIDV"})
    category = fields.String(required=True, validate=validate.OneOf(list(expenses.EXPENSE_CATEGORIES)),
                             metadata={"description": "management and allowance are management costs: refused "
                                                      "over the year's cap (409 over_management_cap) and from a "
                                                      "fund that may not pay them (409 no_management_costs)"})


class IncomeIn(_VoucherIn):
    received_into = Text(40, min_length=1, required=True, data_key="to",
                         metadata={"description": "the cash or bank account received into: 111, 1121.BIDV"})
    category = fields.String(required=True, validate=validate.OneOf(list(expenses.INCOME_CATEGORIES)),
                             metadata={"description": "dues (hội phí), state_budget (ngân sách nhà nước), other"})


class CashTransferIn(_VoucherIn):
    from_account = Text(40, min_length=1, required=True, data_key="from",
                        metadata={"description": "the account the money leaves: 1121.BIDV, 111"})
    to_account = Text(40, min_length=1, required=True, data_key="to",
                      metadata={"description": "the account it goes to: 111, 1121.BIDV"})


class VoucherArgs(Strict):
    year = fields.Integer(validate=validate.Range(min=2000, max=9999),
                          metadata={"description": "only this year's vouchers (the cap: of this year)"})


VoucherResult = result(
    "VoucherResult", id=int, kind=(str, "expense, income or transfer"), category=str,
    date=fields.String(required=True, metadata={"format": "date"}), amount=int,
    number=(str, "the voucher's number: PC/26 0000001 (phiếu chi) or PT/26 0000001 (phiếu thu)"),
    document_id=int, tx_id=int, seq=(int, "the entry's position in the hash chain"))
Voucher = out_of(expenses.VoucherRow, "Voucher")
ManagementCap = out_of(expenses.CapStatus, "ManagementCapStatus")
VoucherList = shape("VoucherList", items=list[Voucher], cap=ManagementCap)
