"""Rule text → AST, with a Lark LALR grammar (no ``eval`` of spec text)."""

from __future__ import annotations

from functools import lru_cache

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import LarkError

from gidr_xl.rules import ast

GRAMMAR = r"""
?start: expr
?expr: or_test
?or_test: and_test ("or" and_test)+ -> or_
        | and_test
?and_test: not_test ("and" not_test)+ -> and_
         | not_test
?not_test: "not" not_test -> not_
         | comparison
?comparison: arith COMP arith -> compare
           | arith
?arith: arith ADDOP term -> binop
      | term
?term: term MULOP factor -> binop
     | factor
?factor: "-" factor -> neg
       | atom
?atom: NUMBER -> number
     | NAME key+ -> ref
     | NAME "(" expr "for" NAME "in" NAME ")" -> gen
     | NAME "(" [expr ("," expr)*] ")" -> call
     | NAME -> var
     | "(" expr ")"
key: "[" KEY "]"
KEY: /[^\[\]]+/
COMP: "==" | "!=" | "<=" | ">=" | "<" | ">"
ADDOP: "+" | "-"
MULOP: "*" | "/"
NAME: /[^\W\d]\w*/
NUMBER: /\d+(\.\d+)?/
%ignore /\s+/
"""


class RuleSyntaxError(ValueError):
    """The expression text is not valid in the rule language."""


@v_args(inline=True)
class _ToAst(Transformer):
    def number(self, tok: Token) -> ast.Num:
        text = str(tok)
        return ast.Num(float(text) if "." in text else int(text))

    def key(self, tok: Token) -> str:
        return str(tok).strip()

    def ref(self, name: Token, *keys: str) -> ast.Ref:
        return ast.Ref(str(name), tuple(keys))

    def var(self, name: Token) -> ast.Var:
        return ast.Var(str(name))

    def gen(self, func: Token, body: ast.Node, var: Token, domain: Token) -> ast.Gen:
        if str(func) not in ast.AGGREGATES:
            raise RuleSyntaxError(f"“{func}”不能用于 for 表达式（可用 sum、any、all）")
        return ast.Gen(str(func), body, str(var), str(domain))

    def call(self, func: Token, *args: ast.Node | None) -> ast.Call:
        real = tuple(a for a in args if a is not None)
        name = str(func)
        if name not in ast.FUNCTIONS:
            raise RuleSyntaxError(f"未知函数“{name}”")
        if len(real) != ast.FUNCTIONS[name]:
            raise RuleSyntaxError(f"函数“{name}”需要 {ast.FUNCTIONS[name]} 个参数")
        return ast.Call(name, real)

    def binop(self, left: ast.Node, op: Token, right: ast.Node) -> ast.BinOp:
        return ast.BinOp(str(op), left, right)

    def neg(self, operand: ast.Node) -> ast.Node:
        if isinstance(operand, ast.Num):
            return ast.Num(-operand.value)
        return ast.Neg(operand)

    def compare(self, left: ast.Node, op: Token, right: ast.Node) -> ast.Compare:
        return ast.Compare(str(op), left, right)

    def and_(self, *items: ast.Node) -> ast.And:
        return ast.And(tuple(items))

    def or_(self, *items: ast.Node) -> ast.Or:
        return ast.Or(tuple(items))

    def not_(self, operand: ast.Node) -> ast.Not:
        return ast.Not(operand)


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", maybe_placeholders=True)


@lru_cache(maxsize=512)
def parse(text: str) -> ast.Node:
    """Parse a rule expression; raises RuleSyntaxError with a Chinese reason."""
    try:
        tree = _parser().parse(text)
        return _ToAst().transform(tree)
    except RuleSyntaxError:
        raise
    except LarkError as exc:
        cause = exc.orig_exc if hasattr(exc, "orig_exc") else exc
        if isinstance(cause, RuleSyntaxError):
            raise cause from None
        raise RuleSyntaxError(f"表达式语法错误：{str(exc).splitlines()[0]}") from None
