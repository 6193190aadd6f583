"""Label variants and section headings of published reports (data in data/import/labels.yaml)."""

from __future__ import annotations

from functools import cache

from gidr_xl.resources import data, load_yaml


@cache
def _data() -> dict:
    return load_yaml(data("import", "labels.yaml").read_text(encoding="utf-8"))


def aliases(fmt: str, table: str, row: str) -> tuple[str, ...]:
    return tuple(_data()["aliases"].get(fmt, {}).get(table, {}).get(row, ()))


def same_row(row: str) -> str | None:
    return _data()["rows"].get(row)


def equivalent_column(source: str, target: str, column: str) -> str:
    return _data()["columns"].get(f"{source}>{target}", {}).get(column, column)


def t2_layout_markers() -> dict[str, list[str]]:
    return _data()["t2_layout"]


def sections() -> dict[str, dict[str, list[str]]]:
    return _data()["sections"]
