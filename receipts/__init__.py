"""Documents: receipts, thank-you letters, the gold book (PDF via weasyprint)."""
