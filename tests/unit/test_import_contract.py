"""The house's import contract, run in ``make test``: ``lint-imports`` over ``[tool.importlinter]`` in
pyproject.toml (the faces above the documents above the figures above the core; no circle among the
modules of any package; the three faces, and each face's feature modules, independent), plus two rules a
contract type cannot say:

* no module of the core (``ledger/`` outside ``ledger.services`` and ``ledger.ops``) imports the use cases
  or the operations: they sit on top of it;
* an import inside a function needs a comment on its line or the line above saying why (a slow import
  taken only when needed, an optional library): hidden imports hide the real dependencies.

A violation added to a temporary copy of the tree makes each check fail, naming it.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("ledger", "books", "receipts", "web")
LINT = Path(sys.executable).with_name("lint-imports")
ON_TOP = ("ledger.services", "ledger.ops")


def lint(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT), "--no-cache"], cwd=root, env=env, capture_output=True, text=True)


UPWARD = """
import grimp
graph = grimp.build_graph("ledger", cache_dir=None)
for module in sorted(graph.modules):
    if module.startswith(ON_TOP) or module.startswith("ledger.migrations"):
        continue
    for imported in sorted(graph.find_modules_directly_imported_by(module)):
        if imported.startswith(ON_TOP):
            print(f"{module} -> {imported}")
"""


def upward_calls(root: Path) -> list[str]:
    """``core module -> ledger.services…/ledger.ops…`` for every import from the core up (read in a
    process of its own, so the tree at ``root`` is the ``ledger`` it finds)."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    p = subprocess.run([sys.executable, "-c", f"ON_TOP = {ON_TOP!r}\n" + UPWARD], cwd=root, env=env,
                       capture_output=True, text=True, check=True)
    return p.stdout.split("\n")[:-1] if p.stdout else []


def explained(lines: list[str], lineno: int) -> bool:
    """A comment on the import's line, or above the run of imports it stands in."""
    if "#" in lines[lineno - 1]:
        return True
    i = lineno - 2
    while i >= 0 and lines[i].strip().startswith(("import ", "from ")):
        i -= 1
    return i >= 0 and lines[i].strip().startswith("#")


def hidden_imports(root: Path) -> list[str]:
    """``path:line`` of every import inside a function that no comment explains."""
    out = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            lines = path.read_text(encoding="utf-8").splitlines()
            tree = ast.parse("\n".join(lines), str(path))
            for fn in ast.walk(tree):
                if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for node in ast.walk(fn):
                    if isinstance(node, ast.Import | ast.ImportFrom) and not explained(lines, node.lineno):
                        out.append(f"{path.relative_to(root)}:{node.lineno}")
    return sorted(set(out))


def copy_tree(tmp: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp / package, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy(ROOT / "pyproject.toml", tmp / "pyproject.toml")
    return tmp


def test_the_import_contracts_hold():
    p = lint(ROOT)
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-2000:]
    assert "Contracts: 6 kept, 0 broken." in p.stdout


def test_the_core_never_imports_the_use_cases_or_the_operations():
    assert upward_calls(ROOT) == []


def test_no_import_inside_a_function_without_a_reason():
    assert hidden_imports(ROOT) == []


@pytest.mark.parametrize("where, line, named", [
    ("ledger/money.py", "import web.app  # noqa: F401", "ledger.money -> web.app"),
    ("books/names.py", "import receipts.words  # noqa: F401", "books.names -> receipts.words"),
    ("ledger/errors.py", "from ledger import audit  # noqa: F401", "No cycles are allowed in ledger"),
    ("web/pages/bank.py", "from web.pages import books as _books  # noqa: F401",
     "web.pages.bank is not allowed to import web.pages.books"),
    ("web/api/orgs.py", "from web.cli import common as _cli  # noqa: F401", "web.api is not allowed to import web.cli"),
])
def test_a_new_violation_breaks_the_contract(tmp_path, where, line, named):
    root = copy_tree(tmp_path)
    with (root / where).open("a", encoding="utf-8") as f:
        f.write("\n" + line + "\n")
    p = lint(root)
    assert p.returncode != 0 and named in p.stdout, p.stdout[-3000:]


def test_a_core_import_of_the_use_cases_or_a_hidden_import_is_named(tmp_path):
    root = copy_tree(tmp_path)
    with (root / "ledger/money.py").open("a", encoding="utf-8") as f:
        f.write("\n\ndef _sneak():\n    from ledger import services\n    return services\n")
    assert "ledger.money -> ledger.services" in upward_calls(root)
    assert "ledger/money.py" in " ".join(hidden_imports(root))
