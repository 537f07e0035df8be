"""The design's one-way layering, checked on the source: a violation is a failing test, not a review note."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "tui"

RULES = [
    ("stream", {"textual", "sqlite3", "sqlite_utils", "tui.app", "tui.history"}),
    ("history", {"textual", "httpx", "tui.app"}),
    ("app", {"httpx", "sqlite3", "sqlite_utils"}),
]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize(("layer", "forbidden"), RULES)
def test_layer_imports(layer, forbidden):
    offenders = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for name in imported_modules(path):
            if any(name == bad or name.startswith(bad + ".") for bad in forbidden):
                offenders.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert offenders == []


def test_httpx_only_in_providers():
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "httpx" in {n.split(".")[0] for n in imported_modules(path)}
        and "providers" not in path.parts
    ]
    assert offenders == []
