"""The treasurer's desk from the shell: ``quy donor list --search`` finds a donor by part of the name with or
without diacritics, and ``quy donation list`` searches and filters the donations as the web page does."""

from __future__ import annotations

import json

from .test_cli import run


def test_the_shell_finds_a_donor_and_their_gifts_by_part_of_the_name_a_receipt_or_a_filter(tmp_path):
    url = f"sqlite:///{tmp_path / 'quy.sqlite3'}"
    run(url, "demo", "--campaign-only")
    cash = json.loads(run(url, "donate", "--fund", "TOHIEU", "--amount", "1.500.000", "--donor", "Lừ Thị Nguyệt Quế",
                          "--date", "2025-07-14", "--json").stdout)
    bank = json.loads(run(url, "donate", "--fund", "KHT", "--amount", "25000000", "--donor", "Lừ Thị Nguyệt Quế",
                          "--kind", "transfer", "--bank", "1121.BIDV", "--reference", "FT25196XQ",
                          "--date", "2025-07-15", "--json").stdout)
    donors = json.loads(run(url, "donor", "list", "--search", "nguyet que", "--json").stdout)
    assert [d["name"] for d in donors] == ["Lừ Thị Nguyệt Quế"] and donors[0]["id"] == cash["donor_id"]

    def listed(*args: str) -> list[int]:
        return [d["id"] for d in json.loads(run(url, "donation", "list", *args, "--json").stdout)]

    assert listed("--search", "nguyet que") == [bank["donation_id"], cash["donation_id"]]  # newest first
    assert listed("--search", bank["receipt"]) == [bank["donation_id"]]
    assert listed("--search", "FT25196") == [bank["donation_id"]]
    assert listed("--from", "2025-07-14", "--to", "2025-07-15", "--fund", "TOHIEU") == [cash["donation_id"]]
    assert listed("--from", "2025-07-01", "--kind", "transfer", "--min-amount", "20.000.000") \
        == [bank["donation_id"]]
    assert listed("--donor-id", str(cash["donor_id"]), "--max-amount", "2000000") == [cash["donation_id"]]
    out = json.loads(run(url, "donation", "list", "--search", cash["receipt"], "--json").stdout)
    assert out[0]["receipts"] == [cash["receipt"]] and out[0]["amount"] == 1_500_000
    bad = run(url, "donation", "list", "--min-amount", "1,5", ok=False)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
