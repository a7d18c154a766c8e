"""The ``quy`` command line: set-up, donations, imports, balances, the journal, locking and verifying.

Each command parses its options, calls one function of ``ledger.services`` (or a read), and prints
the result. Errors print a Vietnamese message with the machine code and exit with status 2.

This is the one place the commands are registered: the root group ``main`` is built here, and every feature
module lists its commands in ``COMMANDS`` (added to ``main``) and, for a group another module owns (``org``,
``report``), in ``SUBCOMMANDS`` (added to that group). A feature module imports ``common`` only, never
another feature module nor this package.
"""

from __future__ import annotations

import click

from . import (
    bank,
    books,
    config,
    deposits,
    disbursements,
    documents,
    donations,
    expenses,
    journal,
    opening,
    ops,
    orgs,
    proofs,
    regimes,
    reported,
    users,
)
from .common import Ctx, QuyGroup

__all__ = ["Ctx", "main"]

FEATURES = (ops, orgs, donations, journal, users, bank, books, config, deposits, disbursements, documents, opening,
            regimes, expenses, reported, proofs)


@click.group(cls=QuyGroup)
@click.option("--database", envvar="QUY_DATABASE_URL", default=None,
              help="Database URL (default: sqlite:///instance/quy.sqlite3).")
@click.option("--user", envvar="QUY_USER", default=None, help="Who is acting (recorded in the journal).")
@click.pass_context
def main(ctx: click.Context, database: str | None, user: str | None) -> None:
    """Quỹ: sổ kế toán kép cho Hội Khuyến học và các quỹ học bổng."""
    ctx.obj = Ctx(database, user)


def _register() -> None:
    for feature in FEATURES:
        for command in feature.COMMANDS:
            if command.name in main.commands:
                raise RuntimeError(f"two commands named {command.name!r} ({feature.__name__})")
            main.add_command(command)
    for feature in FEATURES:
        for group_name, commands in getattr(feature, "SUBCOMMANDS", {}).items():
            group = main.commands[group_name]
            for command in commands:
                if command.name in group.commands:
                    raise RuntimeError(f"two commands named {group_name} {command.name!r} ({feature.__name__})")
                group.add_command(command)


_register()
