"""The layout of the house (README, "Architecture"), held by tests: no import cycles between
project modules (imports inside functions included), the action server independent of the web
app and of SQLAlchemy, no source file over 500 lines, and resident-facing sentences in YAML
content rather than in Python string literals."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("knowledge", "retrieval", "web", "bot")
MAX_LINES = 500
# a sentence a resident reads is 12 or more Chinese characters; a few short formula fragments
# and labels may stay next to the arithmetic they describe
LONG_CHINESE = 12
MAX_LONG_LITERALS = 15
_CJK = re.compile(r"[\u4e00-\u9fff]")


def source_files() -> list[Path]:
    out = []
    for pkg in PACKAGES:
        out += [p for p in (ROOT / pkg).rglob("*.py") if "tests" not in p.relative_to(ROOT).parts]
    return sorted(out)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(current: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = current.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(path: Path, known: set[str]) -> set[str]:
    """Project modules imported anywhere in the file (top level or inside functions)."""
    me = module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    def add(name: str) -> None:
        # the longest known module that is the name or a parent of it
        parts = name.split(".")
        for i in range(len(parts), 0, -1):
            cand = ".".join(parts[:i])
            if cand in known:
                found.add(cand)
                return

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                add(a.name)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(me, path.name == "__init__.py", node)
            for a in node.names:
                full = f"{base}.{a.name}" if base else a.name
                add(full if full in known else base)
    found.discard(me)
    return found


def import_graph() -> dict[str, set[str]]:
    files = source_files()
    known = {module_name(p) for p in files}
    return {module_name(p): imports_of(p, known) for p in files}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def is_package_parent(graph, a: str, b: str) -> bool:
    return b.startswith(a + ".") or a.startswith(b + ".")


def test_no_import_cycles_between_project_modules():
    graph = import_graph()
    # a package's __init__ re-exporting its own submodules is not a cycle of the design
    pruned = {m: {d for d in deps if not (d.startswith(m + ".") and graph.get(m) is not None
                                          and (ROOT / m.replace(".", "/") / "__init__.py").exists())}
              for m, deps in graph.items()}
    assert cycles(pruned) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_action_server_imports_nothing_from_web_or_sqlalchemy():
    # bot/rasa_server.py runs inside Rasa's own process and tunes Rasa's tracker store (its
    # SQLAlchemy engine): it may name sqlalchemy, never web
    for path in (ROOT / "bot").rglob("*.py"):
        rasa_side = path == ROOT / "bot" / "rasa_server.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            for n in names:
                assert not (n == "web" or n.startswith("web.")), f"{path}: {n}"
                assert rasa_side or not n.startswith("sqlalchemy"), f"{path}: {n}"


def test_what_the_action_server_loads_never_pulls_in_web():
    """Transitively: bot.actions -> knowledge / retrieval, never web."""
    graph = import_graph()
    seen, todo = set(), [m for m in graph if m.startswith("bot.actions")]
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        todo += graph.get(m, ())
    assert not [m for m in seen if m == "web" or m.startswith("web.")]


@pytest.mark.parametrize("path", source_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_source_file_over_500_lines(path):
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= MAX_LINES, f"{path.relative_to(ROOT)} has {n} lines"


def long_chinese_literals() -> list[str]:
    """String literals with 12 or more Chinese characters, docstrings aside."""
    out = []
    for path in source_files() + sorted((ROOT / "bench").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                body = getattr(node, "body", [])
                if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                    docstrings.add(id(body[0].value))
        inner = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
        for node in ast.walk(tree):
            if id(node) in docstrings or id(node) in inner:
                continue
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
            elif isinstance(node, ast.JoinedStr):
                text = "".join(v.value for v in node.values
                               if isinstance(v, ast.Constant) and isinstance(v.value, str))
            else:
                continue
            if len(_CJK.findall(text)) >= LONG_CHINESE:
                out.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text[:40]}")
    return out


def test_resident_sentences_live_in_content_not_python():
    found = long_chinese_literals()
    assert len(found) <= MAX_LONG_LITERALS, "\n".join(found)


def test_no_file_named_after_an_unexpanded_variable():
    assert not [p for p in ROOT.iterdir() if p.name.startswith("${")]
