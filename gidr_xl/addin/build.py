"""Write gidr_xl.xlam from xlwings' own open-source ribbon add-in template.

Three things change: the ribbon (customUI/customUI.xml, from gidr_xl/data/addin/), the config
sheet (renamed from the disabled ``_myaddin.conf`` to ``gidr_xl.conf``, filled in, plus the
message shown when no workbook is active) and two verified edits of the VBA source in
xl/vbaProject.bin (addin/vba.py: a fixed ``import gidr_xl`` and PROJECT_NAME ``gidr_xl``).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from gidr_xl.addin import ADDIN_FILE, NO_WORKBOOK_MESSAGE, PROJECT_NAME, TITLE
from gidr_xl.addin.vba import patch
from gidr_xl.errors import GidrError
from gidr_xl.resources import data_path

CUSTOM_UI = data_path("addin", "customUI.xml")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS = {"m": _MAIN}
#: Rows of the template's config sheet (column A holds the key).
CONFIG_ROWS = {
    "Interpreter_Win": 1,
    "Interpreter_Mac": 2,
    "PYTHONPATH": 3,
    "Conda Path": 4,
    "Conda Env": 5,
    "UDF Modules": 6,
    "Show Console": 9,
}


@dataclass(frozen=True)
class AddinConfig:
    """Values of the add-in's config sheet (see docs/加载项使用说明.md)."""

    interpreter_win: str = r"%LOCALAPPDATA%\gidr-xl\Scripts\pythonw.exe"
    interpreter_mac: str = "$HOME/gidr-xl/bin/python"
    pythonpath: str = ""
    conda_path: str = ""
    conda_env: str = ""
    show_console: bool = False

    def values(self) -> dict[str, str | bool]:
        return {
            "Interpreter_Win": self.interpreter_win,
            "Interpreter_Mac": self.interpreter_mac,
            "PYTHONPATH": self.pythonpath,
            "Conda Path": self.conda_path,
            "Conda Env": self.conda_env,
            "UDF Modules": "",
            "Show Console": self.show_console,
        }


def template_path() -> Path:
    """xlwings' quickstart ribbon add-in of the installed (pinned) xlwings."""
    import xlwings

    from gidr_xl.addin.install import check_xlwings_version

    check_xlwings_version()  # the template's VBA is tied to this exact version
    path = Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam"
    if not path.exists():
        raise GidrError(f"找不到 xlwings 的加载项模板：{path}")
    return path


def _config_sheet(xml: bytes, config: AddinConfig) -> bytes:
    root = etree.fromstring(xml)
    rows = {int(r.get("r")): r for r in root.iterfind(".//m:sheetData/m:row", _NS)}
    for key, value in config.values().items():
        row = rows[CONFIG_ROWS[key]]
        address = f"B{CONFIG_ROWS[key]}"
        for old in row.findall(f"{{{_MAIN}}}c[@r='{address}']"):
            row.remove(old)
        cell = etree.SubElement(row, f"{{{_MAIN}}}c", r=address, s="1")
        if isinstance(value, bool):
            cell.set("t", "b")
            etree.SubElement(cell, f"{{{_MAIN}}}v").text = "1" if value else "0"
        elif value:
            cell.set("t", "inlineStr")
            etree.SubElement(etree.SubElement(cell, f"{{{_MAIN}}}is"), f"{{{_MAIN}}}t").text = value
        row.set("spans", "1:2")
    for r, text in ((1, NO_WORKBOOK_MESSAGE), (2, TITLE)):  # read by RunMain (VBA), not a setting
        cell = etree.SubElement(rows[r], f"{{{_MAIN}}}c", r=f"D{r}", t="inlineStr")
        etree.SubElement(etree.SubElement(cell, f"{{{_MAIN}}}is"), f"{{{_MAIN}}}t").text = text
        rows[r].set("spans", "1:4")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _workbook(xml: bytes) -> bytes:
    disabled, enabled = "_myaddin.conf", f"{PROJECT_NAME}.conf"
    if disabled.encode() not in xml:
        raise GidrError("xlwings 模板中找不到配置工作表，模板可能已变更。")
    return xml.replace(f'name="{disabled}"'.encode(), f'name="{enabled}"'.encode())


def build_addin(out_dir: Path, config: AddinConfig | None = None) -> Path:
    """Write ``out_dir/gidr_xl.xlam``; returns its path."""
    config = config or AddinConfig()
    source = template_path()
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / ADDIN_FILE
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "customUI/customUI.xml":
                data = CUSTOM_UI.read_bytes()
            elif info.filename == "xl/workbook.xml":
                data = _workbook(data)
            elif info.filename == "xl/worksheets/sheet1.xml":
                data = _config_sheet(data, config)
            elif info.filename == "xl/vbaProject.bin":
                data = patch(data)
            dst.writestr(info, data)
    return out
