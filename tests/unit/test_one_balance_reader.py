"""One balance reader: no module but ``ledger/balances.py`` sums postings (or the cached balances), so
that two reports cannot disagree. Scans the source of ledger/, books/, receipts/ and web/: a function
that names the ``postings`` or ``balances`` table and sums (SQL ``sum(``, ``func.sum(``, or Python
``sum(``/``+=`` over the rows) must be one of the few allowed below, each with its reason."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("ledger", "books", "receipts", "web")
READER = "ledger/balances.py"

#: (where, function) → why it may sum postings. ``where``: a path from the root (a prefix: "ledger/journal"
#: is the module and the package it becomes) or a file's name (wherever it moves); function "*": any.
ALLOWED = {
    # the database guards: a new transaction must balance per fund (SPEC rule 1), checked by the database
    ("ledger/journal/guards.py", "*"): "the guards that refuse an unbalanced transaction",
    ("ledger/journal", "post"): "the journal adds its own entries' lines to the cached balances it writes",
    ("ledger/journal", "_pg_chain_sql"): "the journal's own check that each transaction balances per fund",
    # a printed listing's footer is the total of the lines it printed, counted as they stream out
    ("books/registers.py", "journal_register"): "the footer of the lines the register prints",
}

#: The tables the reader owns, named through the schema module or in SQL text.
_TABLES = re.compile(r"\b(?:s|schema)\.(?:postings|balances)\b")
_SQL_TABLES = re.compile(r"\b(?:FROM|JOIN)\s+(?:postings|balances)\b", re.I)
_SQL_SUM = re.compile(r"\bsum\s*\(", re.I)


def _allowed(rel: str, name: str) -> bool:
    return any((rel.startswith(where) or Path(rel).name == where) and fn in ("*", name)
               for where, fn in ALLOWED)


def _scopes(tree: ast.Module):
    """The module's own statements (outside functions), then every outermost function or method."""
    yield "<module>", [n for n in tree.body if not isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef
                                                              | ast.ClassDef)]
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef | ast.Module):
            for child in node.body:
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                    yield child.name, [child]


def _aliases(nodes, text: str) -> set[str]:
    """Names bound to the postings or balances table (``p, b = s.postings, s.balances``, ``p2 = ….alias()``)."""
    names = set()
    for node in (n for top in nodes for n in ast.walk(top)):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            pairs = (zip(target.elts, node.value.elts, strict=False)
                     if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple) else [(target, node.value)])
            for t, v in pairs:
                if isinstance(t, ast.Name) and _TABLES.search(ast.unparse(v)):
                    names.add(t.id)
    return names


def _sums(nodes, text: str) -> bool:
    """Whether the code sums postings: ``func.sum(`` over the tables, SQL text summing them, or a Python
    ``sum(``/``+=`` where the tables are read."""
    lines = text.splitlines()
    src = "\n".join("\n".join(lines[n.lineno - 1:n.end_lineno]) for n in nodes)
    tables = _aliases(nodes, text)
    for node in (n for top in nodes for n in ast.walk(top)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _SQL_TABLES.search(node.value) and _SQL_SUM.search(node.value):
                return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "sum":
            arg = " ".join(ast.unparse(a) for a in node.args)
            if _TABLES.search(arg) or any(re.search(rf"\b{re.escape(t)}\.c\.", arg) for t in tables):
                return True
    if not _TABLES.search(src):
        return False
    return any((isinstance(n, ast.AugAssign) and isinstance(n.op, ast.Add | ast.Sub)
                and not isinstance(n.value, ast.List | ast.ListComp | ast.Tuple | ast.Constant))
               or (isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "sum")
               for top in nodes for n in ast.walk(top))


def offenders(root: Path = ROOT) -> list[str]:
    out = []
    for pkg in PACKAGES:
        for path in sorted((root / pkg).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if rel == READER or "/migrations/" in rel:  # migrations are history, written once
                continue
            text = path.read_text(encoding="utf-8")
            tree = ast.parse(text)
            for name, nodes in _scopes(tree):
                if not _allowed(rel, name) and _sums(nodes, text):
                    out.append(f"{rel}:{nodes[0].lineno if nodes else 0} {name}")
    return out


def test_only_the_balance_reader_sums_postings():
    assert offenders() == [], "sum postings through ledger/balances.py (sums, total, movements, cached, …)"


def test_the_scan_sees_a_sum(tmp_path):
    (tmp_path / "books").mkdir()
    (tmp_path / "books" / "x.py").write_text(
        "import sqlalchemy as sa\nfrom ledger import schema as s\n\n\n"
        "def f(conn):\n    p, t = s.postings, s.transactions\n    return sa.select(sa.func.sum(p.c.amount))\n\n\n"
        "def g(conn):\n    return conn.exec_driver_sql('SELECT sum(amount) FROM balances')\n\n\n"
        "def h(conn):\n    return sum(r.amount for r in conn.execute(sa.select(s.postings)))\n\n\n"
        "def ok(conn):\n    d, p = s.donations, s.postings\n    return sa.select(sa.func.sum(d.c.amount))\n")
    for pkg in ("ledger", "receipts", "web"):
        (tmp_path / pkg).mkdir()
    assert offenders(tmp_path) == ["books/x.py:5 f", "books/x.py:10 g", "books/x.py:14 h"]
