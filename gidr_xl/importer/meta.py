"""Organ, report year and format of a published report, from every place that states them.

Evidence, strongest first: the report's title (crawler header 标题, the page ``<title>`` or
the first lines), the statistics-period sentence (本报告所列数据的统计期限自2021年1月1日起…),
the signature at the end (organ, date). Disagreements are reported, not silently resolved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TITLE = re.compile(
    r"(?P<org>[^，。；：:、\s]{2,40}?)(?P<year>(?:19|20)\d\d)年(?:度)?(?:的)?政府信息公开(?:工作)?(?:年度)?报告"
)
_PERIOD = re.compile(r"统计期限?(?:为|是|从|自)?(?P<year>(?:19|20)\d\d)年1月1日")
_SIGNATURE = re.compile(
    r"(?P<org>[^\d，。；：:、\s（）()]{2,40}?)\s*(?P<year>(?:19|20)\d\d)年(?P<month>\d{1,2})月\d{1,2}日\s*(?:（|\(|附件|$)"
)
_ORG_END = (
    "局",
    "委",
    "办",
    "院",
    "会",
    "府",
    "室",
    "处",
    "厅",
    "部",
    "署",
    "中心",
    "委员会",
    "政府",
    "管委会",
)


@dataclass
class Metadata:
    org: str = ""
    year: int | None = None
    notes: list[str] = field(default_factory=list)
    where: dict[str, str] = field(default_factory=dict)  # field → where it was read


def _title_match(text: str) -> re.Match | None:
    return _TITLE.search("".join(text.split()))


def _clean_org(org: str) -> str:
    for junk in ("关于", "公开", "首页", "当前位置"):
        if junk in org:
            org = org.rsplit(junk, 1)[-1]
    return org.strip('“”"《》 ')


def read_metadata(header: dict[str, str], head_text: str, body_text: str) -> Metadata:
    """``header``: crawler/page metadata; ``head_text``: the first lines; ``body_text``: all text."""
    meta = Metadata()
    titles = [("标题", header.get("标题", "")), ("正文开头", head_text)]
    for where, text in titles:
        match = _title_match(text)
        if match:
            meta.org, meta.year = _clean_org(match.group("org")), int(match.group("year"))
            meta.where.update(机关名称=where, 报告年度=where)
            break
    period = _PERIOD.search("".join(body_text.split()))
    signature = None
    for match in _SIGNATURE.finditer(body_text[-400:]):
        if match.group("org").endswith(_ORG_END):
            signature = match
    if period:
        year = int(period.group("year"))
        if meta.year is None:
            meta.year = year
            meta.where["报告年度"] = "统计期限"
        elif year != meta.year:
            meta.notes.append(f"标题中的年度 {meta.year} 与统计期限中的年度 {year} 不一致")
    if signature:
        org = _clean_org(signature.group("org"))
        if not meta.org:
            meta.org = org
            meta.where["机关名称"] = "落款"
        elif not (org in meta.org or meta.org.endswith(org)):
            meta.notes.append(f"落款机关“{org}”与标题中的机关“{meta.org}”不一致")
        if meta.year is None:
            # A report is signed early in the following year (or, rarely, late in its own year).
            signed, month = int(signature.group("year")), int(signature.group("month"))
            meta.year = signed - 1 if month <= 6 else signed
            meta.where["报告年度"] = "落款日期"
    return meta
