"""Version of the package and of the generated workbook layout (the one place they are set)."""

__version__ = "0.1.0"
#: Version of the generated workbook layout; stored in every workbook's metadata sheet.
TEMPLATE_VERSION = "1"
