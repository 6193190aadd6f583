"""Two small, verified edits to the VBA source of xlwings' add-in template (xl/vbaProject.bin).

1. ``RibbonMyAddin.RunMain`` imports ``gidr_xl`` by name instead of deriving the module from the
   add-in's file name (a copy saved as ``gidr_xl (1).xlam`` would run ``import gidr_xl (1)``), and
   shows a message instead of failing inside VBA when no workbook is active (Protected View).
2. The ``PROJECT_NAME`` constant becomes ``gidr_xl`` (same length as ``myaddin``): the add-in
   reads its own ``gidr_xl.conf`` sheet / ``%USERPROFILE%\\.gidr_xl\\gidr_xl.conf`` rather than the
   generic ``myaddin`` ones that any other xlwings quickstart add-in would share.

Why this is safe without Excel: the template's ``_VBA_PROJECT`` stream has version 0xFFFF and no
performance cache, so Office compiles the modules from their source text (MS-OVBA 2.3.4.1), which
is all we change. Every edited stream keeps its exact size and the source keeps its offset, so the
compound file and the ``dir`` stream stay byte-for-byte as they were (to fit, a trailing blank line
of the xlwings module is dropped, and blank lines or a comment line are appended). Each edit is
decompressed again and compared with the intended source before it is written. Not verified here:
Excel itself loading the result (no Excel on the build machine).
"""

from __future__ import annotations

import io

import olefile

from gidr_xl.errors import GidrError

RIBBON_STREAM = "VBA/RibbonMyAddin"
XLWINGS_STREAM = "VBA/xlwings"
OLD_CONST = b'Public Const PROJECT_NAME As String = "myaddin"'
NEW_CONST = b'Public Const PROJECT_NAME As String = "gidr_xl"'
#: RunMain: a fixed import; with no active workbook (Protected View, nothing open) show the
#: Chinese message and title kept in D1:D2 of the add-in's config sheet (code name Sheet2; the
#: project's code page cannot hold Chinese text in the VBA source).
RUN_MAIN = (
    b'Attribute VB_Name = "RibbonMyAddin"\r\n'
    b"Sub RunMain(control As IRibbonControl)\r\n"
    b'If ActiveWorkbook Is Nothing Then MsgBox Sheet2.Range("D1"), 48, Sheet2.Range("D2"): Exit Sub\r\n'
    b'RunPython "import gidr_xl;gidr_xl.main()"\r\n'
    b"End Sub\r\n"
)
_PAD = b"'"  # a comment line that brings the compressed source to the stream's exact size


def _bitcount(position: int) -> int:
    bits = 4
    while (1 << bits) < position:
        bits += 1
    return bits


def decompress(data: bytes) -> tuple[bytes, list[int]]:
    """MS-OVBA 2.4.1.3 decompression; also, per output byte, the index of the literal it came from
    in ``data`` (-1 when it came from a copy token), for checks."""
    if not data or data[0] != 1:
        raise GidrError("VBA 模块的压缩数据无效。")
    out, origin = bytearray(), []
    pos = 1
    while pos < len(data):
        header = int.from_bytes(data[pos : pos + 2], "little")
        end = min(pos + (header & 0x0FFF) + 3, len(data))
        start = len(out)
        pos += 2
        if not header & 0x8000:  # raw chunk
            out += data[pos : pos + 4096]
            origin += range(pos, pos + 4096)
            pos += 4096
            continue
        while pos < end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= end:
                    break
                if not flags >> bit & 1:
                    out.append(data[pos])
                    origin.append(pos)
                    pos += 1
                    continue
                token = int.from_bytes(data[pos : pos + 2], "little")
                bits = _bitcount(len(out) - start)
                length = (token & (0xFFFF >> bits)) + 3
                offset = (token >> (16 - bits)) + 1
                for _ in range(length):
                    out.append(out[-offset])
                    origin.append(-1)
                pos += 2
    return bytes(out), origin


def _chunk(chunk: bytes) -> bytes:
    """One compressed chunk (MS-OVBA 2.4.1.3.7): longest earlier match, else a literal."""
    body = bytearray()
    seen: dict[bytes, list[int]] = {}
    i = 0
    while i < len(chunk):
        flag_at, flags = len(body), 0
        body.append(0)
        for bit in range(8):
            if i >= len(chunk):
                break
            bits = _bitcount(i)
            max_len, best, best_off = min((0xFFFF >> bits) + 3, len(chunk) - i), 0, 0
            for j in reversed(seen.get(chunk[i : i + 3], [])):
                n = 3
                while n < max_len and chunk[j + n] == chunk[i + n]:
                    n += 1
                if n > best:
                    best, best_off = n, i - j
                    if n == max_len:
                        break
            step = best if best >= 3 else 1
            if best >= 3:
                body += (((best_off - 1) << (16 - bits)) | (best - 3)).to_bytes(2, "little")
                flags |= 1 << bit
            else:
                body.append(chunk[i])
            for k in range(i, i + step):
                seen.setdefault(chunk[k : k + 3], []).append(k)
            i += step
        body[flag_at] = flags
    return (0xB000 | (len(body) + 2 - 3)).to_bytes(2, "little") + bytes(body)


def compress(source: bytes) -> bytes:
    """MS-OVBA 2.4.1.3 compression, one chunk per 4096 bytes."""
    return b"\x01" + b"".join(_chunk(source[k : k + 4096]) for k in range(0, max(len(source), 1), 4096))


def _fit(source: bytes, size: int) -> bytes:
    """``source`` plus blank lines or a padding comment, compressed to exactly ``size`` bytes.

    Only the last chunk varies, so the chunks before it are compressed once."""
    cut = (len(source) - 1) // 4096 * 4096
    head = compress(source[:cut])[1:] if cut else b""
    for blank in range(4):
        for n in range(0, 4000):
            pad = b"" if n == 0 else _PAD + bytes(0x21 + (k % 90) for k in range(n - 1)) + b"\r\n"
            packed = b"\x01" + head + compress(source[cut:] + b"\r\n" * blank + pad)[1:]
            if len(packed) == size:
                return packed
            if len(packed) > size + 2:
                break
    raise GidrError("无法把修改后的 VBA 代码写回原大小，xlwings 模板可能已变更。")


def _module_offset(ole: olefile.OleFileIO, stream: str) -> int:
    """Where the compressed source starts in a module stream: the MODULEOFFSET of the dir stream."""
    directory, _ = decompress(ole.openstream("VBA/dir").read())
    name = stream.split("/")[-1].encode("latin-1")
    at = directory.find(b"\x1a\x00" + len(name).to_bytes(4, "little") + name)  # MODULESTREAMNAME
    if at < 0:
        raise GidrError(f"xlwings 模板的 VBA 工程中找不到模块 {name.decode()}。")
    at = directory.find(b"\x31\x00\x04\x00\x00\x00", at)  # MODULEOFFSET record
    return int.from_bytes(directory[at + 6 : at + 10], "little")


def patch(vba_project: bytes) -> bytes:
    """The template's vbaProject.bin with the two edits above; every edit verified."""
    ole = olefile.OleFileIO(io.BytesIO(vba_project), write_mode=True)
    if ole.openstream("VBA/_VBA_PROJECT").read()[2:4] != b"\xff\xff":
        raise GidrError("xlwings 模板的 VBA 工程带有编译缓存，无法安全修改，模板可能已变更。")
    # RunMain: new source, same stream size, same offset
    raw = ole.openstream(RIBBON_STREAM).read()
    offset = _module_offset(ole, RIBBON_STREAM)
    packed = _fit(RUN_MAIN, len(raw) - offset)
    if not decompress(packed)[0].startswith(RUN_MAIN):
        raise GidrError("VBA 代码校验失败。")
    ole.write_stream(RIBBON_STREAM, raw[:offset] + packed)
    # PROJECT_NAME: the module recompressed to its exact size (trailing blank lines trimmed, then
    # padded); the decompressed result must be the original with only the constant changed
    raw = ole.openstream(XLWINGS_STREAM).read()
    offset = _module_offset(ole, XLWINGS_STREAM)
    source, _ = decompress(raw[offset:])
    if source.count(OLD_CONST) != 1:
        raise GidrError("xlwings 模板中找不到 PROJECT_NAME 常量，模板可能已变更。")
    wanted = source.replace(OLD_CONST, NEW_CONST).rstrip(b"\r\n") + b"\n"
    packed = _fit(wanted, len(raw) - offset)
    if not decompress(packed)[0].startswith(wanted):
        raise GidrError("VBA 代码校验失败。")
    ole.write_stream(XLWINGS_STREAM, raw[:offset] + packed)
    ole.fp.seek(0)
    data = ole.fp.read()
    ole.close()
    return data
