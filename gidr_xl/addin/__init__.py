"""The Excel ribbon add-in: build the .xlam, install it, and the 校验 action behind its button."""

#: The add-in's VBA (xlwings' template, see addin/vba.py) loads xlwings64-<version>.dll:
#: the Python side must have exactly this xlwings. The [addin] extra pins the same version.
XLWINGS_VERSION = "0.37.8"
#: The VBA constant PROJECT_NAME (set by addin/vba.py, was the template's "myaddin"): it names the
#: config sheet (gidr_xl.conf) and the user config file (%USERPROFILE%\.gidr_xl\gidr_xl.conf).
PROJECT_NAME = "gidr_xl"
#: The add-in's file name as built and installed. RunMain imports gidr_xl whatever the file is called.
ADDIN_FILE = "gidr_xl.xlam"
#: Shown by the VBA (from D1:D2 of the config sheet) when the button is clicked with no workbook
#: active, e.g. in Protected View, before Python can run.
NO_WORKBOOK_MESSAGE = (
    "请先打开要校验的年报工作簿。\n\n如果窗口顶部显示“受保护的视图”，请先点击“启用编辑”，再点击“校验”。"
)
TITLE = "政府信息公开年报 · 校验"
