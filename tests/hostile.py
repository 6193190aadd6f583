"""Seeded mutations of our workbooks and a checked run of the ``gidr`` commands on them.

Self-contained (no dependency on the shared fuzz harness): used by ``tests/test_hostile.py``
(a few hundred mutations in CI) and ``python -m benchmarks.fuzz`` (thousands). Three families:

* ``value``: hostile contents of input cells (1e309, NaN, 400 digits, text, errors, booleans,
  formulas with whole columns, volatile functions, self references …), edited in the XML;
* ``structure``: sheets deleted, renamed, reordered, hidden; merges over input cells; defined
  names and protection removed; far rows; the metadata damaged;
* ``zip``: truncation, flipped bytes, encryption flags, compression methods, bad CRCs, lying
  sizes, duplicate and missing members, DOCTYPE/entities, bad encodings, invalid UTF-8,
  illegal characters, odd cell references, deep nesting, whole-file swaps.

Each mutation states the exit codes ``gidr validate`` may give for it (``None``: any of 0–2).
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import re
import struct
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from gidr_xl.model import CellType, FormatSpec
from gidr_xl.reader.cells import _relationships, _sheet_paths, _workbook_part
from gidr_xl.spec.layout import DETAIL_SHEET, META_SHEET

FAMILIES = ("value", "structure", "zip")
ANY = frozenset({0, 1, 2})
TWO = frozenset({2})
ONE = frozenset({1})


@dataclass
class Base:
    """An unmutated workbook: its bytes, members, sheet parts and validate exit code."""

    name: str
    spec: FormatSpec
    data: bytes
    code: int
    members: dict[str, bytes] = field(default_factory=dict)
    sheets: dict[str, str] = field(default_factory=dict)  # sheet name → part

    @classmethod
    def load(cls, name: str, spec: FormatSpec, path: Path, code: int) -> Base:
        data = path.read_bytes()
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = {i.filename: zf.read(i) for i in zf.infolist()}
            workbook = _workbook_part(zf)
            sheets = _sheet_paths(zf, workbook, _relationships(zf, workbook))
        return cls(name, spec, data, code, members, sheets)


@dataclass
class Mutation:
    family: str
    label: str
    data: bytes
    expected: frozenset[int] | None  # exit codes of validate; None: same as the base
    base: Base


def pack(members: dict[str, bytes] | list[tuple[str, bytes]]) -> bytes:
    """A zip of ``members`` (deflate), duplicates allowed when given as a list."""
    out = io.BytesIO()
    items = members.items() if isinstance(members, dict) else members
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf, _quiet():
        for name, data in items:
            zf.writestr(name, data)
    return out.getvalue()


@contextlib.contextmanager
def _quiet():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        yield


# --- value family ---------------------------------------------------------------------------

_BIG = "9" * 400
VALUES: list[tuple[str, str, frozenset[int] | None]] = [
    # (label, the <c> content after the r attribute, expected codes)
    ("1e309", "><v>1e309</v></c>", ONE),
    ("-1E+309", "><v>-1E+309</v></c>", ONE),
    ("1e308", "><v>1e308</v></c>", ONE),
    ("NaN", "><v>NaN</v></c>", ONE),
    ("inf", "><v>inf</v></c>", ONE),
    ("400 digits", f"><v>{_BIG}</v></c>", ONE),
    ("5000 digits", f"><v>{'7' * 5000}</v></c>", ONE),
    ("2**53+1", "><v>9007199254740993</v></c>", ONE),
    ("text", ' t="inlineStr"><is><t>十二</t></is></c>', ONE),
    ("error", ' t="e"><v>#DIV/0!</v></c>', ONE),
    ("boolean", ' t="b"><v>1</v></c>', ONE),
    ("boolean spelled true", ' t="b"><v>true</v></c>', ONE),
    ("str", ' t="str"><v>abc</v></c>', ONE),
    ("date", ' t="d"><v>2024-13-45T99:99:99</v></c>', None),
    ("=SUM(whole column)", "><f>SUM(表三!A:A)</f></c>", ONE),
    ("=SUM(whole row)", "><f>SUM(1:1)</f></c>", ONE),
    ("=SUM(huge range)", "><f>SUM(A1:XFD1048576)</f></c>", ONE),
    ("=1/0", "><f>1/0</f></c>", ONE),
    ("=NOW()", "><f>NOW()</f></c>", ONE),
    ("=INDIRECT", '><f>INDIRECT("A1")</f></c>', ONE),
    ("=OFFSET", "><f>OFFSET(A1,1,1)</f></c>", ONE),
    ("=unknown function", '><f>WEBSERVICE("http://x")</f></c>', ONE),
    ("=1E308*10", "><f>1E308*10</f></c>", ONE),
    ("=broken", "><f>SUM(((</f></c>", ONE),
    ("=external", "><f>[1]Sheet1!A1</f></c>", ONE),
    ("=name", "><f>SUM(某个名称)</f></c>", ONE),
    ("shared without master", '><f t="shared" si="77"/><v>3</v></c>', None),
    ("array formula", '><f t="array" ref="A1">1+1</f><v>2</v></c>', None),
    ("cached lie", "><f>1+1</f><v>99999</v></c>", None),
]
SELF_REFERENCES = ("{addr}", "{addr}+1", "SUM({addr}:{addr})", "SUM(A1:Z99)")
TEXTS: list[tuple[str, str]] = [
    ("100k chars", "长" * 100_000),
    ("control escapes", "_x0001__x001F_ab_x0000_"),
    ("emoji", "😀" * 50),
    ("full-width digits", "１２３"),
]


def _cell_pattern(address: str) -> re.Pattern[bytes]:
    return re.compile(rb'<c r="' + address.encode() + rb'"([^>]*?)(?:/>|>.*?</c>)', re.S)


def _set_cell(part: bytes, address: str, content: str) -> bytes | None:
    """Replace the ``<c>`` at ``address`` (keeping its style) with ``content``; None if absent."""
    match = _cell_pattern(address).search(part)
    if match is None:
        return None
    style = re.search(rb's="\d+"', match.group(1))
    head = b'<c r="' + address.encode() + b'"' + (b" " + style.group(0) if style else b"")
    return part[: match.start()] + head + content.encode() + part[match.end() :]


def mutate_value(rng: random.Random, base: Base) -> Mutation:
    members = dict(base.members)
    numeric = [c for c in base.spec.inputs if c.type.numeric and c.sheet in base.sheets]
    texts = [c for c in base.spec.inputs if c.type is CellType.TEXT and c.sheet in base.sheets]
    roll = rng.random()
    if roll < 0.15 and texts:
        cell = rng.choice(texts)
        label, text = rng.choice(TEXTS)
        from xml.sax.saxutils import escape

        content, expected = f' t="inlineStr"><is><t>{escape(text)}</t></is></c>', None
    elif roll < 0.25:
        cell = rng.choice(numeric)
        label = rng.choice(SELF_REFERENCES)
        content, expected = f"><f>{label.format(addr=cell.address)}</f></c>", ONE
    else:
        cell = rng.choice(numeric)
        label, content, expected = rng.choice(VALUES)
        if cell.type is CellType.YEAR and label == "date":
            expected = None
    part = base.sheets[cell.sheet]
    edited = _set_cell(members[part], cell.address, content)
    if edited is None:  # the cell is blank in this base: add it to its row
        edited = _add_cell(members[part], cell.address, content)
    members[part] = edited
    codes = expected if expected is None else frozenset(expected)
    if label in ("shared without master", "array formula", "cached lie", "date") or label in dict(TEXTS):
        codes = frozenset({base.code, 1})  # the value changed, to another number or a text
    return Mutation("value", f"{cell.ref} ← {label}", pack(members), codes, base)


def _add_cell(part: bytes, address: str, content: str) -> bytes:
    row = re.match(r"[A-Z]+(\d+)", address).group(1)  # type: ignore[union-attr]
    cell = f'<c r="{address}"{content}'.encode()
    match = re.search(rb'<row r="' + row.encode() + rb'"[^>]*?(/>|>)', part)
    if match is None:
        return part.replace(b"</sheetData>", f'<row r="{row}">'.encode() + cell + b"</row></sheetData>", 1)
    if match.group(1) == b"/>":
        return part[: match.start()] + f'<row r="{row}">'.encode() + cell + b"</row>" + part[match.end() :]
    # cells must stay in column order for readers that stop early; put it last in the row
    end = part.index(b"</row>", match.end())
    return part[:end] + cell + part[end:]


# --- structure family -----------------------------------------------------------------------

_SHEET_ENTRY = re.compile(rb"<sheet [^>]*?/>")


def _workbook(base: Base) -> str:
    return next(m for m in base.members if m.endswith("workbook.xml"))


def mutate_structure(rng: random.Random, base: Base) -> Mutation:
    members = dict(base.members)
    wb_part = _workbook(base)
    wb = members[wb_part]
    entries = _SHEET_ENTRY.findall(wb)
    kind = rng.choice(
        [
            "delete sheet",
            "delete detail sheet",
            "delete meta",
            "rename sheet",
            "reorder sheets",
            "hide sheets",
            "bogus sheet state",
            "drop defined names",
            "drop protection",
            "merge input cells",
            "far rows",
            "meta format lost",
            "empty table",
        ]
    )
    expected: frozenset[int] | None = None
    names = [re.search(rb'name="([^"]*)"', e).group(1).decode() for e in entries]  # type: ignore[union-attr]
    tables = [
        n for n in names if n not in (META_SHEET, DETAIL_SHEET) and n in {c.sheet for c in base.spec.inputs}
    ]
    if kind in ("delete sheet", "rename sheet", "delete detail sheet", "delete meta"):
        victim = {"delete detail sheet": DETAIL_SHEET, "delete meta": META_SHEET}.get(kind) or rng.choice(
            tables
        )
        entry = entries[names.index(victim)]
        if kind == "rename sheet":
            wb = wb.replace(entry, entry.replace(f'name="{victim}"'.encode(), f'name="{victim}X"'.encode()))
        else:
            wb = wb.replace(entry, b"")
        kind = f"{kind} {victim}"
        # our validator computes every check itself: without 校验明细 only the Excel side is lost
        expected = (
            TWO if victim == META_SHEET else ONE if victim != DETAIL_SHEET else frozenset({base.code, 1})
        )
    elif kind == "reorder sheets":
        shuffled = entries[:]
        rng.shuffle(shuffled)
        block = b"".join(entries)
        if block in wb:
            wb = wb.replace(block, b"".join(shuffled))
    elif kind == "hide sheets":
        wb = wb.replace(b'state="visible"', b'state="hidden"')
    elif kind == "bogus sheet state":
        wb = wb.replace(b'state="visible"', b'state="bogus"', 1)
    elif kind == "drop defined names":
        wb = re.sub(rb"<definedNames>.*?</definedNames>", b"", wb, flags=re.S)
    elif kind == "drop protection":
        wb = re.sub(rb"<workbookProtection[^>]*/>", b"", wb)
        for part in base.sheets.values():
            members[part] = re.sub(rb"<sheetProtection[^>]*/>", b"", members[part])
    elif kind == "merge input cells":
        cells = rng.sample([c for c in base.spec.inputs if c.sheet in base.sheets], 6)
        for cell in cells:
            part = base.sheets[cell.sheet]
            col = re.match(r"[A-Z]+", cell.address).group(0)  # type: ignore[union-attr]
            row = int(cell.address[len(col) :])
            ref = f"{col}{row}:{col}{row + 1}" if rng.random() < 0.5 else f"{cell.address}:{cell.address}"
            members[part] = _add_merge(members[part], ref)
        kind += " " + ",".join(c.ref for c in cells)
        expected = None if base.code else frozenset({0, 1})
    elif kind == "far rows":
        part = base.sheets[rng.choice(tables)]
        rows = b"".join(
            f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>'.encode() for r in range(60000, 65000)
        )
        members[part] = members[part].replace(b"</sheetData>", rows + b"</sheetData>", 1)
    elif kind == "meta format lost":
        part = base.sheets[META_SHEET]
        members[part] = re.sub(rb"gb20(19|21)", b"gb1999", members[part], count=1)
        expected = TWO
    elif kind == "empty table":
        part = base.sheets[rng.choice(tables)]
        members[part] = re.sub(rb"<v>[^<]*</v>", b"", members[part])
        expected = frozenset({base.code, 1})
    members[wb_part] = wb
    return Mutation("structure", kind, pack(members), expected, base)


def _add_merge(part: bytes, ref: str) -> bytes:
    merge = f'<mergeCell ref="{ref}"/>'.encode()
    if b"</mergeCells>" in part:
        return part.replace(b"</mergeCells>", merge + b"</mergeCells>", 1)
    if b"<mergeCells/>" in part:
        return part.replace(b"<mergeCells/>", b"<mergeCells>" + merge + b"</mergeCells>", 1)
    return part.replace(b"</sheetData>", b"</sheetData><mergeCells>" + merge + b"</mergeCells>", 1)


# --- zip / XML family -----------------------------------------------------------------------

LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'.encode() for i in range(1, 10)
    )
    + b"]>"
)
XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///dev/zero">]>'
EXTERNAL_DTD = b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://example.invalid/x.dtd">'


def _central(data: bytes) -> list[tuple[int, int]]:
    """(offset of the central directory entry, offset of the local header) per member."""
    eocd = data.rfind(b"PK\x05\x06")
    count, _, cd_offset = struct.unpack("<HII", data[eocd + 10 : eocd + 20])
    out, pos = [], cd_offset
    for _ in range(count):
        name_len, extra_len, comment_len = struct.unpack("<HHH", data[pos + 28 : pos + 34])
        local = struct.unpack("<I", data[pos + 42 : pos + 46])[0]
        out.append((pos, local))
        pos += 46 + name_len + extra_len + comment_len
    return out


def _patch(data: bytes, at: int, fmt: str, value: int) -> bytes:
    return data[:at] + struct.pack(fmt, value) + data[at + struct.calcsize(fmt) :]


def _sheet_with(base: Base, rng: random.Random) -> str:
    return base.sheets[rng.choice([s for s in base.sheets if s != DETAIL_SHEET])]


def mutate_zip(rng: random.Random, base: Base) -> Mutation:
    data, members = base.data, dict(base.members)
    entries = _central(data)
    kinds = [
        "truncate",
        "flip data byte",
        "encryption flag",
        "method",
        "bad crc",
        "lying size",
        "duplicate member",
        "missing member",
        "doctype",
        "bad encoding declaration",
        "invalid utf-8",
        "illegal character",
        "lowercase reference",
        "huge reference",
        "shared string out of range",
        "deep nesting",
        "swap file",
        "many members",
        "bomb",
        "utf-16 part",
        "junk prefix",
    ]
    kind = rng.choice(kinds)
    expected: frozenset[int] | None = TWO
    if kind == "truncate":
        data = data[: rng.randrange(0, len(data) - 1)]
    elif kind == "flip data byte":
        cd, local = rng.choice([e for e in entries if _csize(data, e[0]) > 64])
        start = local + 30 + sum(struct.unpack("<HH", data[local + 26 : local + 30]))
        at = start + rng.randrange(8, _csize(data, cd) - 8)
        data = data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1 :]
    elif kind == "encryption flag":
        cd, local = rng.choice(entries)
        data = _patch(_patch(data, cd + 8, "<H", 1), local + 6, "<H", 1)
    elif kind == "method":
        cd, local = rng.choice(entries)
        method = rng.choice([1, 9, 12, 14, 99])
        data = _patch(_patch(data, cd + 10, "<H", method), local + 8, "<H", method)
        kind += f" {method}"
    elif kind == "bad crc":
        cd, _ = rng.choice(entries)
        data = _patch(data, cd + 16, "<I", rng.getrandbits(32))
    elif kind == "lying size":
        cd, _ = rng.choice([e for e in entries if struct.unpack("<I", data[e[0] + 24 : e[0] + 28])[0] > 10])
        data = _patch(data, cd + 24, "<I", rng.choice([1, 10, 2**31]))
    elif kind == "duplicate member":
        name = rng.choice(list(members))
        data = pack([*members.items(), (name, members[name])])
        kind += f" {name}"
    elif kind == "missing member":
        name = rng.choice([m for m in members if not m.startswith("docProps")])
        del members[name]
        data = pack(members)
        kind += f" {name}"
    elif kind == "doctype":
        part = rng.choice([_sheet_with(base, rng), _workbook(base), "[Content_Types].xml", "xl/styles.xml"])
        prolog = rng.choice([LAUGHS, XXE, EXTERNAL_DTD])
        members[part] = prolog + re.sub(rb"^<\?xml[^>]*\?>", b"", members[part])
        data = pack(members)
        kind += f" in {part}"
    elif kind == "bad encoding declaration":
        part = _sheet_with(base, rng)
        declared = rng.choice([b"UTF-16", b"GBK", b"nonsense", b"UTF-32"])
        members[part] = (
            b'<?xml version="1.0" encoding="'
            + declared
            + b'"?>'
            + re.sub(rb"^<\?xml[^>]*\?>", b"", members[part])
        )
        data = pack(members)
        kind += f" {declared.decode()}"
    elif kind == "invalid utf-8":
        part = _sheet_with(base, rng)
        members[part] = members[part].replace(b"</t>", b"\xff\xfe\xc3</t>", 1)
        data = pack(members)
    elif kind == "illegal character":
        part = _sheet_with(base, rng)
        members[part] = members[part].replace(b"</t>", b"\x01\x0b</t>", 1)
        data = pack(members)
    elif kind == "lowercase reference":
        part = base.sheets[rng.choice([c.sheet for c in base.spec.inputs])]
        members[part] = re.sub(
            rb'r="([A-Z]+)(\d+)"',
            lambda m: b'r="' + m.group(1).lower() + m.group(2) + b'"',
            members[part],
            count=3,
        )
        data, expected = pack(members), ANY
    elif kind == "huge reference":
        part = base.sheets[rng.choice([c.sheet for c in base.spec.inputs])]
        members[part] = members[part].replace(
            b"</sheetData>", b'<row r="1048577"><c r="XFE1048577"><v>1</v></c></row></sheetData>', 1
        )
        data, expected = pack(members), ANY
    elif kind == "shared string out of range":
        cell = rng.choice([c for c in base.spec.inputs if c.type.numeric])
        part = base.sheets[cell.sheet]
        edited = _set_cell(members[part], cell.address, ' t="s"><v>99999</v></c>')
        members[part] = (
            edited
            if edited is not None
            else _add_cell(members[part], cell.address, ' t="s"><v>99999</v></c>')
        )
        data = pack(members)
    elif kind == "deep nesting":
        part = _sheet_with(base, rng)
        depth = rng.choice([300, 5000, 100_000])
        members[part] = members[part].replace(
            b"</sheetData>", b"</sheetData>" + b"<x>" * depth + b"</x>" * depth, 1
        )
        data, expected = pack(members), ANY
    elif kind == "swap file":
        label, data = rng.choice(SWAPS)
        kind += f" {label}"
    elif kind == "many members":
        data = pack([*members.items(), *((f"junk/{i}.bin", b"") for i in range(2500))])
    elif kind == "bomb":
        # beyond the total cap: refused before inflating; 30 MB of one byte stays within every
        # cap (a workbook full of long repeated texts is as compressible) and reads normally
        big = rng.random() < 0.1
        members["xl/media/zeros.bin"] = b"\0" * ((240 if big else 30) * 1024 * 1024)
        data = pack(members)
        if not big:
            expected = frozenset({base.code})
    elif kind == "utf-16 part":
        part = _sheet_with(base, rng)
        text = re.sub(rb"^<\?xml[^>]*\?>", b"", members[part]).decode("utf-8")
        members[part] = '<?xml version="1.0" encoding="UTF-16"?>'.encode("utf-16") + text.encode("utf-16")[2:]
        data, expected = pack(members), ANY
    elif kind == "junk prefix":
        data = b"MZ" + bytes(rng.getrandbits(8) for _ in range(200)) + data
    return Mutation("zip", kind, data, expected, base)


def _csize(data: bytes, cd: int) -> int:
    return struct.unpack("<I", data[cd + 20 : cd + 24])[0]


SWAPS: list[tuple[str, bytes]] = [
    ("empty", b""),
    ("text", "年报 2024\n".encode() * 100),
    ("cfb", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),
    ("html", b"<html><body><table><tr><td>1</td></tr></table></body></html>"),
    ("pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"),
    ("docx-like", pack({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})),
    ("nested zip", pack({"inner.xlsx": b"PK\x03\x04" + b"\0" * 100})),
]

MUTATORS: dict[str, Callable[[random.Random, Base], Mutation]] = {
    "value": mutate_value,
    "structure": mutate_structure,
    "zip": mutate_zip,
}


def mutation(seed: int, i: int, bases: list[Base]) -> Mutation:
    """Mutation ``i`` of a campaign: deterministic in (seed, i); family = i % 3."""
    rng = random.Random(f"{seed}:{i}")
    return MUTATORS[FAMILIES[i % 3]](rng, rng.choice(bases))


# --- running the commands -------------------------------------------------------------------


@dataclass
class Outcome:
    command: str
    code: int | None
    seconds: float
    stdout: str
    stderr: str
    problem: str = ""


def run_cli(argv: list[str]) -> tuple[int | None, str, str, str]:
    """``gidr ARGV`` in this process: (exit code, stdout, stderr, escaped exception or '')."""
    from gidr_xl.cli import main

    out, err = io.StringIO(), io.StringIO()
    escaped = ""
    code: int | None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
        except BaseException as exc:
            code, escaped = None, f"{type(exc).__name__}: {exc}"
    return code, out.getvalue(), err.getvalue(), escaped


def strict_json(text: str) -> str:
    """'' when ``text`` is RFC 8259 JSON (no NaN/Infinity), else why not."""

    def refuse(constant: str) -> object:
        raise ValueError(f"non-standard constant {constant}")

    try:
        json.loads(text, parse_constant=refuse)
    except ValueError as exc:
        return str(exc)[:200]
    return ""


def check(mutation: Mutation, work: Path, side: bool, budget: float) -> list[str]:
    """Run validate --json (and, if ``side``, --annotate and build --force); the problems found."""
    path = work / "in.xlsx"
    path.write_bytes(mutation.data)
    problems: list[str] = []

    def run(command: str, argv: list[str]) -> int | None:
        start = time.monotonic()
        code, out, err, escaped = run_cli(argv)
        took = time.monotonic() - start
        where = f"{mutation.family}/{mutation.label} on {mutation.base.name}: {command}"
        if escaped or "Traceback" in err:
            problems.append(f"{where}: exception {escaped or err[-300:]}")
        if code == 3:
            problems.append(f"{where}: exit 3: {err.strip()[-300:]}")
        if took > budget:
            problems.append(f"{where}: took {took:.1f} s (budget {budget} s)")
        if command == "validate" and (why := strict_json(out)):
            problems.append(f"{where}: stdout is not strict JSON ({why})")
        return code

    code = run("validate", ["validate", str(path), "--json"])
    expected = mutation.expected if mutation.expected is not None else frozenset({mutation.base.code})
    if code is not None and code != 3 and code not in expected:
        problems.append(
            f"{mutation.family}/{mutation.label} on {mutation.base.name}: validate exit {code}, expected {sorted(expected)}"
        )
    if side and code in (0, 1, 2):
        out = work / "marked.xlsx"
        marked = run("annotate", ["validate", str(path), "--annotate", str(out), "--overwrite"])
        if marked != code:
            problems.append(f"{mutation.family}/{mutation.label}: --annotate exit {marked}, validate {code}")
        elif marked in (0, 1) and not out.exists():
            problems.append(f"{mutation.family}/{mutation.label}: --annotate wrote no copy")
        built = run("build", ["build", str(path), "--force", "--overwrite", "-o", str(work / "out.docx")])
        if built != code and not (code == 1 and built == 2):  # a restructured book cannot be built
            problems.append(
                f"{mutation.family}/{mutation.label}: build --force exit {built}, validate {code}"
            )
    return problems
