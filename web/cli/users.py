"""``quy`` commands for people: users and their roles per organization, and API tokens."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Callable

import click

from ledger import orgs, services, users

from .common import Ctx, _out, json_out


def login_role_args(f):
    """The arguments LOGIN and ROLE@ORG; the command gets ``login`` and ``role_at_org`` as ``(role, org code)``."""
    return click.argument("login")(click.argument("role_at_org", metavar="ROLE@ORG", callback=_role_at)(f))


def _role_at(_ctx, _param, value: str) -> tuple[str, str]:
    role, _, org_code = value.partition("@")
    return role, org_code


@click.group("user")
def user_group() -> None:
    """Users and their roles (admin, treasurer, council, auditor) per organization."""


@user_group.command("add")
@click.argument("login")
@click.option("--name", required=True, help="Full name.")
@click.option("--role", "roles", multiple=True, metavar="ROLE@ORG",
              help="A role in an organization, e.g. admin@SLA (repeatable).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_obj
def user_add(c: Ctx, login: str, name: str, roles: tuple[str, ...], password_stdin: bool) -> None:
    """Create a user (the first administrator, say); prints a generated password unless one is given."""
    pairs = []
    for r in roles:
        role, _, org_code = r.partition("@")
        if not org_code:
            raise click.UsageError(f"--role {r!r}: write ROLE@ORG, e.g. admin@SLA")
        pairs.append((org_code, role))
    password = sys.stdin.readline().rstrip("\n") if password_stdin else secrets.token_urlsafe(12)
    r = services.add_user(c.db, login=login, name=name, password=password, roles=pairs, user=c.user)
    click.echo(f"User {r['login']} created (id {r['id']}).")
    if not password_stdin:
        click.echo(f"Password: {password}")


@user_group.command("list")
@click.option("--org", "org", default=None, help="Only users with a role in this organization.")
@json_out
def user_list(c: Ctx, org: str | None, as_json: bool) -> None:
    with c.db.read() as conn:
        rows = users.list_users(conn, orgs.org_id_by_code(conn, org) if org else None)
    _out([{"login": u.login, "name": u.name, "active": u.active,
           "roles": [f"{r}@{o}" for o, r in pairs]} for u, pairs in rows], as_json,
         "\n".join(f"{u.login:<14} {u.name:<28} {', '.join(f'{r}@{o}' for o, r in pairs)}"
                   for u, pairs in rows))


@user_group.command("grant")
@login_role_args
@click.pass_obj
def user_grant(c: Ctx, login: str, role_at_org: tuple[str, str]) -> None:
    _change_role(c, services.grant_role, login, role_at_org, "{login}: {role} in {org}.")


@user_group.command("revoke")
@login_role_args
@click.pass_obj
def user_revoke(c: Ctx, login: str, role_at_org: tuple[str, str]) -> None:
    _change_role(c, services.revoke_role, login, role_at_org, "{login}: no longer {role} in {org}.")


def _change_role(c: Ctx, change: Callable, login: str, role_at_org: tuple[str, str], done: str) -> None:
    """Grant or revoke (``change``) a user's role in an organization, and say so (``done``)."""
    role, org_code = role_at_org
    change(c.db, login, org_code, role, user=c.user)
    click.echo(done.format(login=login, role=role, org=org_code))


@click.group()
def token() -> None:
    """API tokens, each scoped to one organization and one role."""


@token.command("create")
@login_role_args
@click.option("--name", default="", help="What the token is for.")
@click.option("--days", type=int, default=None, help="How many days it lives (default QUY_TOKEN_DAYS, 90).")
@click.pass_obj
def token_create(c: Ctx, login: str, role_at_org: tuple[str, str], name: str, days: int | None) -> None:
    """Create an API token (printed once: only its digest is kept)."""
    role, org_code = role_at_org
    r = services.create_token(c.db, login, org_code, role, name=name, days=days, user=c.user)
    click.echo(r["token"])
    click.echo(f"expires {r['expires_at']}", err=True)


@token.command("list")
@click.option("--login", default=None, help="Only this user's tokens.")
@click.option("--org", "org", default=None, help="Only tokens of this organization (default: all).")
@json_out
def token_list(c: Ctx, login: str | None, org: str | None, as_json: bool) -> None:
    """List API tokens (never their text: the first characters only) with expiry and state."""
    rows = services.list_tokens(c.db, login=login, org_code=org)
    _out(rows, as_json, "\n".join(
        f"{r['id']:>5} {r['prefix']}… {r['login']:<14} {r['role']}@{r['org']:<10} {r['state']:<12} "
        f"expires {r['expires_at'][:10]}  {r['name']}" for r in rows))


@token.command("revoke")
@click.argument("token_id", type=int, metavar="ID")
@click.pass_obj
def token_revoke(c: Ctx, token_id: int) -> None:
    """Revoke an API token for good (its id from `quy token list`)."""
    if services.revoke_token(c.db, token_id, user=c.user):
        click.echo(f"Token {token_id} revoked.")
    else:
        click.echo(f"Token {token_id} was already dead.")


COMMANDS = [user_group, token]
