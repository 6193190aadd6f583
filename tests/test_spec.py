"""Spec loading and the rule language: parse, expand, compile to Python and to Excel."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gidr_xl.errors import SpecError
from gidr_xl.model import CellId
from gidr_xl.rules import ast
from gidr_xl.rules.excel import compile_instance, compile_node, number_literal
from gidr_xl.rules.parse import RuleSyntaxError, parse
from gidr_xl.rules.python import compile_node as py_node
from gidr_xl.spec.loader import FORMATS_DIR, format_for_year, load_format, load_path


def test_both_versions_load_with_expected_shape() -> None:
    v19, v21 = load_format("2019"), load_format("2021")
    assert len(v19.table("T3").inputs) == 23 * 7 == 161
    assert len(v21.table("T3").inputs) == 25 * 7 == 175
    assert len(v19.table("T4").inputs) == len(v21.table("T4").inputs) == 15
    assert v21.cell(CellId("T2", ("行政事业性收费", "本年收费金额"))).type.value == "decimal"
    assert v19.cell(CellId("T2", ("行政许可", "本年增/减"))).type.value == "signed"
    assert format_for_year(2020).id == "gb2019" and format_for_year(2026).id == "gb2021"
    assert [s.heading for s in v21.sections][4] == "五、存在的主要问题及改进情况"


def test_unknown_format_is_a_clear_error() -> None:
    with pytest.raises(SpecError, match="未知的格式版本"):
        load_format("2030")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("expr: T3[一][c] + T3[二][c] == T3[三.七][c] + T3[四][c]", "expr: T3[一][c] + == 2", "rules"),
        ("expr: T3[一][c] + T3[二][c] == T3[三.七][c] + T3[四][c]", "expr: T3[九][c] == 1", "不存在的单元格"),
        ("for: {c: C7}", "for: {c: C99}", "未知的分组"),
        ("type: count}", "type: counting}", "未知的单元格类型"),
        ("{c}”列：第一项", "{col}”列：第一项", "未知的占位符"),
        ("{doc: 格式, at: 表三“总计”列}", "{doc: 规范, at: 表三“总计”列}", "未知的文件“规范”"),
        ("    basis: {doc: 条例, at: 第五十条第（四）项}\n", "", "缺少字段“basis”"),
        ("expr: T3[二][c] == 上年T3[四][c]", "expr: T3[二][c] == 上年T3[四十][c]", "X3-1"),
        ("  organ: INFO[机关名称]", "  organ: INFO[机关全称]", "roles.organ"),
        ("  opening: N1", "  opening: N9", "未知的表单“N9”"),
    ],
)
def test_broken_spec_names_file_and_entry(tmp_path: Path, old: str, new: str, expected: str) -> None:
    for name in ("common.yaml", "gb2021.yaml"):
        shutil.copy(FORMATS_DIR / name, tmp_path / name)
    common = (tmp_path / "common.yaml").read_text(encoding="utf-8")
    assert old in common
    (tmp_path / "common.yaml").write_text(common.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_path(tmp_path / "gb2021.yaml")
    assert "common.yaml" in str(info.value)
    assert expected in str(info.value)


def test_parse_rejects_unknown_functions_and_bad_syntax() -> None:
    with pytest.raises(RuleSyntaxError, match="未知函数"):
        parse("eval(x)")
    with pytest.raises(RuleSyntaxError):
        parse("__import__('os')")
    with pytest.raises(RuleSyntaxError):
        parse("T3[一][自然人] ==")


def test_keys_with_dots_and_slashes_parse_as_literal_keys() -> None:
    node = parse("T2[行政许可][本年增/减] + T3[三.三.1][c]")
    assert node == ast.BinOp("+", ast.Ref("T2", ("行政许可", "本年增/减")), ast.Ref("T3", ("三.三.1", "c")))


def test_expansion_binds_loops_and_generators() -> None:
    spec = load_format("2021")
    t32 = [i for i in spec.instances if i.rule.id == "T3-2"]
    assert [i.key for i in t32] == list(spec.groups["C7"])
    first = t32[0]
    assert first.id == "T3-2[自然人]" and first.guarded
    assert len(first.cells) == 1 + len(spec.groups["办理结果"])


def test_both_compilers_walk_the_same_tree() -> None:
    a, b = CellId("T3", ("一", "自然人")), CellId("T3", ("二", "自然人"))
    node = ast.Or(
        (
            ast.Compare(
                ">=",
                ast.BinOp(
                    "*", ast.BinOp("-", ast.Cell(a), ast.BinOp("-", ast.Cell(b), ast.Num(1))), ast.Num(2)
                ),
                ast.Num(3),
            ),
            ast.Call("blank", (ast.Cell(a),)),
        )
    )
    refs = {a: "D7", b: "D8"}
    assert (
        compile_node(node, refs.__getitem__)
        == "IF((D7-(D8-1))*2>=3,TRUE,IF(ISERROR(D7),FALSE,LEN(TRIM(D7))=0))"
    )
    assert py_node(node)({a: 5, b: 2}) is True
    assert py_node(node)({a: 1, b: 2}) is False


def test_guarded_relation_formula_skips_blanks() -> None:
    spec = load_format("2019")
    inst = next(i for i in spec.instances if i.id == "T3-3[一]")
    formula = compile_instance(inst, lambda c: spec.cell(c).address)
    assert formula == '=IF(COUNT(D7:J7)<7,"未校验",IF(J7=SUM(D7:I7),"通过","不通过"))'


def test_number_literals_use_excel_exponent_form() -> None:
    assert number_literal(1e20) == "1E+20"
    assert number_literal(0.0001) == "0.0001"
    assert number_literal(3) == "3"
