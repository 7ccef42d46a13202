"""The shape of the code: apps import each other one way only, and every third-party
package the code imports is declared in pyproject.toml.

Both read the source with `ast` (nothing is imported), so a lazy import inside a function
counts as much as one at the top of a module. See docs/architecture.md for the layers.
"""

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ["accounts", "skills", "chats", "labs", "memory", "documents", "notifications", "interop",
        "sharing", "telegram_bot", "config"]
BASE = {"accounts", "chats"}
FEATURES = {"documents", "memory", "notifications", "interop", "sharing", "telegram_bot"}

# Which app may import which (docs/architecture.md). `config` is the top: the shell,
# settings and URLs may import any app, and no app imports `config`.
ALLOWED = {
    "accounts": set(),
    "skills": {"accounts"},
    "chats": {"accounts", "skills"},
    "labs": {"accounts", "skills", "chats"},
    "memory": {"accounts", "skills", "chats", "labs"},
    "documents": {"accounts", "skills", "chats", "labs", "memory"},
    "notifications": {"accounts", "skills", "chats", "labs", "memory", "documents"},
    "interop": {"accounts", "skills", "chats", "labs", "memory", "documents"},
    "sharing": {"accounts", "skills", "chats", "labs", "memory", "documents"},
    "telegram_bot": {"accounts", "skills", "chats", "labs", "memory", "documents", "notifications"},
    "config": set(APPS) - {"config"},
}


def _is_test(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    return "tests" in parts or path.name == "conftest.py"


def app_modules():
    """(path, dotted name) of every module of the apps: not tests, not migrations."""
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if _is_test(path) or "migrations" in parts:
                continue
            name = ".".join(parts)
            yield path, name.removesuffix(".__init__")


def _origin(node: ast.ImportFrom, package: str) -> str:
    """The absolute module a `from … import` statement reads from."""
    if not node.level:
        return node.module
    base = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def _package(path: Path, module: str) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def imported_names(path: Path, module: str):
    """Absolute dotted names of everything the module imports (relative ones resolved)."""
    package = _package(path, module)
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield _origin(node, package)


def app_graph() -> dict[tuple[str, str], set[str]]:
    """(importing app, imported app) -> the modules that make that edge."""
    edges: dict[tuple[str, str], set[str]] = {}
    for path, module in app_modules():
        source = module.split(".")[0]
        for name in imported_names(path, module):
            target = name.split(".")[0]
            if target in APPS and target != source:
                edges.setdefault((source, target), set()).add(module)
    return edges


def cycles(edges) -> list[list[str]]:
    """Every elementary cycle between apps (the graph is tiny: a plain search will do)."""
    graph: dict[str, set[str]] = {}
    for source, target in edges:
        graph.setdefault(source, set()).add(target)
    found = []

    def walk(start, node, path):
        for nxt in sorted(graph.get(node, ())):
            if nxt == start:
                found.append([*path, start])
            elif nxt not in path and APPS.index(nxt) > APPS.index(start):
                walk(start, nxt, [*path, nxt])

    for start in APPS:
        walk(start, start, [start])
    return found


def test_no_import_cycle_between_apps():
    found = cycles(app_graph())
    assert not found, "import cycles between apps:\n" + "\n".join(" -> ".join(c) for c in found)


def test_base_apps_import_no_feature_app():
    edges = app_graph()
    wrong = {f"{source} -> {target}: {sorted(modules)}"
             for (source, target), modules in edges.items()
             if source in BASE and target in FEATURES}
    assert not wrong, "accounts and chats are base code:\n" + "\n".join(sorted(wrong))


def test_every_app_imports_only_the_layers_below_it():
    edges = app_graph()
    wrong = {f"{source} -> {target}: {sorted(modules)}"
             for (source, target), modules in edges.items() if target not in ALLOWED[source]}
    assert not wrong, "imports against docs/architecture.md:\n" + "\n".join(sorted(wrong))


def test_the_architecture_walk_sees_a_known_edge():
    """Guards the walk itself: an edge that certainly exists is found."""
    edges = app_graph()
    assert "memory.models" in edges[("memory", "accounts")]
    assert "config.dashboard" in edges[("config", "documents")]


def test_the_bot_lives_in_telegram_bot_and_notifications_only_sends():
    """notifications keeps the channel that sends a notification to Telegram (and the
    Bot API wrapper it sends with); linking, updates, answers and the bot's command are
    the telegram_bot app. python-telegram-bot is the `telegram` package."""
    users_of_the_library = {
        module for path, module in app_modules() if module.startswith("notifications")
        and any(name.split(".")[0] == "telegram" for name in imported_names(path, module))}
    assert users_of_the_library == {"notifications.telegram_api"}
    assert not (ROOT / "notifications" / "management").exists(), "the bot's command moved"


# --- Declared dependencies --------------------------------------------------------------

def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    return _normalise(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement).group())


def declared() -> tuple[set[str], set[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    runtime = {_requirement_name(r) for r in project["project"]["dependencies"]}
    dev = {_requirement_name(r) for group in project.get("dependency-groups", {}).values()
           for r in group if isinstance(r, str)}
    return runtime, dev


def third_party_imports(paths) -> dict[str, set[str]]:
    """Top-level import name -> the files importing it, for names outside the project."""
    local = {*APPS, "tests", "conftest", "bench", "manage"}
    found: dict[str, set[str]] = {}
    for path in paths:
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for name in imported_names(path, module):
            top = name.split(".")[0]
            if top in local or top in sys.stdlib_module_names or top == "__future__":
                continue
            found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def _undeclared(imports, allowed) -> list[str]:
    distributions = importlib.metadata.packages_distributions()
    wrong = []
    for top, files in sorted(imports.items()):
        owners = {_normalise(name) for name in distributions.get(top, [])}
        if not owners & allowed:
            wrong.append(f"{top} (from {sorted(owners) or 'no installed package'}) "
                         f"imported by {sorted(files)}")
    return wrong


def test_app_code_imports_only_declared_packages():
    runtime, _dev = declared()
    paths = [path for path, _module in app_modules()] + [ROOT / "manage.py"]
    wrong = _undeclared(third_party_imports(paths), runtime)
    assert not wrong, "not in [project].dependencies:\n" + "\n".join(wrong)


def test_tests_import_only_declared_packages():
    runtime, dev = declared()
    paths = [path for app in [*APPS, "tests"] for path in (ROOT / app).rglob("*.py")
             if _is_test(path)] + [ROOT / "conftest.py"]
    wrong = _undeclared(third_party_imports(paths), runtime | dev)
    assert not wrong, "not declared in pyproject.toml:\n" + "\n".join(wrong)


def module_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports (`from package import module` counts as
    the module, a package import as its __init__)."""
    modules = {module for _path, module in app_modules()}
    graph: dict[str, set[str]] = {}
    for path, module in app_modules():
        package, names = _package(path, module), set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                origin = _origin(node, package)
                names.update([origin, *(f"{origin}.{alias.name}" for alias in node.names)])
        graph[module] = {name for name in names if name in modules and name != module}
    return graph


def module_cycles(graph) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_no_import_cycle_between_modules():
    """Two modules importing each other (even lazily, inside a function) are one idea
    split in two, or a piece both need that belongs in a third module."""
    found = module_cycles(module_graph())
    assert not found, "modules that import each other:\n" + "\n".join(
        " <-> ".join(group) for group in found)


def test_the_module_walk_sees_a_known_cycle():
    assert module_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_app_with_tests_is_collected_by_the_suite():
    """An app's tests run in `make test` only if pytest's testpaths name the app."""
    testpaths = set(tomllib.loads((ROOT / "pyproject.toml").read_text())
                    ["tool"]["pytest"]["ini_options"]["testpaths"])
    with_tests = {app for app in APPS if (ROOT / app / "tests").is_dir()}
    assert with_tests - testpaths == set()
