"""Ordinary costs (phiếu chi), other income (phiếu thu) and moves between cash and a bank account in the JSON API."""

from __future__ import annotations

from dataclasses import asdict

from flask import current_app

from ledger import services
from receipts import service as docs

from .. import auth
from .common import FUNDS, _created, _key, read_view, write_view
from .schemas import expenses as sc


def _book(use_case, body: dict, org: str) -> dict:
    """Run ``use_case`` with the body's fields (named as the use case names them; the date as ``on``)."""
    fields = dict(body)
    return use_case(auth.db(), org, on=fields.pop("date"), **fields, user=auth.actor(), key=_key())


@read_view("/organizations/<org>/vouchers", "vouchers", FUNDS, sc.VoucherList, query=sc.VoucherArgs())
def vouchers(args: dict, org: str):
    """The vouchers (phiếu chi, phiếu thu), newest first, and the year's management-cost cap: its percent, the
    year's base income, what is spent and what is left"""
    r = services.list_vouchers(auth.db(), org, args.get("year"))
    return {"items": [asdict(v) for v in r["items"]], "cap": asdict(r["cap"])}


@write_view("/organizations/<org>/expenses", "expense_add", FUNDS, "expense.add", sc.VoucherResult,
            body=sc.ExpenseIn(), example={"date": "2026-06-01", "fund": "KHT", "from": "111", "category": "management",
                                          "amount": 1_500_000, "memo": "Văn phòng phẩm quý II"})
def expense_add(body: dict, org: str):
    """Book a cost paid from cash or a bank account, with its phiếu chi: one entry; refused when it would take
    the fund's spendable balance or the account below zero, and, for a management cost, over the year's cap
    (the cap, the year's base, what is spent and the shortfall are in the error's params)"""
    return _created(_book(services.add_expense, body, org))


@write_view("/organizations/<org>/incomes", "income_add", FUNDS, "expense.add", sc.VoucherResult,
            body=sc.IncomeIn(), example={"date": "2026-06-01", "fund": "KHT", "to": "111", "category": "dues",
                                         "amount": 12_000_000, "memo": "Hội phí năm 2026"})
def income_add(body: dict, org: str):
    """Book dues, state-budget money or other income received into cash or a bank account, with its phiếu thu"""
    return _created(_book(services.add_income, body, org))


@write_view("/organizations/<org>/cash-transfers", "cash_transfer", FUNDS, "expense.add", sc.VoucherResult,
            body=sc.CashTransferIn(), example={"date": "2026-06-01", "fund": "KHT", "from": "1121.BIDV", "to": "111",
                                               "amount": 5_000_000, "memo": "Rút tiền mặt"})
def cash_transfer(body: dict, org: str):
    """Move a fund's money between cash and a bank account: a withdrawal into cash has a phiếu thu, cash paid into
    the bank or a move between banks a phiếu chi"""
    return _created(_book(services.transfer_cash, body, org))


@read_view("/organizations/<org>/vouchers/<int(min=1, max=2147483647):voucher_id>.pdf", "voucher_print", FUNDS,
           action="export", content_type="application/pdf", description="The voucher (phiếu chi, phiếu thu), A5")
def voucher_print(org: str, voucher_id: int):
    """A voucher as PDF to print and sign: its number, day, who received or paid, why, the fund, the amount in
    figures and words, the accounts debited and credited; a voided voucher says so"""
    return current_app.response_class(docs.voucher_pdf(auth.db(), org, voucher_id)[1].data, mimetype="application/pdf")
