"""The package's shape, checked from the source with `ast` (nothing is imported): no import cycles, imports
point down the layer table, no module over 300 lines, and CLI command modules never import each other.

Every import counts, wherever it is written: at the top, inside a function (a lazy import is still a
dependency) or under `if TYPE_CHECKING:`. Importing `ragtune.a.b` also runs `ragtune/a/__init__.py`, so
that package is a dependency too (shown as "via package"). A failure lists every violation as
`importer:line -> imported`, so all of them can be fixed in one pass.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

SRC = Path(__file__).resolve().parents[2] / "src"
ROOT = "ragtune"
MAX_LINES = 300

# The layer table of docs/architecture.md (and ../shared/DESIGN.md): a unit (top-level module or package
# under ragtune/) may import units on lower layers only. Two units on one layer do not import each other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "numbers", "text", "jsonl"),  # 0 leaves
    ("config",),  # 1
    ("runs",),  # 2
    ("corpus", "questions", "tasks"),  # 3
    ("models",),  # 4
    ("index",),  # 5
    ("retrieve",),  # 6
    ("project",),  # 7 settings, models, index, ingest
    ("answer",),  # 8 prompt, citations
    ("behaviour",),  # 9 a task's prompt, its deterministic checks, scores and the style classifier
    ("synth", "tune"),  # 10
    ("variants",),  # 11 the seam: a variant resolves to an Answerer
    ("evaluate",),  # 12
    ("decide", "report"),  # 13 neither imports the other
    ("demo", "serve"),  # 14 the demo; the API over the variants
    ("cli",),  # 15
)
# Imports between two units of one layer that the design allows (DESIGN.md: tune depends on synth).
SIDEWAYS = {("tune", "synth")}
# `ragtune/__init__.py` is the public API, above everything: it may import any unit, and none imports it.
PUBLIC_API = ROOT
LAYER = {unit: n for n, row in enumerate(LAYERS) for unit in row} | {PUBLIC_API: len(LAYERS)}

CLI = f"{ROOT}.cli"
CLI_SHARED = {f"{CLI}.terminal", f"{CLI}.tables", f"{CLI}.question_tables"}  # helpers every command module may use
CLI_ENTRY = {f"{CLI}.__main__"}  # `python -m ragtune.cli`: runs the assembled app, so it imports cli/__init__.py


@dataclass(frozen=True)
class Edge:
    importer: str
    line: int
    imported: str
    how: str  # "", "in a function", "type-only", or "via package" (the __init__ that an import runs)

    def __str__(self) -> str:
        how = f"  [{self.how}]" if self.how else ""
        return f"{self.importer}:{self.line} -> {self.imported}{how}"


def module_files() -> dict[str, Path]:
    """Dotted module name -> file, for every module under src/ragtune (a package is its __init__.py)."""
    found = {}
    for path in sorted((SRC / ROOT).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = module_files()


def is_package(name: str) -> bool:
    return MODULES.get(name, Path()).name == "__init__.py"


def unit(name: str) -> str:
    """The layer-table entry a module belongs to: `ragtune.evaluate.metrics` -> `evaluate`."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else PUBLIC_API


def known(name: str) -> str | None:
    """`name`, or the longest prefix of it that is a ragtune module (`from x import y` where y is a name)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


class _Imports(ast.NodeVisitor):
    """Every `import`/`from ... import` in one module, with where it is written."""

    def __init__(self, module: str):
        self.module = module
        self.package = module if is_package(module) else module.rpartition(".")[0]
        self.context: list[str] = []
        self.found: list[tuple[str, int, str]] = []  # (imported module, line, how)

    def _nested(self, node, how: str) -> None:
        self.context.append(how)
        self.generic_visit(node)
        self.context.pop()

    def visit_FunctionDef(self, node):
        self._nested(node, "in a function")

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_If(self, node):
        test = node.test
        type_only = (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
        if not type_only:
            self.generic_visit(node)
            return
        self.context.append("type-only")
        for child in node.body:
            self.visit(child)
        self.context.pop()
        for child in node.orelse:
            self.visit(child)

    def _add(self, target: str, line: int) -> None:
        how = self.context[-1] if self.context else ""
        if target.split(".")[0] == ROOT and (resolved := known(target)):
            self.found.append((resolved, line, how))

    def visit_Import(self, node):
        for alias in node.names:
            self._add(alias.name, node.lineno)

    def visit_ImportFrom(self, node):
        if node.level:
            base = self.package.split(".")
            base = base[: len(base) - node.level + 1]
            source = ".".join(base + ([node.module] if node.module else []))
        else:
            source = node.module or ""
        for alias in node.names:
            sub = f"{source}.{alias.name}"
            self._add(sub if sub in MODULES else source, node.lineno)


def edges() -> list[Edge]:
    """Every dependency between ragtune modules, the packages an import runs included."""
    out = []
    for module, path in MODULES.items():
        visitor = _Imports(module)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        for imported, line, how in visitor.found:
            if imported != module:
                out.append(Edge(module, line, imported, how))
            # `import ragtune.a.b` runs ragtune/a/__init__.py first, unless the importer is inside ragtune.a
            parts = imported.split(".")
            for n in range(2, len(parts)):
                parent = ".".join(parts[:n])
                inside = module == parent or module.startswith(parent + ".")
                if not inside and is_package(parent):
                    out.append(Edge(module, line, parent, "via package"))
    return sorted(set(out), key=lambda e: (e.importer, e.line, e.imported, e.how))


EDGES = edges()


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _shortest_cycle(start: str, members: set[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest path start -> ... -> start inside one component (breadth first)."""
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & members):
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [start] + path[::-1][1:] + [start] if len(path) > 1 else [start, v, start]
                if w not in previous:
                    previous[w] = v
                    nxt.append(w)
        frontier = nxt
    return [start]


def cycle_violations(modules: Iterable[str], found: Sequence[Edge]) -> list[str]:
    """One entry per cycle: a shortest loop with the import lines that make it, then its other imports."""
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for e in found:
        graph.setdefault(e.importer, set()).add(e.imported)
        graph.setdefault(e.imported, set())
    out = []
    for component in _cycles(graph):
        members = set(component)
        loop = _shortest_cycle(component[0], members, graph)
        steps = set(zip(loop, loop[1:]))
        lines = [f"cycle among {len(component)} modules: {' -> '.join(loop)}"]
        lines += [f"    {e}" for a, b in zip(loop, loop[1:]) for e in found if (e.importer, e.imported) == (a, b)]
        others = [e for e in found if e.importer in members and e.imported in members
                  and (e.importer, e.imported) not in steps]
        if others:
            lines += ["    other imports inside this cycle:"] + [f"      {e}" for e in others]
        out.append("\n".join(lines))
    return out


def layer_violations(found: Sequence[Edge]) -> list[str]:
    """Imports between units that go up the table, or sideways between two units of one layer."""
    out = []
    for e in found:
        a, b = unit(e.importer), unit(e.imported)
        if a == b or a not in LAYER or b not in LAYER:
            continue  # inside one package any direction is fine (cycles are checked separately)
        if b == PUBLIC_API:
            out.append(f"{e}  (imports the public API; import the module that defines the name)")
        elif LAYER[b] > LAYER[a]:
            out.append(f"{e}  ({a} is layer {LAYER[a]}, {b} is layer {LAYER[b]}: upward)")
        elif LAYER[b] == LAYER[a] and (a, b) not in SIDEWAYS:
            out.append(f"{e}  ({a} and {b} are both layer {LAYER[a]}: sideways)")
    return out


def cli_violations(modules: Iterable[str], found: Sequence[Edge]) -> list[str]:
    """Command modules of ragtune/cli/ importing each other or cli/__init__.py."""
    modules = set(modules)
    commands = {m for m in modules if m.startswith(CLI + ".") and m not in CLI_SHARED | CLI_ENTRY}
    out = []
    for e in found:
        if e.importer in commands and e.imported in commands:
            out.append(f"{e}  (a command module imports another; move what they share into cli/terminal.py)")
        elif e.importer in commands and e.imported == CLI:
            out.append(f"{e}  (a command module imports cli/__init__.py, which imports it)")
    return out


def _report(title: str, lines: list[str]) -> str:
    text = f"{title}: {len(lines)}\n" + "\n".join(f"  {line}" for line in lines)
    print(text)
    return text


def test_the_layer_table_names_every_unit():
    missing = sorted({unit(m) for m in MODULES} - set(LAYER))
    assert not missing, _report("units not in the layer table (add them to LAYERS, or move the module)",
                                [f"{u}: {', '.join(sorted(m for m in MODULES if unit(m) == u))}" for u in missing])


def test_no_import_cycles():
    found = cycle_violations(MODULES, EDGES)
    assert not found, _report("import cycles", found)


def test_imports_point_down_the_layer_table():
    found = layer_violations(EDGES)
    assert not found, _report("imports against the layer table", found)


def test_no_module_over_300_lines():
    found = []
    for module, path in MODULES.items():
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES:
            found.append(f"{path.relative_to(SRC.parent)}: {n} lines ({module})")
    assert not found, _report(f"modules over {MAX_LINES} lines", found)


def test_cli_command_modules_do_not_import_each_other():
    found = cli_violations(MODULES, EDGES)
    # the old flat layout (cli.py beside cli_*.py) is the cycle this rule exists to prevent
    flat = sorted(m for m in MODULES if (m == CLI and not is_package(m)) or m.startswith(f"{ROOT}.cli_"))
    found += [f"{m}: a CLI module outside the ragtune/cli/ package" for m in flat]
    assert not found, _report("CLI command modules importing each other", found)


def test_the_checker_sees_lazy_type_only_and_package_imports():
    """The parser: lazy and type-only imports count, relative imports resolve, packages are found."""
    assert "ragtune.runs" in MODULES and is_package("ragtune.synth") and unit("ragtune.evaluate.metrics") == "evaluate"
    source = ("from typing import TYPE_CHECKING\nfrom . import runs\nif TYPE_CHECKING:\n"
              "    from ragtune.project import Project\ndef f():\n    import ragtune.synth.build\n")
    visitor = _Imports("ragtune.text")
    visitor.visit(ast.parse(source))
    assert sorted(visitor.found) == [("ragtune.project", 4, "type-only"), ("ragtune.runs", 2, ""),
                                     ("ragtune.synth.build", 6, "in a function")]


def test_the_checks_find_what_they_are_for():
    """Each rule on a made-up graph, so a passing run means the code is clean, not that the check is blind."""
    loop = [Edge("ragtune.a", 1, "ragtune.b", ""), Edge("ragtune.b", 2, "ragtune.c", "in a function"),
            Edge("ragtune.c", 3, "ragtune.a", "type-only"), Edge("ragtune.d", 4, "ragtune.a", "")]
    (cycle,) = cycle_violations(["ragtune.a", "ragtune.b", "ragtune.c", "ragtune.d"], loop)
    assert cycle.startswith("cycle among 3 modules: ragtune.a -> ragtune.b -> ragtune.c -> ragtune.a")
    assert "ragtune.b:2 -> ragtune.c  [in a function]" in cycle and "ragtune.d" not in cycle
    imports = [Edge("ragtune.runs", 5, "ragtune.project", "in a function"),  # upward
               Edge("ragtune.report.html", 6, "ragtune.decide.rules", ""),  # sideways
               Edge("ragtune.tune.data", 7, "ragtune.synth.dataset", ""),  # sideways, allowed
               Edge("ragtune.answer", 8, "ragtune.retrieve.hit", ""),  # down
               Edge("ragtune.evaluate.x", 9, "ragtune.evaluate.y", ""),  # inside one package
               Edge("ragtune.demo", 10, "ragtune", "")]  # the public API
    assert [line.split("  (")[0] for line in layer_violations(imports)] == [
        "ragtune.runs:5 -> ragtune.project  [in a function]", "ragtune.report.html:6 -> ragtune.decide.rules",
        "ragtune.demo:10 -> ragtune"]
    cli = [Edge(f"{CLI}.eval", 1, f"{CLI}.tune", ""), Edge(f"{CLI}.eval", 2, f"{CLI}.terminal", ""),
           Edge(f"{CLI}.eval", 3, CLI, ""), Edge(CLI, 4, f"{CLI}.eval", ""), Edge(f"{CLI}.__main__", 5, CLI, "")]
    cli_modules = [CLI, f"{CLI}.eval", f"{CLI}.tune", f"{CLI}.terminal", f"{CLI}.__main__"]
    assert [line.split("  (")[0] for line in cli_violations(cli_modules, cli)] == [
        f"{CLI}.eval:1 -> {CLI}.tune", f"{CLI}.eval:3 -> {CLI}"]
    assert _shortest_cycle("a", {"a", "b", "c"}, {"a": {"b", "c"}, "b": {"c"}, "c": {"a"}}) == ["a", "c", "a"]
