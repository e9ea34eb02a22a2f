"""The one-way flow of imports (docs/architecture.md), checked on the code as it is.

The contracts live in pyproject.toml (import-linter): front ends → core → Docker, no notebook or server framework
in the core, nothing from the host side in the runtime. On top of import-linter's sibling check, no two modules may
import each other through any chain at all — imports inside functions included, since grimp reads every import
statement in a module.
"""

from __future__ import annotations

import sys
from pathlib import Path

import grimp
import pytest
from importlinter.application.use_cases import SUCCESS, lint_imports
from importlinter.configuration import configure

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def package_on_path():
    """Analyse this tree's package, whatever copy is installed."""
    sys.path.insert(0, str(REPO))
    yield
    sys.path.remove(str(REPO))


def test_import_linter_contracts_hold(package_on_path, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    configure()
    result = lint_imports(config_filename=str(REPO / "pyproject.toml"), cache_dir=None, no_logo=True)
    report = capsys.readouterr().out
    assert "0 broken" in report and result == SUCCESS, report


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_two_modules_import_each_other(package_on_path):
    graph = grimp.build_graph("jupyter_deploy", cache_dir=None)
    assert "jupyter_deploy.deploy.flow" in graph.modules  # this tree's layout, not an older installed copy
    cycles = _cycles(graph)
    assert not cycles, f"import cycles (counting imports inside functions): {cycles}"


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for module in ("pkg", "pkg.a", "pkg.b", "pkg.c"):
        graph.add_module(module)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.c")
    graph.add_import(importer="pkg.c", imported="pkg.a")
    assert _cycles(graph) == [["pkg.a", "pkg.b", "pkg.c"]]
