"""The embedded Excel formulas and the Python validator agree, rule instance by rule instance.

`formulas` evaluates the generated workbook (loaded once per format) for 200+ fillings, valid
and with planted faults; LibreOffice recalculates a handful of saved fillings as a second,
independent engine.
"""

from __future__ import annotations

import random
from pathlib import Path

import openpyxl
import pytest

from gidr_xl.model import FormatSpec
from gidr_xl.office import convert, soffice
from gidr_xl.reader.workbook import read_report
from gidr_xl.report import Report
from gidr_xl.rules.excel import FAIL, PASS, SKIP
from gidr_xl.samples import load_sample
from gidr_xl.template.writer import write_workbook
from gidr_xl.validate.validator import validate
from tests.conftest import SAMPLES
from tests.fillings import FAULT_KINDS, plant_fault, valid_filling
from tests.formulas_model import FormulasWorkbook

EXCEL_TO_OUTCOME = {PASS: True, FAIL: False, SKIP: None}
FILLINGS_PER_FORMAT = 110  # two formats: 220 fillings in all


@pytest.fixture(scope="module")
def engine(spec: FormatSpec, template_path: Path) -> FormulasWorkbook:
    return FormulasWorkbook(template_path, spec)


def _fillings(spec: FormatSpec, count: int, seed: int):
    rng = random.Random(seed)
    for i in range(count):
        values = valid_filling(spec, rng)
        if i % 3 == 0:
            yield f"valid-{i}", values
        else:
            kind = FAULT_KINDS[i % len(FAULT_KINDS)]
            faulty, fault = plant_fault(spec, values, kind, rng)
            yield f"{kind}-{i}@{fault.cell}", faulty


def _disagreements(spec, engine, values, which) -> list[str]:
    cells = spec.check_cells
    chosen = [i for i in spec.instances if which(i)]
    excel = engine.evaluate(values, [cells[i.id] for i in chosen])
    python = validate(Report(spec, values)).outcomes
    out = []
    for inst in chosen:
        got = EXCEL_TO_OUTCOME.get(excel[cells[inst.id]], excel[cells[inst.id]])
        if got != python[inst.id]:
            out.append(f"{inst.id}: Excel {excel[cells[inst.id]]!r}, Python {python[inst.id]!r}")
    return out


def test_relations_agree_on_many_fillings(spec: FormatSpec, engine: FormulasWorkbook) -> None:
    """Every non-per-cell rule instance, for 110 fillings per format."""
    failures = {}
    fired = 0
    for name, values in _fillings(spec, FILLINGS_PER_FORMAT, seed=hash(spec.id) % 1000):
        bad = _disagreements(spec, engine, values, lambda i: not i.rule.per_cell)
        if bad:
            failures[name] = bad[:3]
        fired += not validate(Report(spec, values)).ok
    assert not failures, failures
    assert fired >= FILLINGS_PER_FORMAT // 2  # the planted faults really break rules


def test_every_instance_agrees_on_samples_and_faulty_fillings(
    spec: FormatSpec, engine: FormulasWorkbook
) -> None:
    """All instances, per-cell checks included, on the sample and on fillings with many faults."""
    rng = random.Random(7)
    _, sample = load_sample(SAMPLES[spec.id])
    cases = [("sample", sample)]
    for n in range(4):
        values = valid_filling(spec, rng)
        for kind in FAULT_KINDS * 4:
            values, _ = plant_fault(spec, values, kind, rng)
        cases.append((f"many-faults-{n}", values))
    blank = {}
    cases.append(("blank", blank))
    for name, values in cases:
        bad = _disagreements(spec, engine, values, lambda i: True)
        assert not bad, (name, bad[:8])


@pytest.mark.skipif(soffice() is None, reason="LibreOffice not installed")
def test_libreoffice_recalculation_agrees(spec: FormatSpec, workdir: Path) -> None:
    """Saved fillings (including typed formulas) recalculated by LibreOffice match Python."""
    rng = random.Random(11)
    paths = []
    for n, kind in enumerate(("valid", "off-by-one", "text", "blank", "negative")):
        values = valid_filling(spec, rng)
        if kind != "valid":
            values, _ = plant_fault(spec, values, kind, rng)
        if n == 1:
            t3 = spec.table("T3").inputs
            values[t3[0].id] = "=3+4"  # a formula typed by staff
            values[t3[1].id] = "12"  # a number stored as text: not a number in Excel
        paths.append(write_workbook(spec, workdir / "lo-in" / f"{spec.id}-{n}-{kind}.xlsx", values=values))
    recalculated = convert(paths, "xlsx", workdir / "lo-out" / spec.id)
    cells = spec.check_cells
    for original, calc in zip(paths, recalculated, strict=True):
        python = validate(read_report(original)).outcomes
        wb = openpyxl.load_workbook(calc, data_only=True, read_only=True)
        grids = {name: {} for name in {c.sheet for c in cells.values()}}
        for name, grid in grids.items():
            for row in wb[name].iter_rows():
                for c in row:
                    if getattr(c, "coordinate", None):
                        grid[c.coordinate] = c.value
        wb.close()
        diff = [
            (iid, grids[c.sheet].get(c.address), python[iid])
            for iid, c in cells.items()
            if EXCEL_TO_OUTCOME.get(grids[c.sheet].get(c.address)) != python[iid]
        ]
        assert not diff, (original.name, diff[:5])
