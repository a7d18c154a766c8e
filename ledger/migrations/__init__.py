"""Alembic migrations of Quỹ's schema (run with ``quy init`` / ``quy upgrade``)."""
