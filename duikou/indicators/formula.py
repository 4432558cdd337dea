"""Derived indicators: formulas over indicator codes, parsed with ``ast`` and evaluated without ``eval``.

Only numbers, indicator codes, + - * / and parentheses (and a leading minus) are allowed; anything else is
refused with a message naming it. A formula over a missing value, or dividing by zero, gives None.
"""

import ast
from decimal import Decimal, DivisionByZero, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


def parse(formula: str) -> ast.Expression:
    text = (formula or "").strip()
    if not text:
        raise ValidationError(_("公式为空"))
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ValidationError(
            _("公式「%(formula)s」有语法错误（第 %(offset)s 个字符附近）")
            % {"formula": text, "offset": exc.offset or 0}
        ) from exc
    for node in ast.walk(tree):
        if isinstance(node, ast.Expression | ast.Name | ast.Load) or type(node) in _OPS:
            continue
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            continue
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
            continue
        if isinstance(node, ast.USub | ast.UAdd):
            continue
        snippet = ast.get_source_segment(text, node) or type(node).__name__
        raise ValidationError(
            _("公式「%(formula)s」中不允许「%(part)s」：只能使用数字、指标代码、+ - * / 和括号")
            % {"formula": text, "part": snippet}
        )
    return tree


def codes_in(formula: str) -> set[str]:
    return {node.id for node in ast.walk(parse(formula)) if isinstance(node, ast.Name)}


def evaluate(formula: str | ast.Expression, values: dict[str, Decimal | None]) -> Decimal | None:
    tree = parse(formula) if isinstance(formula, str) else formula
    try:
        return _eval(tree.body, values)
    except (DivisionByZero, InvalidOperation, ZeroDivisionError):
        return None


class _Missing(Exception):
    pass


def _eval(node, values):
    try:
        return _value(node, values)
    except _Missing:
        return None


def _value(node, values) -> Decimal:
    if isinstance(node, ast.Constant):
        return Decimal(str(node.value))
    if isinstance(node, ast.Name):
        value = values.get(node.id)
        if value is None:
            raise _Missing
        return Decimal(value)
    if isinstance(node, ast.UnaryOp):
        inner = _value(node.operand, values)
        return -inner if isinstance(node.op, ast.USub) else inner
    left, right = _value(node.left, values), _value(node.right, values)
    if isinstance(node.op, ast.Add):
        return left + right
    if isinstance(node.op, ast.Sub):
        return left - right
    if isinstance(node.op, ast.Mult):
        return left * right
    if right == 0:
        raise ZeroDivisionError
    return left / right


_SHOWN = {ast.Add: ("+", 1), ast.Sub: ("−", 1), ast.Mult: ("×", 2), ast.Div: ("÷", 2)}


def readable(formula: str, names: dict[str, str]) -> str:
    """The formula as a page shows it: each code by its indicator's name, × and ÷, and only the parentheses the
    reading needs (资金到位率: 实际到位资金 ÷ 签约金额 × 100)."""

    def show(node, parent: int = 0, right: bool = False) -> str:
        if isinstance(node, ast.BinOp):
            symbol, level = _SHOWN[type(node.op)]
            text = f"{show(node.left, level)} {symbol} {show(node.right, level, right=True)}"
            # a − (b + c), a ÷ (b × c): the right side of − and ÷ keeps its brackets at the same level
            return f"（{text}）" if level < parent or (right and level == parent) else text
        if isinstance(node, ast.UnaryOp):
            return ("−" if isinstance(node.op, ast.USub) else "+") + show(node.operand, 3)
        if isinstance(node, ast.Name):
            return names.get(node.id, node.id)
        return str(node.value)

    return show(parse(formula).body)
