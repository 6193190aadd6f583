"""The package's own data files (format specs, samples, templates, ribbon XML, font map).

Everything the code reads at run time lives in ``gidr_xl/data/`` and is found through
``importlib.resources``, so an installed wheel finds it as well as a source checkout does.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

#: libyaml's parser when PyYAML was built with it (every wheel on PyPI is): the format specs
#: parse in a tenth of the time, which is most of a cold ``gidr validate``.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """Safe YAML (no tags that build objects), with the fastest loader available."""
    return yaml.load(text, Loader=_YAML_LOADER)


def data(*parts: str) -> Traversable:
    """A file or folder under ``gidr_xl/data/``."""
    node = files("gidr_xl").joinpath("data")
    for part in parts:
        node = node.joinpath(part)
    return node


def data_path(*parts: str) -> Path:
    """A data file as a real path, for tools that need one (LibreOffice, Jinja2's loaders).

    Wheels are installed unpacked, so the resource is always a file on disk; a zipped install
    (zipimport) is not supported and says so here rather than failing later.
    """
    node = data(*parts)
    if not isinstance(node, Path):
        raise RuntimeError(f"gidr-xl must be installed unpacked to read {node}")
    return node
