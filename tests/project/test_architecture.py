"""The one rule of the house: engine/ never imports Qt, pyqtgraph, superqt
or gui/. Checked statically (every import statement) and dynamically (importing
the whole engine loads no Qt module)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph", "superqt", "qtpy", "gui")


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_engine_sources_import_no_qt():
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_roots(path) & set(FORBIDDEN))
        for path in (ROOT / "engine").rglob("*.py")
    }
    assert not {k: v for k, v in offenders.items() if v}


def test_importing_the_engine_loads_no_qt():
    modules = [p.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".")
               for p in (ROOT / "engine").rglob("*.py") if p.name != "__init__.py"]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


# --- the rooms of gui/ ------------------------------------------------------------
# Lowest first: a room imports only from rooms before it (and itself), so
# the floor plan reads bottom-up and nothing reaches for what uses it.
# gui/app.py, the start-up, stands above them all.
ROOMS = ("common", "widgets", "views", "explain", "document", "builder", "data", "training", "runs",
         "trained", "comparison", "lab", "sweep", "gallery", "lesson", "shell")


def _module(path: Path) -> str:
    return path.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".").removesuffix(".__init__")


def _all_modules() -> dict[str, Path]:
    modules = {_module(p): p for package in ("engine", "gui") for p in (ROOT / package).rglob("*.py")}
    modules["main"] = ROOT / "main.py"
    return modules


def _imports(path: Path, modules: dict[str, Path]) -> set[tuple[str, bool]]:
    """(module imported, only for type checking) for every import in ``path``,
    lazy ones inside functions included. ``from package import submodule``
    counts as importing the submodule."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for node in ast.walk(tree)
                   if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
                   for n in ast.walk(node)}
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            subs = [f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in modules]
            names = subs if len(subs) == len(node.names) else [node.module, *subs]
        found.update((name, id(node) in typing_only) for name in names if name in modules)
    return found


def _room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "gui" and len(parts) > 2 else None


def test_every_gui_module_lives_in_a_room():
    loose = sorted(p.name for p in (ROOT / "gui").glob("*.py") if p.name not in ("__init__.py", "app.py"))
    assert not loose, f"modules outside a room: {loose}"
    folders = sorted(p.name for p in (ROOT / "gui").iterdir()
                     if p.is_dir() and p.name not in ("__pycache__", "resources"))  # resources: files, no code
    assert folders == sorted(ROOMS), "a room is missing from ROOMS (its place in the order) or gone"


def test_no_room_imports_a_room_above_it():
    modules = _all_modules()
    upward = []
    for module, path in modules.items():
        room = _room(module)
        if room is None:
            continue
        for target, _typing in _imports(path, modules):
            other = _room(target)
            if other is not None and ROOMS.index(other) > ROOMS.index(room):
                upward.append(f"{module} ({room}) imports {target} ({other})")
    assert not upward, "\n".join(sorted(upward))


def test_no_import_circles():
    """Between modules of engine/ and gui/, type-only imports aside: a circle
    is two modules that each need the other, so neither can be read (or
    moved) alone."""
    modules = _all_modules()
    graph = {m: {t for t, typing_only in _imports(p, modules) if not typing_only and t != m}
             for m, p in modules.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert not circles, circles


# --- layer facts live in the registry ------------------------------------------------
# Lists of layer types written out elsewhere drift from the registry: a new
# layer then needs edits in modules nobody thinks of. Facts a module needs
# (group, window, keeps_positions, size_param, gates, Param.key) are declared
# on LayerKind; what is allowed are per-type formulas and texts — the source
# writer, parameter counts, explanations — which name one type per entry.
TYPE_LISTS_ALLOWED = {
    ("engine/explain/parameters.py", ("BatchNorm1d", "BatchNorm2d")),  # their term formula
    ("engine/explain/reach.py", ("GlobalAvgPool", "GlobalMaxPool")),  # the sentence about global pooling
    ("gui/explain/unrolled.py", ("GRU", "LSTM", "RNN")),  # the built-in example's choices, GRU first
}


def test_no_lists_of_layer_types_outside_the_registry():
    from engine.layers import REGISTRY

    found = set()
    for package in ("engine", "gui"):
        for path in (ROOT / package).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if rel == "engine/layers.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Tuple | ast.List | ast.Set):
                    names = tuple(e.value for e in node.elts if isinstance(e, ast.Constant) and e.value in REGISTRY)
                    if len(names) >= 2:
                        found.add((rel, names))
    assert found <= TYPE_LISTS_ALLOWED, sorted(found - TYPE_LISTS_ALLOWED)


def test_layer_facts_are_consistent():
    from engine.layers import GROUPS, RECURRENT, REGISTRY, types_in

    for kind in REGISTRY.values():
        names = {p.name for p in kind.params}
        assert kind.group in GROUPS, kind.type
        assert kind.size_param is None or kind.size_param in names, kind.type
        assert not (kind.window and kind.keeps_positions), kind.type
        assert "kernel_size" in names if kind.window else True, kind.type
        assert not kind.gates or kind.group == RECURRENT, kind.type
    assert set(types_in(RECURRENT)) == {"RNN", "LSTM", "GRU"}


def test_every_colour_comes_from_the_palette():
    """gui/resources/palette.json names every colour; a colour typed into a
    module drifts (there were three different error reds)."""
    import re

    literal = re.compile(r"""["']#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?["']"""  # "#1f77b4"
                         r"""|(?:color|background|border)[^;'"]*:[^;'"]*#[0-9a-fA-F]{3}"""  # in a style sheet
                         r"|QColor\(\d|mkPen\(\(\d|mkBrush\(\(\d")  # QColor(150, 0, 0), mkPen((r, g, b))
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
             for path in (ROOT / "gui").rglob("*.py") if path.name != "palette.py"
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if literal.search(line.split("  #")[0])]
    assert not found, "\n".join(found)


def test_no_palette_colour_is_typed_as_numbers():
    """A palette colour written out as numbers, (31, 119, 180) for tab10's
    blue, escapes the test above and the colour-blind-safe setting: three
    views drew in that blue whatever the setting said."""
    import json
    import re

    def hex_colours(value):
        if isinstance(value, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", value):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from hex_colours(item)
        elif isinstance(value, list):
            for item in value:
                yield from hex_colours(item)

    palette = json.loads((ROOT / "gui" / "resources" / "palette.json").read_text(encoding="utf-8"))
    triples = {tuple(int(h[i:i + 2], 16) for i in (1, 3, 5)) for h in hex_colours(palette)}
    triples -= {(0, 0, 0), (255, 255, 255)}  # black and white are no palette's own
    numbers = re.compile("|".join(rf"\(\s*{r},\s*{g},\s*{b}\b" for r, g, b in sorted(triples)))
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
             for path in (ROOT / "gui").rglob("*.py") if path.name != "palette.py"
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if numbers.search(line.split("  #")[0])]
    assert not found, "\n".join(found)

def test_engine_tests_need_no_qt():
    """tests/engine/ tests the engine as a cluster worker runs it: no Qt, no gui/."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_roots(path) & set(FORBIDDEN))
        for path in (ROOT / "tests" / "engine").rglob("*.py")
    }
    assert not {k: v for k, v in offenders.items() if v}


def test_rooms_get_what_they_use_not_the_main_window():
    """A room is handed a document, a runner, a callable — never the main
    window to read its attributes from (no import shows that coupling). Only
    the shell wires the window; the guided tour points at the window's own
    parts, which is what it is about."""
    import re

    reach = re.compile(r"\bwindow\.(document|runner|trained|curves|views|files|run_history|dock_layout|docks|"
                       r"training_panel|dataset_panel|model_stack|window_actions|ready|banner|inspector|"
                       r"show_message|messages|explain|exports|_[a-z]\w*)\b")
    allowed = {("gui/gallery/tour.py", name) for name in ("docks", "training_panel", "curves")}
    found = []
    for path in (ROOT / "gui").rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("gui/shell/") or rel == "gui/app.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in reach.finditer(line):
                if (rel, match.group(1)) not in allowed:
                    found.append(f"{rel}:{n}: {line.strip()}")
    assert not found, "\n".join(found)
