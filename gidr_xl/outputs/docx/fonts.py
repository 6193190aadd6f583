"""Chinese fonts that Word and WPS really use: every rFonts slot set, theme fonts removed."""

from __future__ import annotations

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

_THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def set_font(rpr_parent, name: str) -> None:
    """Set ascii/hAnsi/eastAsia/cs to ``name`` on a run or style (its ``w:rPr``)."""
    rpr = rpr_parent.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in _THEME_ATTRS:
        if fonts.get(qn(attr)) is not None:
            del fonts.attrib[qn(attr)]
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), name)


def set_language(rpr_parent, lang: str = "zh-CN", east_asia: str = "zh-CN") -> None:
    """``w:lang``: ``lang`` for Latin text (en-US keeps a digit run one word), East Asian text."""
    rpr = rpr_parent.get_or_add_rPr()
    node = rpr.find(qn("w:lang"))
    if node is None:
        node = OxmlElement("w:lang")
        rpr.append(node)
    node.set(qn("w:val"), lang)
    node.set(qn("w:eastAsia"), east_asia)


def _font(name: str, alt: str | None, panose: str) -> str:
    """One ``w:font`` entry: GB2312 charset (86) and a fallback a stock Windows has."""
    alt_name = f'<w:altName w:val="{alt}"/>' if alt else ""
    return (
        f'<w:font w:name="{name}">{alt_name}<w:panose1 w:val="{panose}"/><w:charset w:val="86"/>'
        '<w:family w:val="modern"/><w:pitch w:val="fixed"/>'
        '<w:sig w:usb0="00000001" w:usb1="080E0000" w:usb2="00000010" w:usb3="00000000"'
        ' w:csb0="00040000" w:csb1="00000000"/></w:font>'
    )


#: word/fontTable.xml of the reference template: the GB/T 9704 faces with real fallbacks
#: (Windows 10/11 ship 仿宋/楷体/黑体/宋体 but not the _GB2312 or 方正 faces).
FONT_TABLE = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    '<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    + _font("仿宋_GB2312", "仿宋", "02010609030101010101")
    + _font("楷体_GB2312", "楷体", "02010609030101010101")
    + _font("方正小标宋简体", "宋体", "02000000000000000000")
    + _font("黑体", "SimHei", "02010609060101010101")
    + _font("宋体", "SimSun", "02010600030101010101")
    + _font("仿宋", "FangSong", "02010609060101010101")
    + _font("楷体", "KaiTi", "02010609060101010101")
    + "</w:fonts>"
)


#: Elements that follow ``w:snapToGrid`` in ``w:pPr`` (ECMA-376 schema order).
_AFTER_SNAP_TO_GRID = (
    "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
    "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
    "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip


def off_grid(ppr) -> None:
    """``w:snapToGrid w:val="0"``: text not of the body size keeps its own pitch (titles, tables)."""
    node = ppr.find(qn("w:snapToGrid"))
    if node is None:
        node = OxmlElement("w:snapToGrid")
        ppr.insert_element_before(node, *_AFTER_SNAP_TO_GRID)
    node.set(qn("w:val"), "0")


def set_defaults(styles_element, font: str, size_half_points: int) -> None:
    """docDefaults: the body face and size (the grid's base size), no theme fonts, no spacing."""
    defaults = styles_element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    for attr in _THEME_ATTRS:
        fonts.attrib.pop(qn(attr), None)
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), font)
    for tag in ("w:sz", "w:szCs"):
        rpr.find(qn(tag)).set(qn("w:val"), str(size_half_points))
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")
    ppr = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
    ppr.find(qn("w:spacing")).set(qn("w:after"), "0")
    off_grid(ppr)


_AFTER_SPACING = (
    "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr",
    "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout",
    "w:specVanish", "w:oMath",
)  # fmt: skip


def char_spacing(rpr_parent, twentieths: int) -> None:
    """``w:spacing`` of a run or style: extra pitch per character in 1/20 pt (negative: tighter)."""
    rpr = rpr_parent.get_or_add_rPr()
    node = rpr.find(qn("w:spacing"))
    if node is None:
        node = OxmlElement("w:spacing")
        rpr.insert_element_before(node, *_AFTER_SPACING)
    node.set(qn("w:val"), str(twentieths))
