"""The layout holds (docs/architecture.md, "Which app may import which"), read from the code with ``ast``:

- core is machinery that knows no domain: no module of core imports a domain app or the project's wiring
  (``duikou/api.py``, ``urls.py``, ``views.py``, ``seeding.py``). Test code (``core/tests/``, the test helpers)
  may: it builds its scenes from every app's seeded data.
- No module imports another app's private name (``from duikou.x.y import _name``, or a ``_module`` of another app):
  what a second app needs is made public, in core when it is shared machinery.
- No file-level import cycle, counting the imports made inside functions too.

A failure names the file, the line and the import.
"""

import ast
import functools
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import duikou

PACKAGE = Path(duikou.__file__).parent
DOMAIN = {
    "audit",
    "geo",
    "policy",
    "pairings",
    "plans",
    "projects",
    "indicators",
    "evaluation",
    "monitoring",
    "markets",
    "secondments",
    "notifications",
}
WIRING = {
    "api",
    "urls",
    "views",
    "seeding",
    "settings",
    "wsgi",
    "cli",
    "apps",
    "management",
    "testing",
    "permission_matrix",
}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. duikou.monitoring.reports
    path: Path
    line: int
    target: str  # the imported module, e.g. duikou.evaluation.documents
    name: str | None  # the imported name (from ... import name), None for "import x"

    def __str__(self) -> str:
        what = f"from {self.target} import {self.name}" if self.name else f"import {self.target}"
        file = self.module.replace(".", "/") + ("/__init__.py" if self.path.name == "__init__.py" else ".py")
        return f"{file}:{self.line}: {what}"


def modules(package: Path = PACKAGE) -> dict[str, Path]:
    """Module name → file of every module of the package (migrations aside)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        if "migrations" not in path.parts:
            parts = list(path.relative_to(package.parent).with_suffix("").parts)
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(found: dict[str, Path]) -> list[Import]:
    """Every import of a duikou module, at the top of a file or inside a function, relative ones resolved."""
    result = []
    for module, path in found.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                pairs = [(alias.name, None) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join(parent + ([base] if base else []))
                pairs = [(base, alias.name) for alias in node.names]
            else:
                continue
            result += [
                Import(module, path, node.lineno, target, name)
                for target, name in pairs
                if target == "duikou" or target.startswith("duikou.")
            ]
    return result


def app_of(module: str) -> str:
    """The app a module belongs to (duikou.markets.labour → markets); the project's own modules → their name."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def imported_module(item: Import, found: dict[str, Path]) -> str | None:
    """The file an import loads: the submodule it names (``from duikou.core import pii``), else the module."""
    if item.name and f"{item.target}.{item.name}" in found:
        return f"{item.target}.{item.name}"
    target = item.target
    while target not in found and "." in target:
        target = target.rpartition(".")[0]
    return target if target in found else None


def is_test_code(module: str) -> bool:
    parts = module.split(".")
    return "tests" in parts or parts[-1] in ("testing", "conftest") or parts[-1].endswith("_testing")


def core_violations(found: dict[str, Path], items: list[Import]) -> list[str]:
    bad = []
    for item in items:
        if app_of(item.module) != "core" or is_test_code(item.module):
            continue
        target = imported_module(item, found) or item.target
        if app_of(target) in DOMAIN or (target.count(".") == 1 and app_of(target) in WIRING):
            bad.append(f"core imports {app_of(target)}: {item}")
    return bad


def private_violations(found: dict[str, Path], items: list[Import]) -> list[str]:
    bad = []
    for item in items:
        target = imported_module(item, found) or item.target
        if app_of(target) == app_of(item.module) or not app_of(target):
            continue
        names = target.split(".")[2:] + ([item.name] if item.name and item.name != target.rpartition(".")[2] else [])
        private = [n for n in names if n.startswith("_") and not n.startswith("__")]
        if private:
            bad.append(f"{app_of(item.module) or 'duikou'} imports {app_of(target)}'s private {private[-1]}: {item}")
    return bad


def cycles(found: dict[str, Path], items: list[Import]) -> list[str]:
    """Each group of modules that import one another, round and round (Tarjan's strongly connected components),
    with the imports that close it."""
    edges: dict[str, dict[str, Import]] = defaultdict(dict)
    for item in items:
        target = imported_module(item, found)
        if target and target != item.module:
            edges[item.module].setdefault(target, item)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:  # iterative: the module graph is deep enough to trouble the recursion limit
        work = [(node, iter(sorted(edges[node])))]
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        while work:
            current, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[current])
                if low[current] == index[current]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == current:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(edges[child]))))
            elif child in on_stack:
                low[current] = min(low[current], index[child])

    for node in sorted(found):
        if node not in index:
            visit(node)
    return [
        "import cycle:\n  " + "\n  ".join(str(edges[a][b]) for a in group for b in sorted(edges[a]) if b in group)
        for group in groups
    ]


@functools.cache
def project() -> tuple[dict[str, Path], list[Import]]:
    """duikou's modules and their imports, read once for all the tests here."""
    found = modules()
    return found, imports(found)


def test_core_imports_no_domain_app_and_not_the_wiring():
    bad = core_violations(*project())
    assert not bad, "\n".join(bad)


def test_no_module_imports_another_apps_private_name():
    bad = private_violations(*project())
    assert not bad, "\n".join(bad)


def test_no_file_level_import_cycle():
    bad = cycles(*project())
    assert not bad, "\n".join(bad)


def test_the_guard_sees_each_kind_of_violation(tmp_path):
    """Planted in a copy of a small tree, each violation is found and named, a lazy import included."""
    tree = tmp_path / "duikou"
    for folder in ("core", "geo", "markets"):
        (tree / folder).mkdir(parents=True)
        (tree / folder / "__init__.py").write_text("")
    (tree / "__init__.py").write_text("")
    (tree / "core" / "tables.py").write_text("def f():\n    from duikou.geo.models import Region\n")
    (tree / "geo" / "models.py").write_text("from duikou.core import tables\n")
    (tree / "markets" / "views.py").write_text("from duikou.geo.models import _centres\n")

    found = modules(tree)
    items = imports(found)
    assert core_violations(found, items) == [
        "core imports geo: duikou/core/tables.py:2: from duikou.geo.models import Region"
    ]
    assert private_violations(found, items) == [
        "markets imports geo's private _centres: duikou/markets/views.py:1: from duikou.geo.models import _centres"
    ]
    assert cycles(found, items) == [
        "import cycle:\n  duikou/core/tables.py:2: from duikou.geo.models import Region"
        "\n  duikou/geo/models.py:1: from duikou.core import tables"
    ]
