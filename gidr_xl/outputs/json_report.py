"""Findings → the JSON document printed by ``gidr validate --json`` (and served by the API)."""

from __future__ import annotations

import json
from typing import Any

from gidr_xl.validate.validator import Result
from gidr_xl.version import __version__


def to_dict(result: Result) -> dict[str, Any]:
    report = result.report
    return {
        "generator": f"gidr-xl {__version__}",
        "file": report.source,
        "format": report.spec.id,
        "format_name": report.spec.name,
        "org": report.org,
        "year": report.year,
        "valid": result.ok,
        "summary": {"errors": result.errors, "warnings": result.warnings, "skipped": result.skipped},
        "findings": [f.to_dict() for f in result.findings],
        "localisation": result.localisation.to_dict() if result.localisation else None,
    }


def dumps(result: Result) -> str:
    return json.dumps(to_dict(result), ensure_ascii=False, indent=2, allow_nan=False)


def unusable(path: str, message: str) -> str:
    """JSON for a file that could not be read at all (exit code 2)."""
    return json.dumps(
        {"file": path, "valid": False, "error": message}, ensure_ascii=False, indent=2, allow_nan=False
    )
