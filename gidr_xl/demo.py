"""The demonstration (``gidr demo``): both samples and a blank workbook, validated and compiled.

Everything is written afresh into one folder on every run (existing files there are replaced).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gidr_xl.compile import compile_report, planned_outputs
from gidr_xl.office import soffice
from gidr_xl.reader.workbook import read_report
from gidr_xl.samples import available_samples, load_sample
from gidr_xl.spec.loader import load_format
from gidr_xl.template.writer import write_workbook
from gidr_xl.validate.validator import Result, validate


@dataclass
class DemoSample:
    workbook: Path
    result: Result
    written: list[Path] = field(default_factory=list)  # the report files (only when it passes)


@dataclass
class Demo:
    blank: Path
    samples: list[DemoSample]

    @property
    def ok(self) -> bool:
        return all(s.result.ok for s in self.samples)


def run_demo(out_dir: Path) -> Demo:
    """A blank 2021 workbook and every sample into ``out_dir``; samples that pass are compiled
    (.docx, .html, and .pdf when LibreOffice is installed)."""
    blank = write_workbook(load_format("2021"), out_dir / "空白模板-2025.xlsx", org="某某局", year=2025)
    samples: list[DemoSample] = []
    for name in available_samples():
        spec, values = load_sample(name)
        path = write_workbook(spec, out_dir / f"{name}.xlsx", values=values)
        sample = DemoSample(path, validate(read_report(path)))
        if sample.result.ok:
            outputs = planned_outputs(path.with_suffix(".docx"), pdf=soffice() is not None, html=True)
            sample.written = compile_report(sample.result, outputs, overwrite=True).written
        samples.append(sample)
    return Demo(blank, samples)
