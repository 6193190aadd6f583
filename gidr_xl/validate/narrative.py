"""Narrative vs tables: figures quoted in the text must equal the table cells (spec C-1…C-3).

The patterns and target cells are data (``narrative_checks`` in the format specs); this module
only applies them. Every finding points at the paragraph cell and at the table cells, and
quotes the sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from gidr_xl.findings import Finding, FindingCell
from gidr_xl.model import CellId, NarrativeCheck
from gidr_xl.report import Report
from gidr_xl.rules.python import compile_node
from gidr_xl.values import display, is_blank, is_number

_SENTENCE = re.compile(r"[^。；;！!？?\n]+[。；;！!？?]?")
#: Document titles and numbers (《…2019年…》, 〔2019〕) are not statements about a year.
_QUOTED = re.compile(r"《[^》]*》|〔[^〕]*〕|\[[^\]]*\]|（[^）]*〔[^）]*）")
_YEAR = re.compile(r"(?<![\d〔])((?:19|20)\d{2})年")


def _sentences(text: str) -> Iterator[str]:
    for match in _SENTENCE.finditer(text):
        sentence = match.group(0).strip()
        if sentence:
            yield sentence


def _paragraphs(report: Report, forms: tuple[str, ...]) -> Iterator[tuple[CellId, int, str]]:
    for form_id in forms:
        for n, cell in enumerate(report.spec.form(form_id).paragraphs, 1):
            value = report.values.get(cell.id)
            if not is_blank(value) and isinstance(value, str):
                yield cell.id, n, value


def _number_findings(report: Report, check: NarrativeCheck) -> Iterator[Finding]:
    spec = report.spec
    node, cells = spec.narrative_targets[check.value]
    if not all(is_number(report.values.get(c)) for c in cells):
        return  # blank or text table cells are findings of their own
    table_value = compile_node(node)(report.values)
    pattern = re.compile(check.pattern)
    for cell_id, _, text in _paragraphs(report, check.forms):
        for sentence in _sentences(text):
            match = pattern.search(sentence)
            if match is None:
                continue
            quoted = 0 if check.zero else float(match.group("n"))
            if abs(quoted - float(table_value)) < 1e-9:  # type: ignore[arg-type]
                continue
            where = spec.cell(cell_id)
            yield Finding(
                code=check.id,
                severity=check.severity,
                title=check.title,
                message=check.message.format(quoted=display(quoted), table=display(table_value))
                + f"（原文：“{sentence}”）",
                instance=f"{check.id}[{cell_id.keys[0]}]",
                cells=(
                    FindingCell(where.position, str(cell_id), text, "left"),
                    *(
                        FindingCell(spec.cell(c).position, str(c), report.values.get(c), "right")
                        for c in cells
                    ),
                ),
                expected=table_value,
                actual=quoted,
                anchor=where.position,
                params={"quoted": quoted, "table": table_value, "sentence": sentence},
            )


def _year_findings(report: Report, check: NarrativeCheck) -> Iterator[Finding]:
    year = report.year
    if year is None:
        return
    for cell_id, n, text in _paragraphs(report, check.forms):
        plain = _QUOTED.sub("", text)
        for match in _YEAR.finditer(plain):
            mentioned = int(match.group(1))
            opening = match.start() == 0 and cell_id.table == report.spec.roles.opening
            if mentioned > year + 1 or (opening and mentioned != year):
                where = report.spec.cell(cell_id)
                yield Finding(
                    code=check.id,
                    severity=check.severity,
                    title=check.title,
                    message=check.message.format(paragraph=n, quoted=mentioned, year=year)
                    + f"（位置：{where.ref}）",
                    instance=f"{check.id}[{cell_id}]",
                    cells=(FindingCell(where.position, str(cell_id), text, "cell"),),
                    expected=year,
                    actual=mentioned,
                    anchor=where.position,
                    params={"paragraph": n, "quoted": mentioned, "year": year},
                )
                break


def narrative_findings(report: Report) -> list[Finding]:
    """All narrative-vs-table and year findings of ``report``."""
    out: list[Finding] = []
    for check in report.spec.narrative_checks:
        found = _year_findings(report, check) if check.kind == "year" else _number_findings(report, check)
        out.extend(found)
    return out
