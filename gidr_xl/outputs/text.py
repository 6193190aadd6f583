"""Findings → Chinese plain text for the terminal."""

from __future__ import annotations

from gidr_xl.findings import Finding
from gidr_xl.validate.validator import Result
from gidr_xl.values import display

_SIDE = {"left": "左边", "right": "右边", "cell": "单元格"}


def _cells(finding: Finding) -> list[str]:
    lines = []
    for side in ("left", "right", "cell"):
        cells = [c for c in finding.cells if c.side == side]
        if cells:
            joined = "，".join(f"{c.ref}={display(c.value)}" for c in cells)
            lines.append(f"    {_SIDE[side]}：{joined}")
    return lines


def render_finding(finding: Finding) -> list[str]:
    head = f"[{finding.severity.label}] {finding.instance or finding.code}  {finding.message}"
    lines = [head]
    if (finding.expected is not None or finding.actual is not None) and finding.expected is not None:
        lines.append(f"    应为 {display(finding.expected)}，实际为 {display(finding.actual)}")
    lines.extend(_cells(finding))
    return lines


def render(result: Result, max_findings: int | None = None) -> str:
    """Header, findings (optionally capped), summary and verdict."""
    report = result.report
    lines = [
        f"文件：{report.source}",
        f"机关：{report.org or '（未填写）'}　年度：{report.year or '（未填写）'}　格式：{report.spec.name}",
        "",
    ]
    shown = result.findings if max_findings is None else result.findings[:max_findings]
    for finding in shown:
        lines.extend(render_finding(finding))
    if len(shown) < len(result.findings):
        lines.append(f"……另有 {len(result.findings) - len(shown)} 项未显示（使用 --all 显示全部）")
    if result.localisation is not None:
        lines.append("")
        lines.extend(result.localisation.describe())
    if result.findings:
        lines.append("")
    lines.append(
        f"共 {result.errors} 项错误，{result.warnings} 项警告；{result.skipped} 项勾稽关系因有空白或非数字单元格未校验。"
    )
    if result.ok:
        lines.append("结论：通过校验。" if not result.warnings else "结论：通过校验（请核实警告）。")
    else:
        lines.append("结论：未通过校验，请按上述提示修改后重新校验。")
    return "\n".join(lines)
