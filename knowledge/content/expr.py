"""A tiny, safe expression language for conditions in case-type files.

Allowed: names of facts, literals (numbers, strings, True/False/None, lists), comparisons,
``and``/``or``/``not``, ``in``, ``+ - * /``, and ``x is None``. Nothing else: no calls, no
attributes, no subscripts. A fact that has not been given evaluates to None, and any comparison
with None other than ``is``/``==``/``!=`` is False instead of an error.
"""
from __future__ import annotations

import ast
import functools
import operator

_CMP = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
        ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: lambda a, b: a in b,
        ast.NotIn: lambda a, b: a not in b, ast.Is: operator.is_, ast.IsNot: operator.is_not}
_BIN = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.Div: operator.truediv}


class ExprError(ValueError):
    pass


def _check(node: ast.AST, names: set[str] | None) -> None:
    allowed = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub,
               ast.Compare, ast.BinOp, ast.Name, ast.Load, ast.Constant, ast.List, ast.Tuple,
               *_CMP, *_BIN)
    for n in ast.walk(node):
        if not isinstance(n, allowed):
            raise ExprError(f"{type(n).__name__} is not allowed")
        if isinstance(n, ast.Name) and names is not None and n.id not in names \
                and n.id not in ("True", "False", "None"):
            raise ExprError(f"unknown fact {n.id!r}")


@functools.lru_cache(maxsize=1024)
def _parse(text: str) -> ast.Expression:
    try:
        return ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExprError(f"syntax error: {exc.msg}") from exc


def compile_expr(text: str, names: set[str] | None = None) -> ast.Expression:
    tree = _parse(text)
    _check(tree, names)
    return tree


def evaluate(text: str | None, facts: dict) -> bool:
    if text is None:
        return True
    return bool(_eval(compile_expr(text).body, facts))


def _eval(n, facts):
    if isinstance(n, ast.Constant):
        return n.value
    if isinstance(n, ast.Name):
        return {"True": True, "False": False, "None": None}.get(n.id, facts.get(n.id))
    if isinstance(n, (ast.List, ast.Tuple)):
        return [_eval(e, facts) for e in n.elts]
    if isinstance(n, ast.BoolOp):
        vals = (_eval(v, facts) for v in n.values)
        return all(vals) if isinstance(n.op, ast.And) else any(vals)
    if isinstance(n, ast.UnaryOp):
        v = _eval(n.operand, facts)
        if isinstance(n.op, ast.Not):
            return not v
        return None if v is None else -v
    if isinstance(n, ast.BinOp):
        a, b = _eval(n.left, facts), _eval(n.right, facts)
        if a is None or b is None:
            return None
        return _BIN[type(n.op)](a, b)
    if isinstance(n, ast.Compare):
        left = _eval(n.left, facts)
        for op, comp in zip(n.ops, n.comparators):
            right = _eval(comp, facts)
            if (left is None or right is None) and not isinstance(op, (ast.Is, ast.IsNot, ast.Eq,
                                                                        ast.NotEq)):
                return False
            try:
                if not _CMP[type(op)](left, right):
                    return False
            except TypeError:
                return False
            left = right
        return True
    raise ExprError(f"{type(n).__name__} is not allowed")
