"""The seller portal never talks to Dodo: it imports nothing from ``dodo``.

Products reach Dodo through the signals the portal's Wagtail calls send (DESIGN.md);
the sync state is read through ``page.dodo_product``, a relation the dodo app adds.
"""

import ast
from pathlib import Path

import seller_portal

PACKAGE = Path(seller_portal.__file__).resolve().parent


def _imported_modules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module or ""


def test_the_seller_portal_imports_nothing_from_dodo():
    offenders = {
        str(path.relative_to(PACKAGE)): module
        for path in PACKAGE.rglob("*.py")
        for module in _imported_modules(path)
        if module == "dodo" or module.startswith("dodo.")
    }
    assert offenders == {}
