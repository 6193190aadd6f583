"""gidr-xl: spreadsheet-native toolkit for the 政府信息公开工作年度报告."""

__version__ = "0.1.0"
#: Version of the generated workbook layout; stored in every workbook's metadata sheet.
TEMPLATE_VERSION = "1"


def main() -> None:
    """The Excel add-in's 校验 button (gidr_xl.xlam runs ``import gidr_xl; gidr_xl.main()``)."""
    from gidr_xl.addin.action import main as addin_main

    addin_main()
