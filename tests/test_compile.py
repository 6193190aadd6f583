"""The compiler: .docx (structure, typography), PDF text, HTML tables, round trip, CLI."""

from __future__ import annotations

import itertools
import re
import subprocess
from collections import Counter
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from lxml import html as lxml_html

from gidr_xl.addresses import parse_span
from gidr_xl.cli import Exit, main
from gidr_xl.compile import compile_report, planned_outputs
from gidr_xl.model import CellId, FormatSpec
from gidr_xl.office import soffice
from gidr_xl.outputs.document import DRAFT_MARK, build_document, format_value
from gidr_xl.outputs.nobreak import WORD_JOINER
from gidr_xl.reader.workbook import read_report
from gidr_xl.validate.validator import validate
from tests.conftest import REFERENCE

Grid = dict[tuple[int, int], tuple[str, int, int]]  # (row, col) of a visible cell → (text, rowspan, colspan)


@pytest.fixture(scope="module")
def built(spec: FormatSpec, sample_path: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp(f"build-{spec.id}")
    result = validate(read_report(sample_path))
    outputs = compile_report(
        result, planned_outputs(out / "report.docx", pdf=soffice() is not None, html=True)
    )
    return result, outputs


def docx_grid(tbl) -> Grid:
    """Visible cells of a w:tbl with their spans, from gridSpan and vMerge."""
    grid: Grid = {}
    origin_of_col: dict[int, tuple[int, int]] = {}
    for r, tr in enumerate(tbl.iter(qn("w:tr"))):
        c = 0
        for tc in tr.iter(qn("w:tc")):
            pr = tc.find(qn("w:tcPr"))
            span_node = pr.find(qn("w:gridSpan")) if pr is not None else None
            span = int(span_node.get(qn("w:val"))) if span_node is not None else 1
            vmerge = pr.find(qn("w:vMerge")) if pr is not None else None
            text = "".join(t.text or "" for t in tc.iter(qn("w:t")))
            if vmerge is not None and vmerge.get(qn("w:val")) != "restart":
                orow, ocol = origin_of_col[c]
                t, rs, cs = grid[(orow, ocol)]
                grid[(orow, ocol)] = (t, rs + 1, cs)
            else:
                grid[(r, c)] = (text, 1, span)
                origin_of_col[c] = (r, c)
            c += span
    return grid


def expected_grid(spec: FormatSpec, table_id: str, values: dict[CellId, object]) -> Grid:
    table = spec.table(table_id)
    grid: Grid = {}
    for lab in table.labels:
        c1, r1, c2, r2 = parse_span(lab.span)
        grid[(r1 - table.origin_row, c1 - 1)] = (lab.text, r2 - r1 + 1, c2 - c1 + 1)
    for cell in table.inputs:
        c1, r1, c2, r2 = parse_span(cell.span)
        grid[(r1 - table.origin_row, c1 - 1)] = (
            format_value(values[cell.id], cell.type),
            r2 - r1 + 1,
            c2 - c1 + 1,
        )
    return grid


def test_headings_in_order(spec: FormatSpec, built) -> None:
    result, outputs = built
    document = docx.Document(str(outputs.docx))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [s.heading for s in spec.sections]
    title = document.paragraphs[0].text.replace("\n", "").replace(WORD_JOINER, "")
    assert title == f"{result.report.org}{result.report.year}年政府信息公开工作年度报告"
    opening = document.paragraphs[1].text.replace(WORD_JOINER, "")
    assert "1月1日" in opening and "12月31日" in opening


def test_tables_equal_workbook_and_spec_merges(spec: FormatSpec, built) -> None:
    result, outputs = built
    tables = docx.Document(str(outputs.docx)).tables
    national = [t for t in spec.tables if not t.local]
    for table in national:
        found = [docx_grid(t._tbl) for t in tables]
        expected = expected_grid(spec, table.id, result.report.values)
        assert expected in found, table.id


def test_local_rows_follow_the_national_table(built) -> None:
    result, outputs = built
    if result.report.spec.id != "gb2019":
        pytest.skip("only the 2019 sample has local rows")
    document = docx.Document(str(outputs.docx))
    texts = [[c.text for c in t.rows[0].cells] for t in document.tables]
    t2 = next(i for i, t in enumerate(texts) if t[0] == "第二十条第（一）项")
    local = docx_grid(document.tables[t2 + 1]._tbl)
    assert local[(1, 0)][0] == "（一）省级平台采购" and local[(3, 2)][0] == "1185911.05"
    assert not any("省级平台采购" in "".join(t) for t in texts[: t2 + 1])


def test_fonts_header_rows_and_page_setup(spec: FormatSpec, built) -> None:
    _, outputs = built
    document = docx.Document(str(outputs.docx))
    runs = list(document.element.body.iter(qn("w:r")))
    missing = [
        r
        for r in runs
        if r.find(qn("w:t")) is not None
        and (
            r.find(qn("w:rPr")) is None
            or r.find(qn("w:rPr")).find(qn("w:rFonts")) is None
            or not r.find(qn("w:rPr")).find(qn("w:rFonts")).get(qn("w:eastAsia"))
        )
    ]
    assert not missing
    normal = document.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "仿宋_GB2312"
    for table in document.tables:
        rows = table._tbl.tr_lst
        assert all(tr.trPr is not None and tr.trPr.find(qn("w:cantSplit")) is not None for tr in rows)
    t3 = next(t for t in document.tables if t.rows[0].cells[0].text.startswith("（本列数据"))
    header = [tr.trPr.find(qn("w:tblHeader")) is not None for tr in t3._tbl.tr_lst]
    assert header[:3] == [True, True, True] and not any(header[3:])
    first = document.sections[0]
    assert round(first.top_margin.mm) == 37 and round(first.left_margin.mm) == 28
    assert round(first.bottom_margin.mm) == 35 and round(first.right_margin.mm) == 26
    assert all(s.orientation == 0 for s in document.sections)  # 表四 fits the portrait page
    footer = "".join(t.text or "" for t in first.footer._element.iter(qn("w:t")))
    assert footer.startswith("—") and footer.endswith("—")


@pytest.mark.skipif(soffice() is None, reason="LibreOffice not installed")
def test_pdf_has_every_heading_and_table_number(spec: FormatSpec, built) -> None:
    result, outputs = built
    text = subprocess.run(
        ["pdftotext", "-layout", str(outputs.pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = re.sub(r"\s+", "", text)
    for section in spec.sections:
        assert section.heading in flat
    numbers = Counter(re.findall(r"\d+(?:\.\d+)?", text))
    wanted = Counter(
        format_value(result.report.values[c.id], c.type) for t in spec.tables if not t.local for c in t.inputs
    )
    assert not wanted - numbers
    fonts = subprocess.run(["pdffonts", str(outputs.pdf)], capture_output=True, text=True, check=True).stdout
    assert "NotoSerifCJK" in fonts


def test_html_tables_cell_by_cell(spec: FormatSpec, built) -> None:
    result, outputs = built
    page = lxml_html.fromstring(outputs.html.read_text(encoding="utf-8"))
    assert page.get("lang") == "zh-CN"
    headings = [h.text_content() for h in page.iter("h2")]
    assert headings == [s.heading for s in spec.sections]
    grids = []
    for table in page.iter("table"):
        grid: Grid = {}
        taken: set[tuple[int, int]] = set()
        for r, tr in enumerate(table.iter("tr")):
            c = 0
            for cell in tr:
                while (r, c) in taken:
                    c += 1
                rs, cs = int(cell.get("rowspan", 1)), int(cell.get("colspan", 1))
                grid[(r, c)] = (cell.text_content(), rs, cs)
                taken |= {(r + i, c + j) for i in range(rs) for j in range(cs)}
                c += cs
        grids.append(grid)
        assert table.find(".//th") is not None
        wrap = table.getparent()
        assert (
            wrap.get("class") == "table-wrap" and wrap.get("role") == "region" and wrap.get("tabindex") == "0"
        )
        name = page.get_element_by_id(wrap.get("aria-labelledby"))
        assert name.text_content().strip()
        caption = table.find("caption")
        if caption is not None:  # a table names itself once: by its own caption or the part's heading
            assert table.get("aria-labelledby") is None and caption.text_content() not in headings
        else:
            assert table.get("aria-labelledby") == name.get("id") and name.tag == "h2"
    for table in spec.tables:
        if not table.local:
            assert expected_grid(spec, table.id, result.report.values) in grids, table.id


def test_jianghai_round_trip_reproduces_published_numbers(tmp_path: Path, capsys) -> None:
    published = REFERENCE / "samples" / "jianghai-2019-report.txt"
    if not published.exists():
        pytest.skip("shared/reference sample not beside the checkout")
    text = published.read_text(encoding="utf-8")
    tables_part = text[text.index("二、主动公开政府信息情况") : text.index("五、存在的主要问题及改进情况")]
    number_line = re.compile(r"\s*(\d+(?:\.\d+)?)元?\s*")  # one value per line, money with 元
    published_numbers = [
        float(m.group(1)) for line in tables_part.splitlines() if (m := number_line.fullmatch(line))
    ]
    workbook = tmp_path / "江海区-2019.xlsx"
    assert main(["new", "--sample", "jianghai-2019", "-o", str(workbook)]) == Exit.OK
    assert main(["build", str(workbook)]) == Exit.OK
    capsys.readouterr()
    ours = []
    for table in docx.Document(str(workbook.with_suffix(".docx"))).tables:
        grid = docx_grid(table._tbl)
        ours += [float(t) for (_, _), (t, _, _) in sorted(grid.items()) if re.fullmatch(r"\d+(?:\.\d+)?", t)]
    assert ours == published_numbers
    assert len(ours) >= 200


def test_build_refuses_errors_unless_forced(tmp_path: Path, capsys) -> None:
    workbook = tmp_path / "bad.xlsx"
    assert main(["new", "--sample", "example-2021", "-o", str(workbook)]) == Exit.OK
    import openpyxl

    wb = openpyxl.load_workbook(workbook)
    wb["表三"]["D7"] = 41
    wb.save(workbook)
    capsys.readouterr()
    assert main(["build", str(workbook), "--html"]) == Exit.FINDINGS
    assert "未生成报告" in capsys.readouterr().out
    assert not workbook.with_suffix(".docx").exists()
    pdf = ["--pdf"] if soffice() is not None else []
    assert main(["build", str(workbook), "--html", "--force", *pdf]) == Exit.FINDINGS
    document = docx.Document(str(workbook.with_suffix(".docx")))
    assert document.paragraphs[0].text.startswith("【未通过校验】")
    html = workbook.with_suffix(".html").read_text(encoding="utf-8")
    assert "【未通过校验】" in html and 'class="draft-mark"' in html and DRAFT_MARK in html
    for section in document.sections:
        for header in (section.header, section.even_page_header):
            assert DRAFT_MARK in "".join(p.text for p in header.paragraphs)
    if pdf:
        pages = subprocess.run(
            ["pdftotext", str(workbook.with_suffix(".pdf")), "-"], capture_output=True, text=True, check=True
        ).stdout.split("\f")
        pages = [p for p in pages if p.strip()]
        assert len(pages) > 3 and all(DRAFT_MARK in re.sub(r"\s+", "", p) for p in pages)
    assert main(["build", str(workbook), "--force"]) == Exit.UNUSABLE
    assert "已存在" in capsys.readouterr().err


def test_fee_sentence_is_generated_when_the_narrative_lacks_it() -> None:
    from gidr_xl.report import Report
    from gidr_xl.samples import load_sample

    spec, values = load_sample("example-2021")
    for cell in spec.form("N6").paragraphs:
        values[cell.id] = None
    values[spec.form("N6").paragraphs[0].id] = "无"
    document = build_document(Report(spec, values))
    six = document.sections[-1]
    assert [b.text for b in six.blocks] == [
        "本年度依据《政府信息公开信息处理费管理办法》发出收费通知2件，收费通知总金额360元，实际收取信息处理费200元。"
    ]
    _, values = load_sample("example-2021")
    six = build_document(Report(spec, values)).sections[-1]
    assert sum("收费通知" in b.text for b in six.blocks) == 1  # the narrative already states it


@pytest.mark.skipif(soffice() is None, reason="LibreOffice not installed")
def test_concurrent_pdf_conversions_do_not_collide(built, tmp_path: Path) -> None:
    """Each conversion runs with its own LibreOffice profile, so parallel builds both finish."""
    from concurrent.futures import ThreadPoolExecutor

    from gidr_xl.office import convert

    _, outputs = built
    sources = []
    for n in range(2):
        folder = tmp_path / f"job{n}"
        folder.mkdir()
        sources.append(folder / "report.docx")
        sources[-1].write_bytes(outputs.docx.read_bytes())
    with ThreadPoolExecutor(max_workers=2) as pool:
        pdfs = list(pool.map(lambda src: convert([src], "pdf", src.parent)[0], sources))
    assert all(p.exists() and p.stat().st_size > 10_000 for p in pdfs)


def workbook_only_strings(spec: FormatSpec) -> set[str]:
    """Text that lives in the spec for the workbook (titles, notes, hints, prompts, messages)."""
    headings = {s.heading for s in spec.sections}
    strings = {t.title for t in spec.tables if t.local}
    strings |= {f.note for f in spec.forms} | {f.title for f in spec.forms if f.title not in headings}
    strings |= {c.hint for f in spec.forms for c in f.fields}
    strings |= {info.prompt for info in spec.cell_types.values()}
    strings |= {r.message for r in spec.rules}
    return {s for s in strings if len(s) >= 6}


def output_texts(outputs) -> dict[str, str]:
    """The whitespace-free text of every format that was written."""
    document = docx.Document(str(outputs.docx))
    texts = {
        "docx": "".join(t.text or "" for t in document.element.body.iter(qn("w:t"))).replace(WORD_JOINER, "")
    }
    page = lxml_html.fromstring(outputs.html.read_text(encoding="utf-8"))
    texts["html"] = page.text_content()
    if outputs.pdf is not None:
        texts["pdf"] = subprocess.run(
            ["pdftotext", str(outputs.pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
    return {k: re.sub(r"\s+", "", v) for k, v in texts.items()}


def test_no_workbook_only_text_in_any_output(spec: FormatSpec, built) -> None:
    _, outputs = built
    strings = workbook_only_strings(spec)
    assert any("地方扩展行" in s for s in strings) or spec.id != "gb2019"
    for fmt, text in output_texts(outputs).items():
        leaked = [s for s in strings if re.sub(r"\s+", "", s) in text]
        assert not leaked, (fmt, leaked)
    if spec.id == "gb2019":
        assert all("政府集中采购细分情况" in text for text in output_texts(outputs).values())


def test_reference_template_is_reproducible() -> None:
    from gidr_xl.outputs.docx.template import build_template
    from gidr_xl.outputs.docx.writer import TEMPLATE

    assert build_template() == TEMPLATE.read_bytes(), "run scripts/make_docx_template.py"


def test_docx_properties_font_table_and_grid(built) -> None:
    import zipfile
    from datetime import UTC, datetime, timedelta

    result, outputs = built
    document = docx.Document(str(outputs.docx))
    props = document.core_properties
    assert props.author == result.report.org and props.title.startswith(result.report.org)
    assert props.last_modified_by != "python-docx" and "python-docx" not in (props.comments or "")
    assert abs(props.created.replace(tzinfo=UTC) - datetime.now(UTC)) < timedelta(hours=1)
    with zipfile.ZipFile(outputs.docx) as package:
        names = package.namelist()
        app = package.read("docProps/app.xml").decode()
        fonts = package.read("word/fontTable.xml").decode()
    assert not any("thumbnail" in n for n in names)
    assert "Macintosh" not in app and "<Application>gidr-xl</Application>" in app
    for face, alt in (("仿宋_GB2312", "仿宋"), ("楷体_GB2312", "楷体")):
        assert re.search(f'w:name="{face}"><w:altName w:val="{alt}"/>.*?<w:charset w:val="86"/>', fonts)
    grid = document.sections[0]._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars"
    assert int(grid.get(qn("w:linePitch"))) == 579  # 225 mm / 22 lines, in twips
    assert -900 < int(grid.get(qn("w:charSpace"))) < -800  # 156 mm / 28 characters at 3号


def pdf_lines(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [re.sub(r"\s+", "", line) for line in text.splitlines() if line.strip()]


@pytest.mark.skipif(soffice() is None, reason="LibreOffice not installed")
def test_digit_runs_never_break_across_lines(tmp_path: Path) -> None:
    """Numbers, dates, phone and document numbers at every position of a line stay whole."""
    from gidr_xl.office import convert
    from gidr_xl.outputs.document import DocSection, Document, Paragraph
    from gidr_xl.outputs.docx.writer import write_docx

    sample = "2025年12月31日，电话010-12345678，江府办〔2019〕138号，收费1185911.05元，共计12345件"
    paragraphs = [Paragraph("一" * k + sample) for k in range(28)]
    source = write_docx(Document("测试", "开头", [DocSection("一、测试", paragraphs)]), tmp_path / "t.docx")
    lines = pdf_lines(convert([source], "pdf", tmp_path)[0])
    broken = [(a, b) for a, b in itertools.pairwise(lines) if re.search(r"\d$", a) and re.match(r"\d", b)]
    assert not broken
    for whole in ("〔2019〕138", "010-12345678", "1185911.05", "12345件"):
        assert sum(whole in line for line in lines) == 28, whole


@pytest.mark.skipif(soffice() is None, reason="LibreOffice not installed")
def test_sample_numbers_and_title_lines_in_pdf(built) -> None:
    result, outputs = built
    lines = pdf_lines(outputs.pdf)
    document = build_document(result.report)
    assert len(document.title_lines) == 2 and document.title_lines[0] == result.report.org
    assert lines[: len(document.title_lines)] == list(document.title_lines)
    texts = [document.opening] + [b.text for s in document.sections for b in s.blocks if hasattr(b, "text")]
    for run in {m for t in texts for m in re.findall(r"\d+(?:[.-]\d+)*", t) if len(m) > 1}:
        assert any(run in line for line in lines), run


def test_title_lines_break_after_the_organ() -> None:
    from gidr_xl.outputs.document import title_lines

    assert title_lines("某局", "2025年政府信息公开工作年度报告") == ("某局2025年政府信息公开工作年度报告",)
    org = "江海区政府办公室"
    assert title_lines(org, "2019年政府信息公开工作年度报告") == (org, "2019年政府信息公开工作年度报告")
    long_org = "某某省某某市某某区人民政府办公室政务公开科"
    assert len(title_lines(long_org, "2025年政府信息公开工作年度报告")) == 1


Box = tuple[float, float, float, float, str]  # xMin, yMin, xMax, yMax, text


def pdf_words(pdf: Path) -> list[list[Box]]:
    """Each page's words with their boxes (pdftotext -bbox)."""
    xml = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = []
    for page in xml.split("<page ")[1:]:
        pages.append(
            [
                (float(a), float(b), float(c), float(d), t)
                for a, b, c, d, t in re.findall(
                    r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page
                )
            ]
        )
    return pages


def stacked_lines(words: list[Box], label: str) -> list[list[str]]:
    """Every way ``label`` is printed as lines stacked in one cell (centred, one under another)."""
    found = []
    for start in words:
        if not label.startswith(start[4]):
            continue
        lines, last = [start[4]], start
        while "".join(lines) != label:
            centre = (last[0] + last[2]) / 2
            below = [
                w
                for w in words
                if 0 <= w[1] - last[3] < 8
                and abs((w[0] + w[2]) / 2 - centre) < 4
                and label.startswith("".join(lines) + w[4])
            ]
            if not below:
                break
            last = below[0]
            lines.append(last[4])
        if "".join(lines) == label:
            found.append(lines)
    return found


@pytest.mark.skipif(soffice() is None, reason="LibreOffice not installed")
def test_table_labels_break_only_between_words(spec: FormatSpec, built) -> None:
    """Header cells and listed labels: at most as many lines as words, never split in a word."""
    from gidr_xl.outputs.words import _listed, words

    _, outputs = built
    pages = pdf_words(outputs.pdf)
    labels = {
        lab.text
        for t in spec.tables
        for lab in t.labels
        if lab.text in _listed() or parse_span(lab.span)[1] - t.origin_row < t.header_rows
    }
    checked = 0
    for label in labels:
        ways = [way for page in pages for way in stacked_lines(page, label)]
        if not ways:
            continue  # a long note that wraps freely
        checked += 1
        ends = {sum(map(len, words(label)[: i + 1])) for i in range(len(words(label)))}
        for lines in ways:
            assert len(lines) <= len(words(label)), (label, lines)
            cuts = {sum(map(len, lines[: i + 1])) for i in range(len(lines))}
            assert cuts <= ends, (label, lines)
    assert checked >= 10
    flat = [w[4] for page in pages for w in page]
    assert not {"商业企", "科研机", "三、本"} & set(flat)


def test_column_widths_follow_the_text(spec: FormatSpec) -> None:
    from gidr_xl.outputs.docx.sizing import fit
    from gidr_xl.outputs.words import longest_word
    from gidr_xl.report import Report
    from gidr_xl.samples import load_sample

    sample_spec, values = load_sample({"gb2019": "jianghai-2019", "gb2021": "example-2021"}[spec.id])
    document = build_document(Report(sample_spec, values))
    t3 = next(t for t in document.tables() if t.key == "T3")
    sized = fit(t3, 442.2, 10.5, 2.27)
    assert sized is not None and abs(sum(sized.widths) - 442.2) < 1
    numbers = {sized.widths[c.col] for c in t3.cells if c.numeric}
    assert len({round(w, 3) for w in numbers}) == 1  # number columns share one width
    label_width = max(sized.widths[:3])
    assert label_width > 1.5 * min(numbers)  # labels get the rest
    for cell in t3.cells:
        if cell.header and cell.row < t3.header_rows and cell.colspan == 1:
            assert longest_word(cell.text) * 10.5 < sized.widths[cell.col], cell.text
    t4 = next(t for t in document.tables() if t.key == "T4")
    assert fit(t4, 442.2, 9, 2.27) is not None  # 表四 fits a portrait page


def pdf_text_by_font(pdf: Path) -> dict[str, str]:
    """The PDF's text per font (base font name without the subset tag), via pypdf."""
    from pypdf import PdfReader

    out: dict[str, str] = {}

    def visit(text: str, cm, tm, font, size) -> None:
        if font is not None and text.strip():
            name = str(font.get("/BaseFont", "")).split("+")[-1]
            out[name] = out.get(name, "") + re.sub(r"\s+", "", text)

    for page in PdfReader(str(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return out


@pytest.mark.skipif(soffice() is None, reason="LibreOffice not installed")
def test_pdf_fonts_show_the_hierarchy_and_pdf_is_tagged(built) -> None:
    """标题 heavy serif, 一级 sans (黑体), 二级 Kai (楷体), 正文 serif (仿宋 stand-in)."""
    result, outputs = built
    document = build_document(result.report)
    by_font = pdf_text_by_font(outputs.pdf)

    def faces(text: str) -> set[str]:
        return {name for name, content in by_font.items() if text in content}

    subheading = next(b.text for s in document.sections for b in s.blocks if getattr(b, "subheading", False))
    title = "".join(document.title_lines)
    title_faces = {name for name, content in by_font.items() if content.startswith(title)}
    assert title_faces and all("Serif" in f and "Bold" in f for f in title_faces), by_font.keys()
    assert faces(document.sections[0].heading) and all(
        "Sans" in f for f in faces(document.sections[0].heading)
    )
    assert faces(subheading[:6]) and all("UKai" in f for f in faces(subheading[:6]))
    body = document.opening[:12]
    assert faces(body) and all("Serif" in f and "Regular" in f for f in faces(body))
    fonts = subprocess.run(["pdffonts", str(outputs.pdf)], capture_output=True, text=True, check=True).stdout
    assert "UKaiCN" in fonts and "NotoSerifCJK" in fonts and "Bold" in fonts and "NotoSansCJK" in fonts
    info = subprocess.run(["pdfinfo", str(outputs.pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes", info, re.M)
    assert re.search(rf"^Title:\s+{re.escape(document.title)}$", info, re.M)
    assert re.search(rf"^Author:\s+{re.escape(result.report.org)}$", info, re.M)


def test_draft_mark_in_every_section_of_a_landscape_report(tmp_path: Path) -> None:
    """A table too wide for portrait gets a landscape section; the draft header is there too."""
    from gidr_xl.outputs.document import DocSection, Document, GridCell, Table
    from gidr_xl.outputs.docx.writer import write_docx

    n = 60
    cells = tuple(GridCell(0, c, f"项目{c}", header=True) for c in range(n))
    cells += tuple(GridCell(1, c, "123456", numeric=True) for c in range(n))
    wide = Table("TW", 2, n, cells, header_rows=1)
    sections = [DocSection("一、甲", [wide]), DocSection("二、乙", [])]
    path = write_docx(Document("测试", "开头", sections, notice="【未通过校验】测试"), tmp_path / "w.docx")
    document = docx.Document(str(path))
    assert [s.orientation for s in document.sections] == [0, 1, 0]
    for section in document.sections:
        assert DRAFT_MARK in "".join(p.text for p in section.header.paragraphs)
        assert DRAFT_MARK in "".join(p.text for p in section.even_page_header.paragraphs)


CHROMIUM = Path("/usr/bin/chromium")
BROWSER_FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def html_shots(html: Path, out: Path | None = None) -> dict[int, dict]:
    """Per viewport width: the narrowest table cell (in characters) and whether tables scroll."""
    from playwright.sync_api import sync_playwright

    measure = """() => {
      const cells = [...document.querySelectorAll('th, td')].filter(c => c.textContent.trim());
      const narrowest = Math.min(...cells.map(c => {
        const size = parseFloat(getComputedStyle(c).fontSize);
        const box = c.getBoundingClientRect();
        const pad = parseFloat(getComputedStyle(c).paddingLeft) + parseFloat(getComputedStyle(c).paddingRight);
        return (box.width - pad) / size;
      }));
      const wraps = [...document.querySelectorAll('.table-wrap')];
      return {narrowest, scrolls: wraps.map(w => w.scrollWidth > w.clientWidth),
              page: document.documentElement.scrollWidth, view: window.innerWidth};
    }"""
    found = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_FLAGS)
        for width in (1280, 390):
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(html.as_uri())
            found[width] = page.evaluate(measure)
            if out is not None:
                page.screenshot(path=str(out / f"{html.stem}-{width}.png"), full_page=True)
            page.close()
        browser.close()
    return found


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_html_reads_on_a_phone(built) -> None:
    """At 390 px no cell is squeezed below two characters; wide tables scroll in their frame."""
    _, outputs = built
    found = html_shots(outputs.html)
    phone = found[390]
    assert phone["narrowest"] >= 2, phone
    assert any(phone["scrolls"]) and phone["page"] <= phone["view"]  # the table scrolls, not the page
    assert found[1280]["narrowest"] >= 2


def test_html_keeps_numbers_whole_but_lets_dates_wrap() -> None:
    from gidr_xl.outputs.html import nobreak

    html = str(nobreak("自2019年12月31日起，江府办〔2019〕138号，电话0750-3861290。"))
    assert '<span class="nb">2019年</span><span class="nb">12月</span><span class="nb">31日</span>' in html
    assert '<span class="nb">〔2019〕138号</span>' in html and '<span class="nb">0750-3861290</span>' in html
