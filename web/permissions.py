"""Who may do what: the one table of roles and the actions each allows (least privilege).

A user holds roles per organization; what they may do in an organization is the union of the actions
of the roles they hold *there* (a role in the province gives nothing in a district). An API token
carries one role in one organization. Every route names the action it needs; nothing else decides.
"""

from __future__ import annotations

#: action → roles allowed to take it
ACTIONS: dict[str, frozenset[str]] = {
    "read": frozenset({"admin", "treasurer", "council", "auditor"}),
    "export": frozenset({"admin", "treasurer", "auditor"}),
    "audit.read": frozenset({"admin", "auditor"}),
    "donation.record": frozenset({"treasurer"}),
    "pledge.pay": frozenset({"treasurer"}),
    "donations.import": frozenset({"treasurer"}),
    "transaction.reverse": frozenset({"treasurer"}),
    "campaign.create": frozenset({"treasurer", "admin"}),
    "org.setup": frozenset({"admin"}),  # funds, accounts, bank accounts
    "period.lock": frozenset({"admin"}),
    # make and download a backup of the whole database (an administrator of a top organization only)
    "backup.download": frozenset({"admin"}),
    "users.manage": frozenset({"admin"}),
    "token.create": frozenset({"admin", "treasurer", "council", "auditor"}),
    # revoke one's own API tokens (an administrator, who also holds users.manage: any token of the organization)
    "token.revoke": frozenset({"admin", "treasurer", "council", "auditor"}),
    "document.void": frozenset({"treasurer"}),  # void a receipt, issue its replacement
    "gold_book.enter": frozenset({"treasurer"}),  # enter a recorded gift in the gold book on request
    "documents.batch": frozenset({"treasurer", "admin"}),  # start a batch print of a campaign's documents
    # open, settle, withdraw and adjust term deposits; run the month-end accrual
    "deposit.manage": frozenset({"treasurer"}),
    "opening.post": frozenset({"treasurer"}),  # post and correct opening balances (số dư đầu kỳ)
    # ordinary costs, other income and moves between cash and a bank account (phiếu chi, phiếu thu)
    "expense.add": frozenset({"treasurer"}),
    "principal.move": frozenset({"council"}),  # record a council decision releasing or raising principal
    # record the council's decision releasing what an earmarked gift still holds into its fund
    "earmark.release": frozenset({"council"}),
    "program.manage": frozenset({"treasurer", "admin"}),  # award programmes and the funds they draw from
    "batch.prepare": frozenset({"treasurer"}),  # recipients; draft, fill and submit a batch
    "batch.vote": frozenset({"council"}),  # approve or reject a submitted batch (never one's own)
    "batch.pay": frozenset({"treasurer"}),  # pay approved lines, cancel unpaid ones
    "org.transfer": frozenset({"treasurer"}),  # move money to another organization of the same association
    "org.reorganize": frozenset({"admin"}),  # take over a dissolved organization's books (its successor's admin)
    "bank.import": frozenset({"treasurer"}),  # import a bank statement
    "bank.match": frozenset({"treasurer"}),  # confirm what a statement line is (books it), reassign suspense money
    # (and undo a match made by mistake)
    "bank.settings": frozenset({"admin", "treasurer"}),  # a bank account's default fund for the matching queue
    # units that report totals (ledger/reported.py): mark the organization or one directly beneath as reporting
    # totals, and set the first day it keeps books in Quỹ
    "org.reporting": frozenset({"admin"}),
    "totals.report": frozenset({"treasurer"}),  # enter (and correct) the organization's own reported totals
    "totals.report_below": frozenset({"admin", "treasurer"}),  # … those of a unit directly beneath
}


def allowed(roles: frozenset[str] | set[str], action: str) -> bool:
    """Return True when any of ``roles`` allows ``action`` (an unknown action allows nobody)."""
    return bool(ACTIONS.get(action, frozenset()) & set(roles))


def totals_action(acting_org_id: int, unit_id: int, unit_parent_id: int | None) -> str | None:
    """The action entering a unit's reported totals needs of the requester in the organization they act in: the
    unit's own treasurer (``totals.report``), or an administrator or treasurer of its parent
    (``totals.report_below``); None when the organization acted in is neither."""
    if acting_org_id == unit_id:
        return "totals.report"
    if acting_org_id == unit_parent_id:
        return "totals.report_below"
    return None


def reporting_allowed(acting_org_id: int, unit_id: int, unit_parent_id: int | None) -> bool:
    """Whether an administrator acting in the organization may mark the unit (``org.reporting``): itself or an
    organization directly beneath it."""
    return acting_org_id in (unit_id, unit_parent_id)
