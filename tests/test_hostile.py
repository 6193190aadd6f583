"""Hostile and broken workbooks (issue #13): a seeded fuzz campaign and the kept fixtures.

Every run must end with exit 0, 1 or 2 as its mutation predicts, no exception, strict JSON,
``--annotate`` and ``build --force`` agreeing with ``validate``, and within the time budget.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gidr_xl.samples import load_sample
from gidr_xl.spec.loader import load_format
from gidr_xl.template.writer import write_workbook
from tests.hostile import Base, check, mutation, run_cli

#: Mutations per CI run (GIDR_FUZZ_N overrides; the long run is python -m benchmarks.fuzz).
N = int(os.environ.get("GIDR_FUZZ_N", "300"))
SEED = int(os.environ.get("GIDR_FUZZ_SEED", "13"))
#: Seconds one command may take on a loaded CI machine (a validation takes ~0.1 s).
BUDGET = 20.0
FIXTURES = Path(__file__).parent / "fixtures" / "hostile"


def make_bases(folder: Path) -> list[Base]:
    """The two samples (valid, exit 0) and a blank 2021 template (exit 1)."""
    out = []
    for name in ("jianghai-2019", "example-2021"):
        spec, values = load_sample(name)
        out.append(Base.load(name, spec, write_workbook(spec, folder / f"{name}.xlsx", values=values), 0))
    blank = load_format("2021")
    path = write_workbook(blank, folder / "blank-2021.xlsx", org="测试局", year=2025)
    out.append(Base.load("blank-2021", blank, path, 1))
    return out


@pytest.fixture(scope="module")
def bases(tmp_path_factory: pytest.TempPathFactory) -> list[Base]:
    found = make_bases(tmp_path_factory.mktemp("bases"))
    for base in found:  # the unmutated bases themselves end as declared
        path = tmp_path_factory.mktemp("b") / "b.xlsx"
        path.write_bytes(base.data)
        assert run_cli(["validate", str(path), "--json"])[0] == base.code
    return found


def test_fuzz_campaign(bases: list[Base], tmp_path: Path) -> None:
    problems: list[str] = []
    for i in range(N):
        problems += check(mutation(SEED, i, bases), tmp_path, side=i % 15 == 0, budget=BUDGET)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:40])


#: Exit code of each kept fixture (README.md in that folder says which bug it caught).
FIXTURE_CODES = {
    "method-9-deflate64.xlsx": 2,
    "encrypted-flag.xlsx": 2,
    "central-dir-flip.xlsx": 2,
    "byte-flip.xlsx": 2,
    "duplicate-member.xlsx": 2,
    "shared-string-negative.xlsx": 2,
    "xxe-in-check-sheet.xlsx": 2,
    "nan-value.xlsx": 1,
    "merged-input-cell.xlsx": 0,
    "xlookup-whole-column.xlsx": 1,
    "5000-digits-control-chars.xlsx": 1,
    "date-in-count-cell.xlsx": 1,
    "boolean-spelled-true.xlsx": 1,
    "bogus-sheet-state.xlsx": 0,
    "phonetic-run-without-sb.xlsx": 1,
    "long-repeated-texts.xlsx": 1,
    "corrupt-print-titles.xlsx": 0,
    "workbook-content-type-missing.xlsx": 1,
    "shared-formula-out-of-range.xlsx": 1,
    "row-number-text.xlsx": 0,
    "meta-row-beyond-sheet.xlsx": 0,
    "deep-nesting-in-workbook-part.xlsx": 1,
}


def fixtures() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("*") if p.suffix != ".md")


def test_every_fixture_is_listed() -> None:
    assert {p.name for p in fixtures()} == set(FIXTURE_CODES)
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    assert all(name in readme for name in FIXTURE_CODES)


@pytest.mark.parametrize("path", fixtures(), ids=lambda p: p.name)
def test_kept_hostile_fixture(path: Path, tmp_path: Path) -> None:
    """Every kept fixture through validate, --annotate and build --force: the same exit code,
    never 3, strict JSON."""
    from tests.hostile import strict_json

    code, out, err, escaped = run_cli(["validate", str(path), "--json"])
    assert not escaped and code == FIXTURE_CODES[path.name], err
    assert strict_json(out) == ""
    marked = tmp_path / "marked.xlsx"
    assert run_cli(["validate", str(path), "--annotate", str(marked)])[0] == code
    if code in (0, 1):
        assert marked.exists()
    built = run_cli(["build", str(path), "--force", "-o", str(tmp_path / "r.docx")])[0]
    assert built == code or (code, built) == (1, 2)
