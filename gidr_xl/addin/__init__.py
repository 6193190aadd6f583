"""The Excel ribbon add-in: build the .xlam, install it, and the 校验 action behind its button."""

#: The add-in's VBA (copied unchanged from xlwings' template) loads xlwings64-<version>.dll:
#: the Python side must have exactly this xlwings. pyproject.toml pins the same version.
XLWINGS_VERSION = "0.37.8"
#: The VBA constant PROJECT_NAME of the template: names the config sheet and the user config file.
PROJECT_NAME = "myaddin"
#: The template's RunMain imports the module named after the add-in file and calls main().
ADDIN_FILE = "gidr_xl.xlam"
