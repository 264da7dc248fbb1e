"""The layers hold, read from the source (AST; imports inside functions and under ``if TYPE_CHECKING`` count):
the core imports NumPy and the standard library only, the core and the charts never import the app's layers
(explorer, pages, Streamlit; the core not Plotly either), and no import cycle joins modules of recurrent_core,
charts and explorer."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("recurrent_core", "charts", "explorer")
FORBIDDEN = {
    "recurrent_core": {"explorer", "pages", "streamlit", "plotly", "charts", "pandas", "app"},
    "charts": {"explorer", "pages", "streamlit", "app"},
}


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_of(path: Path, name: str) -> str:
    """The package a relative import in ``path`` (module ``name``) starts from."""
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def imports_of(path: Path, modules: set[str], root: Path = ROOT) -> set[str]:
    """Every module ``path`` imports, anywhere in the file, as dotted names; ``from pkg import name`` counts as
    ``pkg.name`` when that is a module of ``modules``, else as ``pkg``."""
    name = module_name(path, root)
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_of(path, name).split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in modules else target)
    return found


def sources(packages: tuple[str, ...] = PACKAGES, root: Path = ROOT) -> dict[str, Path]:
    return {module_name(p, root): p for pkg in packages for p in sorted((root / pkg).rglob("*.py"))}


def graph(packages: tuple[str, ...] = PACKAGES, root: Path = ROOT) -> dict[str, set[str]]:
    """Module -> the modules of ``packages`` it imports."""
    files = sources(packages, root)
    modules = set(files)
    return {name: imports_of(path, modules, root) & modules for name, path in files.items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first = last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)) is not None:
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)) is not None:
            return cycle
    return None


# ------------------------------------------------------------------------------------------ the detector itself
def test_the_detector_sees_imports_inside_functions_relative_imports_and_cycles(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from .a import f\n")
    (pkg / "a.py").write_text("def f():\n    from . import b\n    return b\n")
    (pkg / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import f\n")
    (pkg / "c.py").write_text("import streamlit\nfrom .sub import d\n")
    (pkg / "sub").mkdir()
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "d.py").write_text("from .. import c\n")
    edges = graph(("pkg",), tmp_path)
    assert edges["pkg"] == {"pkg.a"}
    assert edges["pkg.a"] == {"pkg.b"}  # the import inside f counts
    assert edges["pkg.b"] == {"pkg.a"}  # so does one under TYPE_CHECKING
    assert edges["pkg.sub.d"] == {"pkg.c"}  # two dots: the parent package
    assert "streamlit" in imports_of(pkg / "c.py", set(edges), tmp_path)
    cycle = find_cycle(edges)
    assert cycle is not None and cycle[0] == cycle[-1] and set(cycle) >= {"pkg.a", "pkg.b"}
    assert find_cycle({"x": {"y"}, "y": {"z"}, "z": set()}) is None


# ------------------------------------------------------------------------------------------ the project
# the file-format readers may import their format's library, lazily (inside the function that reads such a file)
LAZY_READERS = {"recurrent_core.io.keras": {"h5py"}, "recurrent_core.io.onnx": {"onnx", "google"}}
# the per-step loops may be compiled with numba (issue 19): in that one module, which only the backend switch
# imports, lazily (without numba the NumPy loops run); and the whole training step, in training/_compiled.py,
# which only compiled_step.py imports, lazily and behind the same switch
COMPILED = {"recurrent_core.cells._compiled": {"numba"}, "recurrent_core.training._compiled": {"numba"}}


def test_the_core_imports_numpy_and_the_standard_library_only():
    files = sources(("recurrent_core",))
    allowed = set(sys.stdlib_module_names) | {"numpy", "recurrent_core"}
    bad = {
        name: sorted(
            m
            for m in imports_of(path, set(files))
            if m.split(".")[0] not in allowed | LAZY_READERS.get(name, set()) | COMPILED.get(name, set())
        )
        for name, path in files.items()
    }
    assert {k: v for k, v in bad.items() if v} == {}


@pytest.mark.parametrize("name", sorted(LAZY_READERS))
def test_the_format_libraries_are_imported_only_inside_functions(name):
    tree = ast.parse(sources(("recurrent_core",))[name].read_text(encoding="utf-8"))
    top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    eager = {alias.name if isinstance(n, ast.Import) else (n.module or "") for n in top for alias in n.names}
    assert not {m for m in eager if m.split(".")[0] in LAZY_READERS[name]}


@pytest.mark.parametrize(
    "module,switch",
    [
        ("recurrent_core.cells._compiled", "recurrent_core.cells.backend"),
        ("recurrent_core.training._compiled", "recurrent_core.training.compiled_step"),
    ],
)
def test_only_the_backend_imports_the_compiled_loops_and_only_inside_a_function(module, switch):
    """Only the switch imports a compiled module, inside a function (the compiled step's module calls the core's
    compiled loops, compiled itself)."""
    files = sources(("recurrent_core",))
    importers = {name for name, path in files.items() if module in imports_of(path, set(files))}
    assert importers - set(COMPILED) == {switch}
    tree = ast.parse(files[switch].read_text(encoding="utf-8"))
    top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    assert not [n for n in top if isinstance(n, ast.ImportFrom) and "_compiled" in {a.name for a in n.names}]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_the_core_and_the_charts_never_import_the_app(package):
    files = sources((package,))
    bad = {
        name: sorted(m for m in imports_of(path, set(files)) if m.split(".")[0] in FORBIDDEN[package])
        for name, path in files.items()
    }
    assert {k: v for k, v in bad.items() if v} == {}


def test_no_import_cycle_among_the_core_the_charts_and_explorer():
    edges = graph()
    assert len(edges) > 40  # every module was read
    assert find_cycle(edges) is None, " -> ".join(find_cycle(edges) or [])


def test_the_core_subpackages_depend_in_one_direction():
    """validate <- cells <- analysis, io <- training; reference reads cells only."""
    rank = {"validate": 0, "cells": 1, "analysis": 2, "io": 2, "training": 3}
    edges = graph(("recurrent_core",))
    wrong = []
    for name, targets in edges.items():
        parts = name.split(".")
        if len(parts) < 2 or parts[1] not in rank:
            continue
        for target in targets:
            tparts = target.split(".")
            if len(tparts) >= 2 and tparts[1] in rank and rank[tparts[1]] > rank[parts[1]]:
                wrong.append(f"{name} -> {target}")
            if len(tparts) == 1:
                wrong.append(f"{name} -> {target} (the package root)")
    assert wrong == []


# explorer's own rules: Streamlit only in UI modules; the shared part and the page families stay apart
FAMILIES = ("flow", "remedies", "lab", "model", "theory")
EXPLORER = sources(("explorer",))


def is_ui(path: Path) -> bool:
    return path.name == "ui.py" or path == ROOT / "explorer" / "compat.py"


def imports_streamlit(path: Path) -> bool:
    return any(m.split(".")[0] == "streamlit" for m in imports_of(path, set(EXPLORER)))


def test_the_rules_see_the_imports_they_judge():
    assert imports_streamlit(ROOT / "explorer" / "shared" / "ui.py")
    assert imports_streamlit(ROOT / "explorer" / "flow" / "ui.py")
    assert "explorer.shared.controls" in imports_of(ROOT / "explorer" / "flow" / "data.py", set(EXPLORER))


@pytest.mark.parametrize("name", sorted(EXPLORER))
def test_only_ui_modules_import_streamlit(name):
    path = EXPLORER[name]
    if not is_ui(path):
        assert not imports_streamlit(path), f"{name} imports streamlit: move that code to a ui.py"


@pytest.mark.parametrize("name", sorted(EXPLORER))
def test_shared_imports_no_family_and_a_family_no_other(name):
    parts = name.split(".")
    own = parts[1] if len(parts) > 2 else None
    families = {
        m.split(".")[1] for m in imports_of(EXPLORER[name], set(EXPLORER)) if m.split(".")[:1] == ["explorer"]
    } & set(FAMILIES)
    if own == "shared":
        assert not families, families
    elif own in FAMILIES:
        assert families <= {own}, families
