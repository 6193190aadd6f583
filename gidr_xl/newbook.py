"""A new workbook to fill in: blank for a format and year, or one of the built-in samples."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gidr_xl.errors import UsageError
from gidr_xl.model import FormatSpec
from gidr_xl.names import ORG_LONGEST, clean_name
from gidr_xl.paths import refuse_overwrite
from gidr_xl.samples import load_sample
from gidr_xl.spec.loader import format_for_year, load_format
from gidr_xl.template.writer import write_workbook


@dataclass(frozen=True)
class NewWorkbook:
    path: Path
    spec: FormatSpec
    year: int | None


def resolve_format(format: str | None = None, year: int | None = None) -> tuple[FormatSpec, int]:
    """The format and report year from either or both; refuses a format that does not cover the year.

    Without a year, the format's latest year (its first, for the current format) is used."""
    if format:
        spec = load_format(format)
    elif year is not None:
        spec = format_for_year(year)
    else:
        raise UsageError(
            "请用 --format（2019 或 2021）或 --year 指定格式，例如：gidr new --format 2021 --year 2025 --org 某某局"
        )
    if year is None:
        year = max(spec.first_year, spec.last_year or spec.first_year)
    if not spec.covers_year(year):
        right = format_for_year(year)
        raise UsageError(
            f"{year} 年度报告应使用 {right.name} 格式（--format {right.id[2:]}），不能使用 {spec.name}。"
        )
    return spec, year


def new_workbook(
    out: Path | None = None,
    *,
    format: str | None = None,
    year: int | None = None,
    org: str = "",
    sample: str | None = None,
    overwrite: bool = False,
) -> NewWorkbook:
    """Write a blank workbook (``format`` and/or ``year``, ``org``) or the ``sample`` filled in.

    ``out`` defaults to ``build/<sample>.xlsx`` or ``build/<org or 年报>-<year>.xlsx``; an existing
    file is refused unless ``overwrite``."""
    if sample:
        spec, values = load_sample(sample)
        path = out or Path(f"build/{sample}.xlsx")
        refuse_overwrite(path, overwrite=overwrite)
        write_workbook(spec, path, values=values)
        sample_year = values.get(spec.roles.year)
        return NewWorkbook(path, spec, sample_year if isinstance(sample_year, int) else None)
    spec, year = resolve_format(format, year)
    org = clean_name(org, "机关名称", ORG_LONGEST) if org else ""
    path = out or Path(f"build/{org or '年报'}-{year}.xlsx")
    refuse_overwrite(path, overwrite=overwrite)
    write_workbook(spec, path, org=org, year=year)
    return NewWorkbook(path, spec, year)
