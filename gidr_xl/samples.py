"""Sample reports in gidr_xl/data/samples/ → values for the template writer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gidr_xl.errors import SpecError
from gidr_xl.model import CellId, FormatSpec
from gidr_xl.resources import data_path, load_yaml
from gidr_xl.spec.loader import load_format

SAMPLES_DIR = data_path("samples")


def available_samples() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in SAMPLES_DIR.glob("*.yaml")))


def _grid_values(spec: FormatSpec, table_id: str, rows: dict[str, Any], path: Path) -> dict[CellId, object]:
    out: dict[CellId, object] = {}
    table = spec.table(table_id)
    for row_key, row in rows.items():
        if isinstance(row, list):
            cols = [c.id.keys[1] for c in table.inputs if c.id.keys[0] == str(row_key)]
            if len(cols) != len(row):
                raise SpecError(
                    f"示例文件 {path.name}：{table_id} 行“{row_key}”应有 {len(cols)} 个数，实际 {len(row)} 个"
                )
            out.update({CellId(table_id, (str(row_key), c)): v for c, v in zip(cols, row, strict=True)})
        else:
            out.update({CellId(table_id, (str(row_key), str(c))): v for c, v in row.items()})
    return out


def load_sample(name: str) -> tuple[FormatSpec, dict[CellId, object]]:
    """The format and every input value of a built-in sample."""
    path = SAMPLES_DIR / f"{name}.yaml"
    if not path.exists():
        raise SpecError(f"没有名为“{name}”的示例。可用：{'、'.join(available_samples())}")
    data = load_yaml(path.read_text(encoding="utf-8"))
    spec = load_format(data["format"])
    values: dict[CellId, object] = {}
    for text, value in (data.get("fields") or {}).items():
        values[CellId.parse(text)] = value
    for table_id, rows in (data.get("tables") or {}).items():
        values.update(_grid_values(spec, table_id, rows, path))
    for form_id, text in (data.get("paragraphs") or {}).items():
        paragraphs = spec.form(form_id).paragraphs
        lines = [line for line in str(text).splitlines() if line.strip()]
        if len(lines) > len(paragraphs):
            raise SpecError(
                f"示例文件 {path.name}：{form_id} 有 {len(lines)} 段，模板只有 {len(paragraphs)} 行"
            )
        values.update({p.id: line for p, line in zip(paragraphs, lines, strict=False)})
    unknown = [str(k) for k in values if not spec.has_cell(k)]
    if unknown:
        raise SpecError(f"示例文件 {path.name} 引用了模板中不存在的单元格：{'、'.join(unknown)}")
    return spec, values
