"""Shared fixtures: specs, generated templates and samples (built once per test session)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TQDM_DISABLE", "1")

from gidr_xl.model import FormatSpec
from gidr_xl.samples import load_sample
from gidr_xl.spec.loader import load_format
from gidr_xl.template.writer import write_workbook

FORMATS = ("gb2019", "gb2021")
SAMPLES = {"gb2019": "jianghai-2019", "gb2021": "example-2021"}
REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"


@pytest.fixture(scope="session", params=FORMATS)
def spec(request: pytest.FixtureRequest) -> FormatSpec:
    return load_format(request.param)


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gidr")


@pytest.fixture(scope="session")
def template_path(spec: FormatSpec, workdir: Path) -> Path:
    """The blank template of ``spec`` as `gidr new` writes it."""
    return write_workbook(spec, workdir / f"blank-{spec.id}.xlsx", org="测试局", year=spec.first_year)


@pytest.fixture(scope="session")
def sample_path(spec: FormatSpec, workdir: Path) -> Path:
    sample_spec, values = load_sample(SAMPLES[spec.id])
    return write_workbook(sample_spec, workdir / f"{SAMPLES[spec.id]}.xlsx", values=values)
