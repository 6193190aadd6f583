"""All rule instances of a format, expanded once and cached."""

from __future__ import annotations

from gidr_xl.model import FormatSpec
from gidr_xl.rules.expand import RuleInstance, expand
from gidr_xl.spec.loader import resolver_for

_CACHE: dict[str, tuple[RuleInstance, ...]] = {}


def instances(spec: FormatSpec) -> tuple[RuleInstance, ...]:
    """Every concrete check of ``spec``, in rule order."""
    if spec.sha256 not in _CACHE:
        resolve = resolver_for(spec)
        _CACHE[spec.sha256] = tuple(
            inst for rule in spec.rules for inst in expand(rule, resolve, spec.has_cell)
        )
    return _CACHE[spec.sha256]
