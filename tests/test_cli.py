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
