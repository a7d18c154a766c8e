"""Vietnamese messages for the ledger's machine codes: what a person reads when something is refused."""

from __future__ import annotations

from ledger.errors import LedgerError

_VI = {
    "invalid_amount": {
        "not_integer": "Số tiền phải là số nguyên đồng (không có phần lẻ, không phải chuỗi ký tự).",
        "not_positive": "Số tiền phải lớn hơn 0.",
        "too_large": "Số tiền vượt quá 999.999.999.999.999 đồng.",
        "unknown_currency": "Loại ngoại tệ không được hỗ trợ.",
        "not_exact": "Số ngoại tệ không hợp lệ.",
        "not_number": "Số ngoại tệ không phải là số.",
        None: "Số tiền không hợp lệ.",
    },
    "invalid_name": {
        "empty": "Tên không được để trống.",
        "not_nfc": "Tên đang ở dạng Unicode tổ hợp (NFD); hãy gõ lại bằng bảng mã Unicode dựng sẵn (NFC).",
        "too_long": "Tên quá dài.",
        "control_chars": "Tên chứa ký tự điều khiển không hợp lệ.",
        None: "Tên không hợp lệ.",
    },
    "invalid_input": {"not_date": "Ngày không hợp lệ (dùng dd/mm/yyyy hoặc YYYY-MM-DD).",
                      "empty": "Thiếu thông tin bắt buộc.",
                      None: "Dữ liệu không hợp lệ."},
    "not_found": {None: "Không tìm thấy {entity}."},
    "unbalanced_transaction": {None: "Bút toán không cân: tổng Nợ và Có của mỗi quỹ phải bằng nhau."},
    "period_locked": {None: "Kỳ kế toán đã khóa sổ đến ngày {lock_date}; không thể ghi sổ ngày {date}."},
    "insufficient_funds": {None: "Quỹ {fund} không đủ số dư được phép chi (thiếu {shortfall} đồng)."},
    "already_reversed": {None: "Bút toán này đã được đảo trước đó."},
    "conflict": {"ambiguous_donor": "Có nhiều nhà hảo tâm trùng tên; hãy chọn theo mã số.",
                 "pledge_has_payments": "Hãy đảo các lần thu tiền của cam kết này trước.",
                 "overpaid": "Số tiền vượt quá phần cam kết còn phải thu ({outstanding} đồng).",
                 None: "Thao tác xung đột với dữ liệu hiện có."},
    "idempotency_key_reused": {None: "Khóa chống trùng lặp đã được dùng cho một yêu cầu khác."},
    "import_failed": {None: "Tệp nhập có lỗi; không có dòng nào được ghi."},
    "chain_broken": {None: "Chuỗi băm của sổ nhật ký bị phá vỡ."},
}


def vietnamese(err: LedgerError) -> str:
    """Return the Vietnamese message for ``err`` (falling back to its English text)."""
    table = _VI.get(err.code) or _VI.get("invalid_input" if err.status == 422 else "conflict", {})
    template = table.get(err.params.get("reason")) or table.get(None) or err.message
    try:
        return template.format(**err.params)
    except (KeyError, IndexError):
        return template
