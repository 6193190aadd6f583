"""The `gidr` command: exit codes and Chinese messages, good and bad inputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from gidr_xl.cli import Exit, main
from gidr_xl.model import CellId
from gidr_xl.spec.loader import load_format


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def jianghai(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "江海区-2019.xlsx"
    assert run(capsys, "new", "--sample", "jianghai-2019", "-o", str(path))[0] == Exit.OK
    return path


def edit(path: Path, out: Path, sheet: str, changes: dict[str, object]) -> Path:
    wb = openpyxl.load_workbook(path)
    for address, value in changes.items():
        wb[sheet][address] = value
    wb.save(out)
    return out


def findings(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, dict]:
    code, out, _ = run(capsys, "validate", str(path), "--json")
    return code, json.loads(out)


def test_new_writes_both_versions_and_refuses_to_overwrite(tmp_path: Path, capsys) -> None:
    for fmt, year in (("2021", "2025"), ("2019", "2020")):
        out = tmp_path / f"某某局-{year}.xlsx"
        code, text, _ = run(capsys, "new", "--format", fmt, "--year", year, "--org", "某某局", "-o", str(out))
        assert code == Exit.OK and out.exists() and "已生成" in text
    code, _, err = run(
        capsys, "new", "--format", "2021", "--year", "2025", "-o", str(tmp_path / "某某局-2025.xlsx")
    )
    assert code == Exit.UNUSABLE and "已存在" in err


def test_new_refuses_a_format_that_does_not_fit_the_year(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "new", "--format", "2019", "--year", "2025", "-o", str(tmp_path / "x.xlsx"))
    assert code == Exit.UNUSABLE and "国办公开办函〔2021〕30号" in err
    assert not (tmp_path / "x.xlsx").exists()


def test_jianghai_sample_validates_clean(jianghai: Path, capsys) -> None:
    code, out, _ = run(capsys, "validate", str(jianghai))
    assert code == Exit.OK
    assert "结论：通过校验" in out and "江海区政府办公室" in out


def test_one_changed_cell_in_table_three_is_named(jianghai: Path, tmp_path: Path, capsys) -> None:
    spec = load_format("2019")
    cell = spec.cell(CellId("T3", ("三.四.1", "自然人")))
    bad = edit(jianghai, tmp_path / "bad.xlsx", "表三", {cell.address: 1})
    code, report = findings(capsys, bad)
    assert code == Exit.FINDINGS
    assert report["summary"]["errors"] >= 1
    named = [f for f in report["findings"] if cell.ref in [c["ref"] for c in f["cells"]]]
    assert {f["code"] for f in named} == {"T3-2", "T3-3"}
    code, text, _ = run(capsys, "validate", str(bad))
    assert cell.ref in text and "未通过" in text


@pytest.mark.parametrize(
    ("value", "code"),
    [("十二", "V-NUM"), (2.5, "V-INT"), (-3, "V-NONNEG"), (None, "V-REQ")],
)
def test_bad_cell_values_are_findings(
    jianghai: Path, tmp_path: Path, capsys, value: object, code: str
) -> None:
    spec = load_format("2019")
    cell = spec.cell(CellId("T4", ("行政复议", "结果纠正")))
    bad = edit(jianghai, tmp_path / "bad.xlsx", "表四", {cell.address: value})
    exit_code, report = findings(capsys, bad)
    assert exit_code == Exit.FINDINGS
    hits = [(f["code"], f["cells"][0]["ref"]) for f in report["findings"] if f["code"].startswith("V-")]
    assert hits == [(code, cell.ref)]


def test_typed_formulas_are_evaluated(jianghai: Path, tmp_path: Path, capsys) -> None:
    spec = load_format("2019")
    total = spec.cell(CellId("T3", ("一", "总计")))
    first = spec.cell(CellId("T3", ("一", "自然人")))
    good = edit(
        jianghai, tmp_path / "f.xlsx", "表三", {first.address: "=3-2", total.address: f"={first.address}+0"}
    )
    assert findings(capsys, good)[0] == Exit.OK
    bad = edit(jianghai, tmp_path / "g.xlsx", "表三", {first.address: "=3+4"})
    code, report = findings(capsys, bad)
    assert code == Exit.FINDINGS
    t33 = next(f for f in report["findings"] if f["instance"] == "T3-3[一]")
    assert t33["expected"] == 7


def test_restructured_table_is_reported(jianghai: Path, tmp_path: Path, capsys) -> None:
    wb = openpyxl.load_workbook(jianghai)
    wb["表三"].insert_rows(9)
    wb.save(tmp_path / "moved.xlsx")
    code, report = findings(capsys, tmp_path / "moved.xlsx")
    assert code == Exit.FINDINGS
    assert report["findings"] and all(f["code"] == "structure-label" for f in report["findings"])
    assert report["findings"][0]["cells"][0]["ref"].startswith("表三!")


def test_unknown_format_version(jianghai: Path, tmp_path: Path, capsys) -> None:
    wb = openpyxl.load_workbook(jianghai)
    wb["_meta"]["B2"] = "gb2099"
    wb.save(tmp_path / "v.xlsx")
    code, _, err = run(capsys, "validate", str(tmp_path / "v.xlsx"))
    assert code == Exit.UNUSABLE and "格式版本" in err and "gb2099" in err


def test_workbook_that_is_not_ours(tmp_path: Path, capsys) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "别人的表格"
    wb.save(tmp_path / "other.xlsx")
    code, _, err = run(capsys, "validate", str(tmp_path / "other.xlsx"))
    assert code == Exit.UNUSABLE and "不是 gidr-xl 生成的" in err and "other.xlsx" in err


def test_unusable_files(jianghai: Path, tmp_path: Path, capsys) -> None:
    text = tmp_path / "报告.xlsx"
    text.write_text("这不是工作簿", encoding="utf-8")
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(jianghai.read_bytes()[:5000])
    cases = {text: "不是 Excel 工作簿", truncated: "损坏", tmp_path / "missing.xlsx": "找不到文件"}
    for path, words in cases.items():
        code, out, err = run(capsys, "validate", str(path))
        assert code == Exit.UNUSABLE, path
        assert words in err and str(path) in err and "Traceback" not in err + out
    code, out, _ = run(capsys, "validate", str(text), "--json")
    assert code == Exit.UNUSABLE and json.loads(out)["error"]


def test_password_protected_workbook(jianghai: Path, tmp_path: Path, capsys) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    locked = tmp_path / "locked.xlsx"
    with jianghai.open("rb") as src, locked.open("wb") as dst:
        OOXMLFile(src).encrypt("secret", dst)
    code, _, err = run(capsys, "validate", str(locked))
    assert code == Exit.UNUSABLE and "密码" in err


def test_usage_errors_exit_2(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["validate"])
    assert info.value.code == Exit.UNUSABLE
    assert "参数有误" in capsys.readouterr().err


def test_console_script_runs(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    proc = subprocess.run(
        [sys.executable, "-m", "gidr_xl.cli", "demo", "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("结论：通过校验") == 2
    assert (out / "jianghai-2019.xlsx").exists()


def test_batch_validates_and_compiles_a_folder(tmp_path: Path, capsys) -> None:
    import json as _json

    folder = tmp_path / "收到的工作簿"
    folder.mkdir()
    assert main(["new", "--sample", "jianghai-2019", "-o", str(folder / "江海区.xlsx")]) == Exit.OK
    assert main(["new", "--sample", "example-2021", "-o", str(folder / "示例局.xlsx")]) == Exit.OK
    (folder / "坏文件.xlsx").write_text("不是工作簿", encoding="utf-8")
    out = tmp_path / "结果"
    assert main(["batch", str(folder), "--jobs", "2", "--out", str(out)]) == Exit.FINDINGS
    capsys.readouterr()
    items = {Path(i["file"]).name: i for i in _json.loads((out / "summary.json").read_text(encoding="utf-8"))}
    assert items["江海区.xlsx"]["status"] == "已通过" and (out / "江海区.docx").exists()
    assert (
        items["坏文件.xlsx"]["status"] == "无法读取"
        and "不是 Excel 工作簿" in items["坏文件.xlsx"]["message"]
    )
    assert (out / "summary.csv").read_text(encoding="utf-8-sig").count("\n") == 4
    code, _, err = run(capsys, "batch", str(folder), "--out", str(out))
    assert code == Exit.UNUSABLE and "summary.csv" in err and "--overwrite" in err
    assert main(["batch", str(folder), "--jobs", "1", "--out", str(out), "--overwrite"]) == Exit.FINDINGS
    code, _, err = run(capsys, "batch", str(tmp_path / "没有工作簿"), "--out", str(out))
    assert code == Exit.UNUSABLE and "没有 .xlsx 工作簿" in err


# --- Chinese argparse, consistent flags --------------------------------------------------------

ENGLISH = ("usage:", "invalid", "error:", "argument", "required", "unrecognized", "expected", "choose")


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["new", "--year", "abc"], ["参数 --year", "'abc' 不是有效的整数"]),
        (["new", "--year"], ["参数 --year", "需要一个值"]),
        (["new", "--bogus"], ["无法识别的参数：--bogus"]),
        (["validate"], ["缺少必需的参数：工作簿"]),
        (["audit", "报告.txt"], ["缺少必需的参数：--out"]),
        (["frob"], ["无效的取值 'frob'", "'new'"]),
        (["admin", "frob", "x"], ["参数 操作", "'create-organ'"]),
        ([], ["缺少必需的参数：命令"]),
    ],
)
def test_usage_errors_are_chinese(capsys, argv: list[str], words: list[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == Exit.UNUSABLE
    err = capsys.readouterr().err
    assert err.startswith("用法：gidr") and "\ngidr：参数有误：" in err
    assert all(w in err for w in words), err
    assert not any(w in err.lower() for w in ENGLISH), err


def test_unknown_argparse_messages_pass_through() -> None:
    from gidr_xl.argparse_zh import translate

    assert translate("something new") == "something new"
    assert translate("argument -o/--output: expected one argument") == "参数 -o/--output：需要一个值"


@pytest.mark.parametrize(
    "command",
    [
        "new",
        "validate",
        "build",
        "import",
        "audit",
        "consolidate",
        "batch",
        "serve",
        "admin",
        "addin",
        "demo",
    ],
)
def test_every_command_has_chinese_help_with_examples(capsys, command: str) -> None:
    with pytest.raises(SystemExit) as info:
        main([command, "-h"])
    assert info.value.code == Exit.OK
    out = capsys.readouterr().out
    assert out.startswith(f"用法：gidr {command} ") and "示例：" in out and f"\n  gidr {command}" in out
    assert "选项：" in out and "选项:" not in out and "显示帮助并退出" in out
    assert not any(w in out.lower() for w in ("usage:", "options:", "positional arguments", "show this help"))


def test_top_help_lists_commands_in_chinese(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert out.startswith("用法：gidr ") and "子命令：" in out and "validate" in out and "usage" not in out
    with pytest.raises(SystemExit):
        main(["validate", "-h"])
    assert "位置参数：" in capsys.readouterr().out


def test_new_overwrite_replaces_and_force_is_its_hidden_alias(tmp_path: Path, capsys) -> None:
    out = tmp_path / "某某局-2025.xlsx"
    assert run(capsys, "new", "--year", "2025", "--org", "甲局", "-o", str(out))[0] == Exit.OK
    code, _, err = run(capsys, "new", "--year", "2025", "--org", "乙局", "-o", str(out))
    assert code == Exit.UNUSABLE and "已存在" in err and "--overwrite" in err and "--force" not in err
    code, _, err = run(capsys, "new", "--year", "2025", "--org", "乙局", "-o", str(out), "--overwrite")
    assert code == Exit.OK and err == ""
    assert "乙局" in {c.value for row in openpyxl.load_workbook(out)["封面"].iter_rows() for c in row}
    code, _, err = run(capsys, "new", "--year", "2025", "--org", "丙局", "-o", str(out), "--force")
    assert code == Exit.OK and "--force 已改名为 --overwrite" in err
    assert "丙局" in {c.value for row in openpyxl.load_workbook(out)["封面"].iter_rows() for c in row}
    with pytest.raises(SystemExit):
        main(["new", "-h"])
    assert "--force" not in capsys.readouterr().out


def test_names_with_hidden_characters_are_refused(tmp_path: Path, capsys) -> None:
    out = tmp_path / "x.xlsx"
    code, _, err = run(
        capsys, "new", "--format", "2021", "--year", "2025", "--org", "某\x01局", "-o", str(out)
    )
    assert code == Exit.UNUSABLE and "机关名称含有控制字符" in err and not out.exists()
    text = tmp_path / "r.txt"
    text.write_text("2025年政府信息公开工作年度报告", encoding="utf-8")
    code, _, err = run(capsys, "import", str(text), "--org", "某\u202e局", "-o", str(tmp_path / "r.xlsx"))
    assert code == Exit.UNUSABLE and "机关名称" in err


def test_new_defaults_year_and_output_from_the_format(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "new", "--format", "2019", "--org", "某某局")
    assert code == Exit.OK and (tmp_path / "build" / "某某局-2020.xlsx").exists() and "2020 年度" in out
    code, _, err = run(capsys, "new", "--org", "某某局")
    assert code == Exit.UNUSABLE and "--format" in err and "--year" in err


def test_build_with_errors_prints_findings_and_writes_nothing(tmp_path: Path, capsys) -> None:
    from gidr_xl.compile import compile_workbook
    from gidr_xl.errors import FailedValidationError

    blank = tmp_path / "空白.xlsx"
    assert run(capsys, "new", "--year", "2025", "-o", str(blank))[0] == Exit.OK
    with pytest.raises(FailedValidationError) as info:
        compile_workbook(blank)
    assert info.value.result.errors > 0
    code, out, err = run(capsys, "build", str(blank))
    assert code == Exit.FINDINGS and "结论：未通过校验" in out and "未生成报告" in out and "--force" in out
    assert err == "" and not list(tmp_path.glob("*.docx"))


def test_audit_refuses_to_overwrite_its_summary(tmp_path: Path, capsys) -> None:
    report = tmp_path / "某某局2025年报.txt"
    report.write_text("某某局2025年政府信息公开工作年度报告\n本报告没有表格。\n", encoding="utf-8")
    out = tmp_path / "审核"
    code, text, _ = run(capsys, "audit", str(report), "--out", str(out))
    assert code == Exit.FINDINGS and "已审核 1 份年报" in text
    assert {p.name for p in tmp_path.iterdir()} >= {"审核.csv", "审核.xlsx", "审核-findings.csv"}
    code, _, err = run(capsys, "audit", str(report), "--out", str(out))
    assert code == Exit.UNUSABLE and "审核.csv" in err and "--overwrite" in err
    assert run(capsys, "audit", str(report), "--out", str(out), "--overwrite")[0] == Exit.FINDINGS
    (tmp_path / "空目录").mkdir()
    code, _, err = run(capsys, "audit", str(tmp_path / "空目录"), "--out", str(tmp_path / "另一个"))
    assert code == Exit.UNUSABLE and "没有找到" in err


def test_refuse_overwrite_names_a_few_existing_files(tmp_path: Path) -> None:
    from gidr_xl.errors import OutputExistsError, UsageError
    from gidr_xl.paths import refuse_overwrite

    files = [tmp_path / f"{n}.docx" for n in range(8)]
    for f in files:
        f.write_text("x")
    refuse_overwrite(*files, overwrite=True)
    refuse_overwrite(tmp_path / "新.docx")
    with pytest.raises(OutputExistsError) as info:
        refuse_overwrite(*files, tmp_path / "新.docx")
    assert isinstance(info.value, UsageError)
    assert (
        "0.docx" in str(info.value) and "7.docx" not in str(info.value) and "等 8 个文件" in str(info.value)
    )


def test_serve_refuses_zero_workers(capsys) -> None:
    code, _, err = run(capsys, "serve", "--workers", "0")
    assert code == Exit.UNUSABLE and "--workers 至少为 1" in err
