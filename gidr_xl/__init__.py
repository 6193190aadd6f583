"""gidr-xl: spreadsheet-native toolkit for the 政府信息公开工作年度报告."""

from gidr_xl.version import TEMPLATE_VERSION, __version__

__all__ = ["TEMPLATE_VERSION", "__version__", "main"]


def main() -> None:
    """The Excel add-in's 校验 button (gidr_xl.xlam runs ``import gidr_xl; gidr_xl.main()``)."""
    from gidr_xl.addin.action import main as addin_main

    addin_main()
