#!/usr/bin/env bash
# Idempotent set-up on Debian/Ubuntu: system packages (LibreOffice headless, CJK fonts incl. Kai,
# poppler) and a virtual environment in .venv with gidr-xl installed in editable mode.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

apt_packages=()
command -v soffice >/dev/null 2>&1 || apt_packages+=(libreoffice-calc-nogui libreoffice-writer-nogui)
[ -d /usr/share/fonts/opentype/noto ] || apt_packages+=(fonts-noto-cjk)
# 楷体 in the PDF (二级标题): AR PL UKai CN; see gidr_xl/data/fontconfig/fonts.conf
[ -f /usr/share/fonts/truetype/arphic/ukai.ttc ] || apt_packages+=(fonts-arphic-ukai)
command -v pdftotext >/dev/null 2>&1 || apt_packages+=(poppler-utils)
python3 -c "import venv, ensurepip" >/dev/null 2>&1 || apt_packages+=(python3-venv python3-pip)
# for the server's tests: a real browser (driven by Playwright, no browser download) and PostgreSQL
command -v chromium >/dev/null 2>&1 || apt_packages+=(chromium)
command -v pg_ctlcluster >/dev/null 2>&1 || apt_packages+=(postgresql)
if [ ${#apt_packages[@]} -gt 0 ]; then
    echo "正在安装系统软件包：${apt_packages[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
stamp=.venv/.gidr-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "正在安装 Python 依赖……"
    # (the grep hides pip's warnings about machine-wide index settings; failures still stop us)
    # (PYTHONWARNINGS quiets setuptools' deprecation banners during the editable build)
    { PYTHONWARNINGS=ignore .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip &&
      PYTHONWARNINGS=ignore .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev]"; } 2>&1 |
        { grep -v -e "^WARNING: Location" || true; }
    touch "$stamp"
fi
