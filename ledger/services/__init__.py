"""The use cases, one plain function each: take plain values and the database, run one unit of work
(with an optional client idempotency key), return a plain result. The CLI and the web call these and
do nothing else but parse input and render output: this package is their one door.

Each use case is written through :func:`ledger.services.unit.use_case`, which opens the unit of work,
resolves the organization, takes its lock where money is consumed, handles the client key and writes
the audit row, once for all; one module per feature holds the use cases' own parts.
"""

from .bank import (
    add_bank_profile,
    bank_default_funds,
    bank_profiles,
    confirm_bank_line,
    import_statement,
    preview_statement,
    reassign_bank_line,
    recent_bank_matches,
    set_bank_default_fund,
    statement_proposals,
    statement_queue,
    undo_bank_match,
)
from .books import closing_check, document_settings, fund_balances, lock_period
from .deposits import accrue, adjust_deposit, move_principal, open_deposit, settle_deposit, withdraw_deposit
from .disbursements import (
    add_batch_lines,
    add_program,
    add_recipient,
    cancel_batch_line,
    create_batch,
    import_batch_lines,
    pay_batch,
    set_quorum,
    submit_batch,
    vote_batch,
)
from .donations import (
    check_import,
    donor_choice,
    gold_book_request,
    import_donations,
    list_earmarks,
    pay_pledge,
    record_donation,
    reissue_document,
    release_earmark,
    reverse,
    void_document,
)
from .expenses import add_expense, add_income, list_vouchers, transfer_cash
from .opening import add_opening, check_correction, check_opening, correct_opening, import_opening
from .ops import check_digest, head_digests, rebuild_sums, verify, verify_on
from .organizations import (
    add_account,
    add_bank_account,
    create_campaign,
    create_fund,
    create_organization,
    dissolve_organization,
    fund_names,
    rename_account,
    rename_fund,
    transfer_between,
)
from .proofs import (
    gift_proof,
    proof_context,
    proof_for_code,
    proof_log,
    publication_key,
    publish_proofs,
    published_roots,
)
from .regimes import add_regime, list_regimes, set_legal_form, set_management_cap
from .reported import add_reported_totals, reported_units, reporting_of, set_reporting
from .stipends import stipend
from .unit import Unit, Who, use_case
from .users import add_user, create_token, grant_role, list_tokens, revoke_role, revoke_token

__all__ = [
    "Unit", "Who", "use_case",
    # donations, pledges, reversals, imports, receipts
    "record_donation", "donor_choice", "pay_pledge", "reverse", "import_donations", "check_import",
    "void_document", "reissue_document", "gold_book_request", "release_earmark", "list_earmarks",
    # term deposits and principal
    "open_deposit", "accrue", "settle_deposit", "withdraw_deposit", "adjust_deposit", "move_principal",
    # disbursements and stipends
    "add_recipient", "add_program", "create_batch", "add_batch_lines", "submit_batch", "vote_batch",
    "pay_batch", "cancel_batch_line", "import_batch_lines", "set_quorum", "stipend",
    # bank statements
    "import_statement", "preview_statement", "add_bank_profile", "bank_profiles", "statement_proposals",
    "statement_queue", "confirm_bank_line", "reassign_bank_line", "undo_bank_match", "set_bank_default_fund",
    "bank_default_funds", "recent_bank_matches",
    # the books
    "lock_period", "closing_check", "fund_balances", "document_settings",
    # proofs that every gift is counted
    "publish_proofs", "proof_log", "published_roots", "publication_key", "gift_proof", "proof_for_code",
    "proof_context",
    # organizations and set-up
    "create_organization", "create_fund", "add_account", "add_bank_account", "create_campaign",
    "rename_account", "rename_fund", "fund_names", "transfer_between", "dissolve_organization",
    # legal regimes, legal form, management-cost cap
    "list_regimes", "add_regime", "set_legal_form", "set_management_cap",
    # people
    "add_user", "grant_role", "revoke_role", "create_token", "list_tokens", "revoke_token",
    # ordinary expenses, other income, moves between cash and a bank account
    "add_expense", "add_income", "transfer_cash", "list_vouchers",
    # units that report totals
    "set_reporting", "add_reported_totals", "reported_units", "reporting_of",
    # opening balances
    "add_opening", "import_opening", "check_opening", "correct_opening", "check_correction",
    # integrity
    "verify", "verify_on", "head_digests", "check_digest", "rebuild_sums",
]
