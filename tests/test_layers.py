"""The layers of DESIGN.md, enforced from one list.

The domain (``catalogue``) knows nothing of the apps built on it or of the payment
provider; the portals and the home page never talk to Dodo. And only ``dodo`` reads
Dodo's tables: pages elsewhere that show a product's sync state ask the product sync
provider (``catalogue.extensions``), which ``dodo`` implements, never the
``dodo_product`` / ``dodo_customer`` relations the dodo models add to ours.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: app -> the apps it must never import.
FORBIDDEN_IMPORTS = {
    "catalogue": ("dodo", "accounts", "seller_portal"),
    "accounts": ("dodo",),
    "seller_portal": ("dodo",),
    "home": ("dodo",),
}

# The reverse relations dodo's models add to users and product pages, and the tables.
DODO_RELATIONS = re.compile(r"\bdodo_(product|products|customer|customers|webhookevent|apihealth)\b")


def _imports(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module or ""


def _sources(app, *suffixes):
    for path in sorted((ROOT / app).rglob("*")):
        if path.suffix in suffixes and "migrations" not in path.parts:
            yield path


@pytest.mark.parametrize(("app", "forbidden"), FORBIDDEN_IMPORTS.items())
def test_no_app_imports_what_its_layer_forbids(app, forbidden):
    offenders = sorted(
        f"{path.relative_to(ROOT)}: {module}"
        for path in _sources(app, ".py")
        for module in _imports(path)
        if module.split(".")[0] in forbidden
    )
    assert offenders == []


def test_only_dodo_reads_dodos_tables():
    places = [path for app in ("catalogue", "accounts", "seller_portal", "home") for path in _sources(app, ".py", ".html")]
    places += list((ROOT / "templates").rglob("*.html"))
    offenders = sorted(
        f"{path.relative_to(ROOT)}:{number}"
        for path in places
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if DODO_RELATIONS.search(line)
    )
    assert offenders == []


def test_the_layer_list_names_real_apps():
    for app, forbidden in FORBIDDEN_IMPORTS.items():
        for name in (app, *forbidden):
            assert (ROOT / name / "apps.py").exists(), name
