"""Vietnamese messages for the ledger's machine codes: what a person reads when something is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from ledger.errors import LedgerError

_VI = {
    "backup_refused": {
        "manifest": "Bản sao lưu bị hỏng: phần mô tả (manifest) không đọc được.",
        "format": "Tệp này không phải bản sao lưu Quỹ, hoặc định dạng của nó không được phiên bản này hỗ trợ.",
        "checksum": "Bản sao lưu bị hỏng: nội dung không khớp mã kiểm tra (sha256). Không khôi phục gì.",
        "truncated": "Bản sao lưu bị cắt cụt hoặc hỏng, không đọc được trọn vẹn. Không khôi phục gì.",
        "schema_revision": "Bản sao lưu được tạo bởi phiên bản Quỹ mới hơn (lược đồ {revision}); "
                           "hãy nâng cấp Quỹ trước khi khôi phục.",
        "not_empty": "Cơ sở dữ liệu đích đã có sổ sách; chỉ khôi phục vào cơ sở dữ liệu trống "
                     "(hoặc dùng --force để thay thế).",
        "missing": "Không tìm thấy tệp hoặc cơ sở dữ liệu.",
        "foreign_tables": "Cơ sở dữ liệu đích có những bảng không phải của Quỹ; hãy kiểm tra lại địa chỉ cơ sở dữ "
                          "liệu và chỉ khôi phục vào cơ sở dữ liệu trống. Không khôi phục gì.",
        "empty": "Cơ sở dữ liệu chưa có lược đồ Quỹ (hãy chạy quy init).",
        "engine": "Loại cơ sở dữ liệu này không được hỗ trợ để sao lưu/khôi phục.",
        "keep": "--keep phải từ 1 trở lên.",
        "schema": "Bảng hoặc cột trong bản sao lưu không có trong lược đồ tương ứng.",
        "rows": "Số dòng của bảng {table} sau khi nạp không khớp bản sao lưu.",
        "verify": "Sổ của {org} sau khi khôi phục không kiểm tra được (chuỗi băm, số dư hoặc số chứng từ). "
                  "Không khôi phục gì.",
        "heads": "Mã băm đầu chuỗi sau khi khôi phục khác với bản sao lưu. Không khôi phục gì.",
        "foreign_keys": "Dữ liệu trong bản sao lưu có tham chiếu hỏng. Không khôi phục gì.",
        None: "Không sao lưu/khôi phục được.",
    },
    "invalid_amount": {
        "not_integer": "Số tiền phải là số nguyên đồng (không có phần lẻ, không phải chuỗi ký tự).",
        "not_positive": "Số tiền phải lớn hơn 0.",
        "too_large": "Số tiền vượt quá 999.999.999.999.999 đồng.",
        "negative": "Số tiền không được âm.",
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
        "line_break": "Trường này chỉ được ghi trên một dòng (không xuống dòng).",
        None: "Tên không hợp lệ.",
    },
    "malformed_input": {
        "not_utf8": "Yêu cầu chứa byte không phải UTF-8; không ghi gì.",
        "lone_surrogate": "Văn bản JSON chứa ký tự thay thế (surrogate) đơn lẻ; không ghi gì.",
        "too_deep": "Dữ liệu JSON lồng nhau quá sâu; không ghi gì.",
        "control_characters": "Yêu cầu chứa ký tự điều khiển không hợp lệ; không ghi gì.",
        None: "Yêu cầu không đọc được; không ghi gì.",
    },
    "token_unknown": {None: "Khóa truy cập API không tồn tại."},
    "token_expired": {None: "Khóa truy cập API đã hết hạn ({expires_at}); hãy tạo khóa mới."},
    "token_revoked": {"role_removed": "Khóa truy cập API đã bị thu hồi vì người dùng không còn giữ vai trò của khóa.",
                      None: "Khóa truy cập API đã bị thu hồi."},
    "invalid_input": {"not_date": "Ngày không hợp lệ (dùng dd/mm/yyyy hoặc YYYY-MM-DD).",
                      "date_too_early": "Ngày {date} quá sớm: sổ chỉ nhận ngày từ {earliest} trở đi.",
                      "date_in_future": "Ngày {date} chưa đến: chỉ ghi sổ và lập chứng từ đến ngày {latest}.",
                      "empty": "Thiếu thông tin bắt buộc.",
                      "weak_password": "Mật khẩu phải có ít nhất 10 ký tự.",
                      "bad_token_days": "Thời hạn của khóa truy cập phải từ 1 đến 3650 ngày.",
                      "bad_login": "Tên đăng nhập tối đa 80 ký tự, không có dấu cách.",
                      "unknown_role": "Vai trò phải là admin, treasurer, council hoặc auditor.",
                      "unknown_kind": "Loại không hợp lệ.",
                      "bad_code": "Mã tối đa 40 ký tự, không có dấu cách.",
                      "bad_document_number": "Số chứng từ phải có dạng BN/25 0000123.",
                      "pledge_payment": "Lần thu tiền cam kết được ghi danh theo cam kết của nó.",
                      "pledge_settled": "Cam kết này đã thu đủ; không còn gì để chuyển khoản.",
                      "nothing_to_print": "Không có chứng từ nào để in.",
                      "out_of_range": "Lãi suất phải lớn hơn 0 và không quá 100%/năm.",
                      "not_exact": "Giá trị phải ghi chính xác (không dùng số thực dấu phẩy động).",
                      "not_number": "Giá trị không phải là số.",
                      "not_positive": "Giá trị phải lớn hơn 0.",
                      "before_start": "Ngày đáo hạn phải sau ngày gửi.",
                      "no_statement_balances": "Sao kê không ghi số dư đầu kỳ và cuối kỳ, các dòng cũng không có "
                                               "số dư: hãy nhập --opening và --closing.",
                      "bad_profile": "Mẫu sao kê không hợp lệ: {detail}",
                      "statement_account_mismatch": "Sao kê này của tài khoản số {statement_account}, nhưng "
                                                    "tài khoản ngân hàng {code} có số {account_no}. Không nhập "
                                                    "dòng nào.",
                      "statement_currency": "Sao kê ghi bằng {currency}, không phải VND; chỉ nhập được sao kê "
                                            "bằng đồng Việt Nam.",
                      "several_accounts": "Tệp có sao kê của nhiều tài khoản ({accounts}); hãy nhập sao kê "
                                          "từng tài khoản một.",
                      "above_principal": "Số rút không được vượt quá tiền gốc.",
                      "outside_term": "Rút trước hạn phải trong thời hạn gửi.",
                      "one_of": "Kỳ hạn ghi theo tháng hoặc theo ngày, không cả hai.",
                      "shares_mismatch": "Tổng phần của các quỹ phải bằng tiền gốc.",
                      "before_maturity": "Tất toán vào hoặc sau ngày đáo hạn; trước hạn là rút trước hạn.",
                      "monthly_withdrawal": "Khoản gửi lĩnh lãi hằng tháng chưa rút trước hạn được.",
                      "not_bank": "Tài khoản này không phải tài khoản ngân hàng.",
                      "bank_account_required": "Hãy chọn tài khoản ngân hàng của khoản chuyển khoản: tổ chức có "
                                               "nhiều tài khoản ngân hàng ({accounts}), Quỹ không tự chọn thay.",
                      "other_year": "Biên nhận thay thế phải ghi ngày trong cùng năm với biên nhận bị hủy.",
                      "not_listed": "Nhà hảo tâm không đồng ý công khai tên; hãy sửa thông tin nhà hảo tâm trước.",
                      "bad_vietqr": "Không tạo được mã VietQR: số tiền hoặc nội dung chuyển khoản không hợp lệ.",
                      "below_booked": "Số liệu của ngân hàng thấp hơn số tiền lãi đã ghi sổ.",
                      "adjustment_too_large": "Số điều chỉnh không được vượt quá tiền gốc.",
                      "not_whole_dong": "Số điều chỉnh phải là số nguyên đồng khác 0 (− khi ngân hàng tính ít hơn).",
                      "required": "Thiếu thông tin bắt buộc.",
                      "too_long": "Nội dung quá dài.",
                      "not_text": "Giá trị phải là chữ.",
                      "no_principal": "Quỹ này không có vốn gốc phải bảo toàn.",
                      "bad_lines": "Danh sách có dòng sai; không dòng nào được ghi.",
                      "nothing_to_correct": "Số dư đầu kỳ đã đúng các số này; không có gì để điều chỉnh.",
                      "before_gift": "Ngày chuyển phải từ ngày nhận khoản tài trợ trở đi.",
                      "before_last_rename": "Quỹ đã đổi tên từ ngày {date}; tên mới phải có hiệu lực từ ngày đó "
                                            "trở đi.",
                      "before_approval": "Ngày chi không được trước ngày duyệt.",
                      "bad_period": "Kỳ báo cáo kết thúc trước khi bắt đầu.",
                      "bad_key": "Khóa chống trùng lặp không hợp lệ.",
                      "in_future": "Ngày sinh không được sau hôm nay.",
                      "beancount_rejected": "Tệp beancount có {count} lỗi; không có gì được nhập.",
                      "period_reversed": "Kỳ báo cáo kết thúc trước khi bắt đầu.",
                      "parent_cycle": "Các tài khoản khai báo tài khoản cấp trên vòng quanh nhau.",
                      "successor_below": "Đơn vị tiếp nhận không được là chính đơn vị đó hoặc đơn vị trực thuộc nó.",
                      "same_org": "Chỉ chuyển tiền sang một đơn vị khác.",
                      "split_too_few": "Chia cho các quỹ cần ít nhất hai phần.",
                      "unknown_account": "Tài khoản {code} không có trong hệ thống tài khoản của tổ chức.",
                      "account_is_bank": "Tài khoản {code} là tài khoản ngân hàng; hãy chọn tài khoản đối ứng "
                                         "(ví dụ chi phí ngân hàng, thu nhập khác).",
                      "account_is_suspense": "Tài khoản {code} là tài khoản tiền chờ xác định; hãy chọn "
                                             "\"Chưa xác định\" thay vì ghi vào tài khoản.",
                      "account_is_donation_income": "Tài khoản {code} là thu ủng hộ: một khoản ủng hộ cần "
                                                    "người ủng hộ và biên nhận, hãy xác nhận theo người ủng hộ.",
                      "split_fund_repeated": "Mỗi quỹ chỉ được ghi một lần khi chia.",
                      "split_sum_differs": "Tổng các phần ({parts_total} đồng) phải đúng bằng số tiền của dòng "
                                           "sao kê ({amount} đồng).",
                      "not_integer": "Số tiền phải là số nguyên đồng.",
                      # ordinary expenses and other income (ledger/expenses.py)
                      "unknown_category": "Loại khoản chi hoặc thu không hợp lệ (chọn một trong: {allowed}).",
                      "not_money_account": "Tài khoản {code} không phải tiền mặt hay tài khoản ngân hàng.",
                      "parent_account": "Tài khoản {code} gồm nhiều tài khoản ngân hàng; hãy chọn một tài khoản cụ "
                                        "thể.",
                      "same_account": "Tài khoản chuyển đi và chuyển đến phải khác nhau.",
                      "cash_to_cash": "Chỉ chuyển tiền giữa tiền mặt và tài khoản ngân hàng.",
                      "before_original": "Bút toán đảo phải ghi từ ngày của bút toán gốc ({original}) trở đi.",
                      # legal regimes and the management-cost cap (ledger/regimes.py)
                      "cap_above_max": "Mức chi quản lý là số nguyên phần trăm từ 0 đến {max}% (theo {regime}).",
                      "cap_needs_decision": "Trên {default}% phải ghi quyết định của Hội đồng quản lý quỹ "
                                            "(theo {regime}).",
                      "cap_default_above_max": "Mức chi quản lý mặc định không được cao hơn mức tối đa.",
                      "bad_percent": "Tỷ lệ phần trăm là số nguyên từ 0 đến 100.",
                      "unknown_legal_form": "Hình thức pháp lý là quỹ của Hội (association_fund) hoặc quỹ xã hội, "
                                            "quỹ từ thiện (social_fund).",
                      "bad_deadline": "Hạn công khai ghi theo tháng-ngày (MM-DD), ví dụ 03-31.",
                      "no_regime": "Không có chế độ pháp lý nào áp dụng vào ngày đó.",
                      # units that report totals (ledger/reported.py)
                      "bad_count": "Số lượt khen thưởng là số nguyên từ 0 trở lên.",
                      "from_parent_above_raised": "Số nhận từ cấp trên ({from_parent} đồng) là một phần của số vận "
                                                  "động được ({raised} đồng), không lớn hơn.",
                      "awards_missing": "Có số tiền khen thưởng thì phải ghi số lượt khen thưởng.",
                      "awarded_missing": "Có số lượt khen thưởng thì phải ghi số tiền đã trao.",
                      "not_reporting": "Chỉ đơn vị báo cáo số liệu mới đặt ngày bắt đầu ghi sổ trên Quỹ.",
                      # stipend months paid before Quỹ (ledger/stipends.py)
                      "paid_through_outside": "Tháng cuối cùng đã chi trước khi dùng Quỹ phải nằm trong thời gian "
                                              "cam kết.",
                      "paid_before": "Các tháng đến {month} đã chi trước khi dùng Quỹ: không tạm dừng, kết thúc "
                                     "hay chuyển cho người khác từ những tháng đó.",
                      None: "Dữ liệu không hợp lệ."},
    "not_found": {None: "Không tìm thấy {entity} {what}.",
                  "not_published": "Tháng {month} của khoản ủng hộ này chưa được công bố: số liệu được công bố khi "
                                   "khóa sổ đến hết tháng.",
                  "not_in_tree": "Khoản này không nằm trong số liệu công bố của quỹ: tiền ủng hộ theo địa chỉ (không "
                                 "phải của quỹ), hoặc đã hủy ngay trong tháng."},
    "unbalanced_transaction": {None: "Bút toán không cân: tổng Nợ và Có của mỗi quỹ phải bằng nhau."},
    "period_locked": {None: "Kỳ kế toán đã khóa sổ đến ngày {lock_date}; không thể ghi sổ ngày {date}."},
    "insufficient_funds": {"above_earmark": "Khoản tài trợ theo địa chỉ chỉ còn {spendable} đồng "
                                            "(thiếu {shortfall} đồng).",
                           "on_date": "Quỹ {fund} không đủ số dư được phép chi vào ngày {date} "
                                      "(thiếu {shortfall} đồng).",
                           None: "Quỹ {fund} không đủ số dư được phép chi (thiếu {shortfall} đồng)."},
    "insufficient_cash": {None: "Tài khoản {account} không đủ tiền vào ngày {date}: số dư sẽ là {balance} đồng "
                                "(thiếu {shortfall} đồng). Quỹ có thể còn tiền ở tài khoản khác."},
    "over_management_cap": {None: "Vượt mức chi quản lý năm {year}: mức tối đa là {cap_text} ({cap_pct}% tổng "
                                  "thu làm căn cứ {base_text}, không gồm hiện vật, tài trợ theo địa chỉ và tiền "
                                  "nhận bàn giao); đã chi {spent_text}, khoản này {amount_text}, vượt "
                                  "{shortfall_text}. Hội đồng quản lý quỹ có thể quyết định nâng mức trong giới "
                                  "hạn của chế độ pháp lý."},
    "already_reversed": {None: "Bút toán này đã được đảo trước đó."},
    "reports_totals": {"before_books": "{org} là đơn vị báo cáo số liệu, chỉ ghi sổ trên Quỹ từ ngày {books_from}: "
                                       "không ghi sổ ngày {date} (số liệu ngày đó lấy theo báo cáo).",
                       None: "{org} là đơn vị báo cáo số liệu, không ghi sổ trên Quỹ: không ghi sổ ngày {date}. "
                             "Hãy nhập số báo cáo, hoặc đặt ngày bắt đầu ghi sổ."},
    "conflict": {"ambiguous_donor": "Có nhiều nhà hảo tâm trùng tên; hãy chọn theo mã số.",
                 "proof_totals": "Tổng khoản ủng hộ quỹ {fund} kỳ {period} trong cây số liệu là {tree} đồng, báo cáo "
                                 "quỹ ghi {statement} đồng: không công bố gì (và không khóa sổ) cho đến khi khớp.",
                 "publish_not_locked": "Sổ chưa khóa: số liệu được công bố khi khóa sổ (quy lock).",
                 "ambiguous_document_number": "Số {number} ứng với nhiều chứng từ ({matches}); hãy ghi năm đủ "
                                              "bốn chữ số, ví dụ {example}.",
                 "profile_exists": "Đã có mẫu sao kê tên {name}.",
                 "opening_exists": "Số dư đầu kỳ ngày {day} đã được ghi sổ; hãy sửa bằng bút toán điều chỉnh.",
                 "fund_opened": "Quỹ {fund} đã có số dư đầu kỳ ngày {day}; hãy sửa bằng bút toán điều chỉnh.",
                 "no_management_costs": "Quỹ {fund} không được dùng để chi quản lý (quỹ không được phép trả "
                                        "chi phí quản lý).",
                 "pledge_has_payments": "Hãy đảo các lần thu tiền của cam kết này trước.",
                 "earmark_in_use": "Có {lines} dòng chi đang dùng khoản tài trợ theo địa chỉ này; hãy bỏ hoặc "
                                   "hủy các dòng đó trước.",
                 "overpaid": "Số tiền vượt quá phần cam kết còn phải thu ({outstanding} đồng).",
                 "login_taken": "Tên đăng nhập {login} đã có người dùng.",
                 "regime_exists": "Đã có chế độ pháp lý mã {code_taken} cho hình thức pháp lý này.",
                 "role_not_held": "Người dùng không giữ vai trò {role} trong tổ chức này.",
                 "already_void": "Chứng từ này đã bị hủy trước đó.",
                 "already_replaced": "Chứng từ này đã được cấp thay thế.",
                 "donation_reversed": "Khoản ủng hộ đã bị đảo bút toán: biên nhận của nó không được cấp lại.",
                 "already_in_gold_book": "Khoản ủng hộ này đã có trong Sổ vàng.",
                 "print_job_running": "Đang có một lượt in chưa xong; hãy chờ lượt đó hoàn tất.",
                 "already_settled": "Khoản tiền gửi này đã tất toán.",
                 "withdrawal_order": "Khoản tiền gửi này đã rút trước hạn ngày {last}; lần rút sau phải ghi "
                                     "từ ngày hôm sau trở đi (mỗi ngày một lần).",
                 "contract_taken": "Đã có khoản tiền gửi mang số hợp đồng này.",
                 "already_adjusted": "Khoản tiền gửi này đã có một điều chỉnh trong ngày đó.",
                 "decision_taken": "Số quyết định này đã được ghi.",
                 "code_taken": "Mã này đã được dùng.",
                 "same_name": "Quỹ {code} đã mang đúng tên này.",
                 "earmark_released": "Tiền của khoản tài trợ theo địa chỉ này đã được chuyển vào quỹ: không đảo "
                                     "bút toán được.",
                 "not_draft": "Chỉ danh sách đang lập mới sửa hoặc gửi duyệt được.",
                 "not_submitted": "Danh sách này không ở trạng thái chờ Hội đồng duyệt.",
                 "not_approved": "Chỉ danh sách đã được duyệt mới được chi.",
                 "line_not_open": "Dòng này đã chi hoặc đã hủy.",
                 "nothing_open": "Không còn dòng nào chưa chi.",
                 "workflow_entry": "Bút toán này thuộc nghiệp vụ tiền gửi, chi học bổng hoặc quyết định vốn gốc; "
                                   "hãy điều chỉnh qua nghiệp vụ đó (rút, hủy dòng…), không đảo trực tiếp.",
                 "bank_matched": "Bút toán này đã khớp với dòng sao kê ngân hàng số {line_id}; hãy hủy khớp "
                                 "(khớp số {match_id}) ở trang Ngân hàng, không đảo trực tiếp.",
                 "dissolved": "Đơn vị {org} đã giải thể; sổ sách của đơn vị đã khóa.",
                 "not_locked": "Hãy khóa sổ đến hết kỳ trước khi lập hồ sơ kiểm toán.",
                 "closing_check": "Chưa khóa sổ được: kiểm tra cuối kỳ chưa đạt ({failed_vi}).",
                 "entries_after": "Đơn vị còn bút toán ghi sau ngày giải thể ({date}).",
                 "open_work": "Trước khi giải thể, hãy tất toán các khoản tiền gửi đã rút trước hạn hoặc đã điều "
                              "chỉnh, trao các hiện vật và khoản tài trợ theo địa chỉ đã duyệt, thu hoặc hủy các "
                              "cam kết ủng hộ, và hoàn tất các danh sách chi đang lập.",
                 "already_undone": "Lần khớp này đã được hủy trước đó.",
                 "ambiguous_recipient": "Có nhiều người nhận tên {name}: {candidates}. Hãy chọn đúng người "
                                        "theo số (#…).",
                 "reassigned": "Khoản tiền chờ xác định này đã được chuyển cho nhà hảo tâm; hãy hủy lần chuyển "
                               "đó trước.",
                 "match_undone": "Lần khớp này đã bị hủy.",
                 "already_imported": "Tệp này đã được nhập ngày {imported_on}; không ghi thêm gì.",
                 # units that report totals (ledger/reported.py)
                 "keeps_books": "{org} ghi sổ trên Quỹ: số liệu của đơn vị lấy từ sổ sách, không nhập số báo cáo.",
                 "totals_overlap_books": "{org} ghi sổ trên Quỹ từ ngày {books_from}: số báo cáo (kỳ {period}) phải "
                                         "kết thúc trước ngày đó — mỗi ngày chỉ tính theo sổ sách hoặc theo báo cáo.",
                 "totals_exist": "Quỹ {fund} đã có số báo cáo kỳ {period} (dòng số {id}); hãy nhập dòng thay thế "
                                 "dòng đó.",
                 "period_overlaps": "Quỹ {fund} đã có số báo cáo kỳ {period} (dòng số {id}) trùng một phần với kỳ "
                                    "này; các kỳ báo cáo của một quỹ không được chồng lên nhau.",
                 "already_corrected": "Dòng số {id} đã được thay thế bằng dòng số {by}.",
                 "has_totals": "{org} đã có {rows} dòng số báo cáo: nếu bỏ đánh dấu, các số đó sẽ không được tính.",
                 "has_entries": "{org} đã có bút toán trên Quỹ từ ngày {first}: đơn vị ghi sổ không chuyển sang báo "
                                "cáo số liệu.",
                 "entries_before": "{org} đã có bút toán ngày {first}, trước ngày {books_from}: sổ sách của đơn vị "
                                   "được tính từ ngày bút toán đầu tiên.",
                 "reports_totals_dissolve": "{org} là đơn vị báo cáo số liệu, chưa ghi sổ trên Quỹ: hãy đặt ngày bắt "
                                            "đầu ghi sổ và ghi số dư đầu kỳ trước khi giải thể.",
                 None: "Thao tác xung đột với dữ liệu hiện có."},
    "not_allowed": {"preparer_cannot_approve": "Người lập danh sách không được duyệt danh sách của mình.",
                    "not_council": "Chỉ thành viên Hội đồng quản lý quỹ mới được duyệt.",
                    "not_beneath": "Chỉ tiếp nhận đơn vị trực thuộc hoặc cùng cấp.",
                    "other_tree": "Chỉ chuyển tiền giữa các đơn vị trong cùng hệ thống Hội.",
                    "top_organization": "Chế độ pháp lý áp dụng cho mọi đơn vị: chỉ quản trị viên của đơn vị cấp "
                                        "cao nhất được thêm.",
                    "not_parent": "Chỉ thao tác cho chính đơn vị hoặc đơn vị trực thuộc trực tiếp.",
                    "totals_role": "Số báo cáo của đơn vị do thủ quỹ của đơn vị nhập (hoặc quản trị viên, thủ quỹ "
                                   "của đơn vị cấp trên trực tiếp).",
                    None: "Bạn không được thực hiện thao tác này."},
    "idempotency_key_reused": {None: "Khóa chống trùng lặp đã được dùng cho một yêu cầu khác."},
    "import_failed": {None: "Tệp nhập có lỗi; không có dòng nào được ghi."},
    "statement_unbalanced": {None: "Sao kê không khớp: số dư đầu kỳ {opening_text} cộng phát sinh {lines_text} "
                                   "bằng {expected_text}, nhưng số dư cuối kỳ là {closing_text} — chênh lệch "
                                   "{difference_text}. Không nhập dòng nào."},
    "chain_broken": {None: "Chuỗi băm của sổ nhật ký bị phá vỡ."},
}


#: The things a NotFound names, in Vietnamese.
_ENTITIES = {"organization": "tổ chức", "fund": "quỹ", "account": "tài khoản", "donor": "nhà hảo tâm",
             "campaign": "đợt vận động", "pledge": "cam kết", "transaction": "bút toán", "user": "người dùng",
             "token": "khóa truy cập", "document": "chứng từ", "receipt": "biên nhận", "donation": "khoản ủng hộ",
             "gold_book_entry": "mục Sổ vàng", "print_job": "lượt in", "bank_account": "tài khoản ngân hàng",
             "deposit": "khoản tiền gửi", "recipient": "người nhận", "batch": "đợt chi", "batch_line": "dòng",
             "program": "chương trình", "bank_profile": "mẫu sao kê", "reported_row": "dòng số báo cáo"}


#: The closing check's items (``ledger/closing.py``), in Vietnamese.
CLOSING_VI = {"chain": "chuỗi băm sổ nhật ký", "balances": "số dư lưu sẵn khớp bút toán",
              "numbering": "số chứng từ liên tục", "accruals": "dự thu lãi tiền gửi đã ghi đủ",
              "maturities": "tiền gửi đến hạn đã tất toán"}


def vietnamese(err: LedgerError) -> str:
    """Return the Vietnamese message for ``err`` (falling back to its English text)."""
    table = _VI.get(err.code) or _VI.get("invalid_input" if err.status == 422 else "conflict", {})
    params = err.params
    if "failed" in params:
        params = {**params, "failed_vi": ", ".join(CLOSING_VI.get(c, c) for c in params["failed"])}
    if params.get("imported_at"):
        params = {**params, "imported_on": local_time(params["imported_at"])}
    if "entity" in params:
        what = next((str(params[k]) for k in ("code", "id", "login", "role") if params.get(k) is not None), "")
        params = {**params, "entity": _ENTITIES.get(params["entity"], params["entity"]), "what": what}
    return _text(table, params, err.message)


def local_time(iso: str | None, at: str = "lúc") -> str:
    """A stored UTC timestamp (``…Z``) as Vietnam reads it: ``dd/mm/yyyy lúc HH:MM`` (UTC+7, no summer time)."""

    if not iso:
        return "…"
    try:
        t = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    t = (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(timezone(timedelta(hours=7)))
    return t.strftime(f"%d/%m/%Y {at} %H:%M")


def _text(table: dict, params: dict, fallback: str) -> str:
    template = table.get(params.get("reason")) or table.get(None) or fallback
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template


#: What a bad row of an import file is told, by the import's own codes (ledger codes use _VI).
_ROW_VI = {
    "unknown_fund": "không có quỹ mã {code}.",
    "unknown_campaign": "không có đợt vận động mã {code}.",
    "unknown_bank_account": "không có tài khoản ngân hàng {code}.",
    "bank_account_required": "chuyển khoản phải ghi tài khoản ngân hàng nhận (tổ chức có nhiều tài khoản).",
    "period_locked": "ngày {date} nằm trong kỳ đã khóa sổ (đến {lock_date}).",
    "ambiguous_donor": "có nhiều nhà hảo tâm tên {name}; hãy ghi thêm để phân biệt.",
    # opening balances (ledger/opening.py)
    "unknown_account": "không có tài khoản {code} trong hệ thống tài khoản.",
    "not_balance_account": "tài khoản {code} là tài khoản thu hoặc chi, không có số dư đầu kỳ.",
    "deposit_account": "tài khoản {code} là tiền gửi có kỳ hạn hoặc lãi dự thu: hãy ghi khoản tiền gửi đang gửi "
                       "(hợp đồng, ngày gửi, kỳ hạn, lãi suất, lãi dự thu) ở phần tiền gửi của số dư đầu kỳ.",
    "awards_payable": "tài khoản {code} là khen thưởng đã duyệt: hãy nhập thành đợt chi.",
    "no_principal": "quỹ {fund} không có vốn gốc phải bảo toàn.",
    "duplicate_line": "tài khoản này của quỹ này đã có ở dòng {first}.",
    "no_opening_lines": "chưa có dòng số dư nào.",
    # running term deposits brought in by an opening (ledger/opening.py)
    "not_bank": "tài khoản {code} không phải tài khoản ngân hàng (1121.x).",
    "contract_taken": "đã có khoản tiền gửi mang số hợp đồng {contract}.",
    "duplicate_deposit": "hợp đồng {contract} đã có ở khoản tiền gửi {first} của số dư đầu kỳ này.",
    "starts_after_opening": "khoản gửi bắt đầu ngày {start}, sau ngày số dư đầu kỳ {day}: hãy mở nó như một "
                            "khoản tiền gửi mới (quy deposit open).",
    "matured_before_opening": "khoản gửi đã đáo hạn ngày {maturity}, trước ngày số dư đầu kỳ {day}: hãy ghi số "
                              "tiền ngân hàng đã trả vào tài khoản ngân hàng.",
    "unknown_pays": "cách lĩnh lãi là cuối kỳ (maturity) hoặc hằng tháng (monthly).",
    "unknown_rollover": "tái tục là none, principal hoặc principal_interest.",
    "no_shares": "khoản gửi phải thuộc ít nhất một quỹ.",
    "shares_mismatch": "tổng phần của các quỹ ({total} đồng) phải bằng tiền gốc ({principal} đồng).",
    "monthly_accrues_nothing": "khoản gửi lĩnh lãi hằng tháng không có lãi dự thu: Quỹ ghi lãi mỗi tháng khi "
                               "ngân hàng trả.",
    "accrued_too_large": "lãi dự thu lớn hơn lãi cả kỳ hạn ({interest} đồng).",
    # bank statements (ledger/bankstatements.py)
    "not_real_date": "{value} không phải là ngày có thật.",
    "bad_date": "{value} không phải là ngày (dd/mm/yyyy).",
    "fraction_of_dong": "{value} có phần lẻ của đồng; số tiền phải là số nguyên đồng.",
    "bad_amount": "{value} không phải là số tiền.",
    "no_amount": "dòng không có số tiền (ghi nợ hoặc ghi có).",
    "debit_and_credit": "dòng có cả ghi nợ lẫn ghi có.",
    "duplicate_ref": "số tham chiếu {ref} trùng với dòng {line}.",
    "no_header": "không tìm thấy dòng tiêu đề (ngày giao dịch, số tiền) trong 30 dòng đầu; mẫu đã thử: {profiles}.",
    "no_lines": "sao kê không có dòng giao dịch nào.",
    "unsupported_file": "chỉ nhập được tệp .csv, .xlsx, camt.053 (XML) và MT940.",
    "unsafe_xml": "tệp XML có khai báo DTD hoặc thực thể (entity) — sao kê ngân hàng không bao giờ có; "
                  "không đọc tệp này.",
    "not_camt": "tệp XML này không phải sao kê ISO 20022 camt.053.",
    "unreadable_statement": "không đọc được tệp sao kê (XML không hợp lệ hoặc không phải MT940).",
    "wrong_currency": "đơn vị tiền là {currency}, không phải VND.",
    "bad_field": "trường :{tag}: không đọc được ({value}).",
    "bad_side": "CdtDbtInd phải là CRDT (ghi có) hoặc DBIT (ghi nợ), không phải {value}.",
    "unreadable": "không đọc được tệp XLSX.",
}


def row_problem(err: dict) -> str:
    """Return the Vietnamese reason for one bad import row (an entry of ImportFailed's errors)."""
    code, params = err.get("code", "bad_value"), err.get("params") or {}
    if code in _ROW_VI:
        try:
            return _ROW_VI[code].format(**params)
        except (KeyError, IndexError):
            return err["reason"]
    if code in _VI:
        return _text(_VI[code], params, err["reason"])
    return err["reason"]


#: What a bad line of a batch is told, by (field, reason); the field's name first.
_FIELDS_VI = {"full_name": "Họ và tên", "birth_date": "Ngày sinh", "gender": "Giới tính",
              "recipient": "Người nhận", "program": "Chương trình", "fund": "Quỹ", "amount": "Số tiền",
              "item_quantity": "Số lượng", "item_description": "Hiện vật", "earmark": "Khoản ủng hộ theo địa chỉ",
              "reason": "Lý do"}
_LINE_VI = {
    "not_found": "không tìm thấy.",
    "not_in_program": "chương trình này không chi từ quỹ đó.",
    "other_recipient": "khoản ủng hộ theo địa chỉ này dành cho người khác.",
    "other_fund": "khoản ủng hộ theo địa chỉ này thuộc quỹ khác.",
    "above_earmark": "vượt quá số còn lại của khoản ủng hộ theo địa chỉ.",
    "ambiguous_recipient": "có nhiều người nhận cùng tên ({candidates}); hãy chọn đúng người theo số #.",
    "in_kind": "hiện vật không chi từ khoản ủng hộ theo địa chỉ.",
    "required": "bắt buộc.",
    "not_positive": "phải lớn hơn 0.",
    "not_integer": "phải là số nguyên đồng.",
    "too_long": "quá dài.",
    "not_date": "ngày không hợp lệ (dd/mm/yyyy).",
    "in_future": "không được sau hôm nay.",
    "empty": "không được để trống.",
    "unknown_kind": "giá trị không hợp lệ.",
}


def line_problem(p: dict) -> str:
    """A bad line of a batch ({line, field, reason, message}) in Vietnamese."""
    said = _LINE_VI.get(p["reason"], p.get("message", p["reason"]))
    if p["reason"] in _LINE_VI:
        try:
            said = said.format(**p)
        except (KeyError, IndexError):
            said = p.get("message", p["reason"])
    return f"{_FIELDS_VI.get(p['field'], p['field'])}: {said}"


#: What a problem of a beancount file concerns, in Vietnamese (the message itself is beancount's or Quỹ's).
_BEAN_FIELDS_VI = {"beancount": "Beancount", "organization": "Tổ chức", "fund": "Quỹ", "account": "Tài khoản",
                   "currency": "Đơn vị tiền", "price": "Giá vốn", "amount": "Số tiền", "balance": "Cân đối theo quỹ",
                   "seq": "Số thứ tự", "reverses": "Bút toán đảo", "hash": "Mã băm", "pad": "Bút toán pad"}


def bean_problem(p: dict) -> str:
    """One problem of a beancount file ({line, field, message}) for a person: what it concerns, then the text."""
    return f"{_BEAN_FIELDS_VI.get(p['field'], p['field'])}: {p['message']}"
