"""The layout's rules, read from the import statements of explorer/ and charts/ (every import, at module level or
inside a function):

- Streamlit is imported only by UI modules: files named ``ui.py`` and ``explorer/compat.py`` (Streamlit's internals);
- charts/ import neither Streamlit nor explorer; explorer/shared/ imports no page family; a page family imports no
  other family;
- no import cycle among the modules of explorer/ and charts/.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FAMILIES = ("flow", "remedies", "lab", "model", "theory")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, absolute (``from . import x`` gives ``package.x`` and ``package``)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                base_name = ".".join(base + ([node.module] if node.module else []))
            else:
                base_name = node.module or ""
            out.add(base_name)
            out.update(f"{base_name}.{a.name}" for a in node.names)
    return out


def sources(*packages: str) -> list[Path]:
    return sorted(p for pkg in packages for p in (ROOT / pkg).rglob("*.py"))


def is_ui(path: Path) -> bool:
    return path.name == "ui.py" or path == ROOT / "explorer" / "compat.py"


def imports_streamlit(path: Path) -> bool:
    return any(m == "streamlit" or m.startswith("streamlit.") for m in imports(path))


def test_the_rules_see_the_imports_they_judge():
    """The reader itself: it finds Streamlit in the UI modules and relative imports as absolute names."""
    assert imports_streamlit(ROOT / "explorer" / "shared" / "ui.py")
    assert imports_streamlit(ROOT / "explorer" / "flow" / "ui.py")
    assert "explorer.shared.controls" in imports(ROOT / "explorer" / "flow" / "data.py")
    assert "explorer.flow.data" in imports(ROOT / "explorer" / "flow" / "claims.py")


@pytest.mark.parametrize("path", sources("explorer"), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_ui_modules_import_streamlit(path):
    if not is_ui(path):
        assert not imports_streamlit(path), f"{path.relative_to(ROOT)} imports streamlit: move that code to a ui.py"


@pytest.mark.parametrize("path", sources("charts"), ids=lambda p: str(p.relative_to(ROOT)))
def test_charts_import_neither_streamlit_nor_explorer(path):
    bad = {m for m in imports(path) if m.split(".")[0] in ("streamlit", "explorer")}
    assert not bad, bad


@pytest.mark.parametrize("path", sources("explorer"), ids=lambda p: str(p.relative_to(ROOT)))
def test_shared_imports_no_family_and_a_family_no_other(path):
    parts = path.relative_to(ROOT / "explorer").parts
    own = parts[0] if len(parts) > 1 else None
    families = {m.split(".")[1] for m in imports(path) if m.startswith("explorer.") and m.split(".")[1] in FAMILIES}
    if own == "shared":
        assert not families, families
    elif own in FAMILIES:
        assert families <= {own}, families


def test_no_import_cycle_in_explorer_and_charts():
    paths = sources("explorer", "charts")
    names = {module_name(p) for p in paths}
    graph = {module_name(p): {m for m in imports(p) if m in names and m != module_name(p)} for p in paths}
    # a module's own package __init__ is imported first by Python anyway: not an edge of the layout
    graph = {m: {d for d in deps if not m.startswith(d + ".")} for m, deps in graph.items()}
    state: dict[str, int] = {}

    def visit(m: str, trail: list[str]) -> None:
        state[m] = 1
        for d in sorted(graph[m]):
            if state.get(d) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*trail[trail.index(d) :], d]))
            if d not in state:
                visit(d, [*trail, d])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
