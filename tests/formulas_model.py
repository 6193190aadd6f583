"""The generated workbook evaluated by the `formulas` package: an independent Excel engine.

The model is loaded once per template and fed new input values for every filling.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import formulas
import schedula as sh

from gidr_xl.model import CellId, FormatSpec
from gidr_xl.reader.formula_inputs import plain_value
from gidr_xl.spec.layout import CheckCell


class FormulasWorkbook:
    def __init__(self, path: Path, spec: FormatSpec) -> None:
        self.spec = spec
        self.book = path.name
        self.model = formulas.ExcelModel().loads(str(path)).finish()
        self.nodes = {k.upper(): k for k in self.model.dsp.data_nodes}
        self.input_keys = {c.id: self.key(c.sheet, c.address) for c in spec.inputs}
        self._shrunk: dict[tuple[str, ...], object] = {}

    def key(self, sheet: str, address: str) -> str:
        return self.nodes[f"'[{self.book}]{sheet}'!{address}".upper()]

    def evaluate(
        self, values: Mapping[CellId, object], checks: Iterable[CheckCell]
    ) -> dict[CheckCell, object]:
        """Values of the given check cells after setting every input cell."""
        wanted = list(checks)
        outputs = tuple(self.key(c.sheet, c.address) for c in wanted)
        if outputs not in self._shrunk:
            self._shrunk[outputs] = self.model.dsp.shrink_dsp(
                inputs=list(self.input_keys.values()), outputs=list(outputs)
            )
        inputs = {
            key: [[sh.EMPTY]] if values.get(cid) is None else values[cid]
            for cid, key in self.input_keys.items()
        }
        solution = self._shrunk[outputs].dispatch(inputs=inputs, outputs=list(outputs))
        return {c: plain_value(solution[k].value) for c, k in zip(wanted, outputs, strict=True)}
