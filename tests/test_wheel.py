"""A real install: build the wheel from the checkout, install it (not editable) into an empty
virtualenv and run every command through it, from a folder where the source tree is not importable.

First the base install (what a staff PC gets): generate, validate, compile, import; the server
and the add-in then name the extra they need. Then the extras, and the add-in and the server run.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import venv
from pathlib import Path

import pytest

import gidr_xl

#: The installed package, not a checkout on PYTHONPATH, must be what runs.
CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
ROOT = Path(__file__).resolve().parents[1]
JIANGHAI_TEXT = ROOT.parent / "shared" / "reference" / "samples" / "jianghai-2019-report.txt"
REAL_REPORTS = ROOT.parent / "shared" / "corpus" / "real" / "txt"

pytestmark = pytest.mark.slow


def _source_copy(dest: Path) -> Path:
    """The files git would ship (tracked or new, not ignored): no build/, .venv or caches."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    for name in filter(None, listing.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def _pip(python: Path, *args: str) -> None:
    subprocess.run(
        [str(python), "-m", "pip", "--disable-pip-version-check", "-q", *args],
        check=True,
        capture_output=True,
        env=CLEAN_ENV,
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bin/ of a fresh virtualenv with the built wheel installed (base dependencies only)."""
    root = tmp_path_factory.mktemp("wheel")
    src = _source_copy(root / "src")
    _pip(Path(sys.executable), "wheel", "--no-deps", "-w", str(root / "dist"), str(src))
    (wheel,) = (root / "dist").glob("gidr_xl-*.whl")
    venv.EnvBuilder(with_pip=True).create(root / "venv")
    bin_dir = root / "venv" / "bin"
    _pip(bin_dir / "python", "install", str(wheel))
    (root / "work").mkdir()
    return bin_dir


def _gidr(bin_dir: Path, *args: str, check: int | None = 0) -> subprocess.CompletedProcess[str]:
    work = bin_dir.parents[1] / "work"
    proc = subprocess.run(
        [str(bin_dir / "gidr"), *args],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=CLEAN_ENV,
    )
    if check is not None:
        assert proc.returncode == check, (args, proc.stdout[-2000:], proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_installed_package_is_not_the_checkout(installed: Path) -> None:
    where = subprocess.run(
        [str(installed / "python"), "-c", "import gidr_xl; print(gidr_xl.__file__)"],
        cwd=installed.parents[1] / "work",
        capture_output=True,
        text=True,
        check=True,
        env=CLEAN_ENV,
    ).stdout
    assert str(installed.parents[1] / "venv") in where
    assert str(ROOT) not in where


def test_version_is_single_sourced(installed: Path) -> None:
    assert _gidr(installed, "--version").stdout.strip() == f"gidr-xl {gidr_xl.__version__}"
    module = subprocess.run(
        [str(installed / "python"), "-m", "gidr_xl", "--version"],
        capture_output=True,
        text=True,
        check=True,
        env=CLEAN_ENV,
    )
    assert module.stdout.strip() == f"gidr-xl {gidr_xl.__version__}"


def test_base_install_generates_validates_compiles_imports(installed: Path) -> None:
    work = installed.parents[1] / "work"
    _gidr(installed, "new", "--format", "2021", "--year", "2025", "--org", "某某局", "-o", "blank-2021.xlsx")
    _gidr(installed, "new", "--format", "2019", "--year", "2020", "--org", "某某局", "-o", "blank-2019.xlsx")
    _gidr(installed, "new", "--sample", "jianghai-2019", "-o", "jianghai.xlsx")
    _gidr(installed, "new", "--sample", "example-2021", "-o", "example.xlsx")
    # a blank template has findings (every cell is required) but is a usable workbook
    assert "未通过校验" in _gidr(installed, "validate", "blank-2021.xlsx", check=1).stdout
    _gidr(installed, "validate", "blank-2019.xlsx", check=1)
    _gidr(installed, "validate", "jianghai.xlsx")
    _gidr(installed, "validate", "example.xlsx", "--json")
    _gidr(installed, "build", "jianghai.xlsx", "--pdf", "--html")
    for suffix in (".docx", ".pdf", ".html"):
        assert (work / f"jianghai{suffix}").stat().st_size > 1000
    _gidr(installed, "import", "jianghai.html", "-o", "reimported.xlsx", check=None)
    assert (work / "reimported.xlsx").exists()
    if JIANGHAI_TEXT.exists():
        proc = _gidr(installed, "import", str(JIANGHAI_TEXT), "-o", "from-text.xlsx", check=None)
        assert proc.returncode in (0, 1) and (work / "from-text.xlsx").exists()
    if REAL_REPORTS.is_dir():  # real published reports, through the installed package
        proc = _gidr(installed, "audit", str(REAL_REPORTS), "--out", "audit.csv", check=1)
        assert "已审核" in proc.stdout and (work / "audit.xlsx").stat().st_size > 0


def test_base_install_names_the_missing_extras(installed: Path) -> None:
    serve = _gidr(installed, "serve", "--port", "1", check=2)
    assert "gidr-xl[server]" in serve.stderr
    addin = _gidr(installed, "addin", "build", "--out", "addin", check=2)
    assert "gidr-xl[addin]" in addin.stderr


def test_extras_run_the_addin_build_and_the_server(installed: Path) -> None:
    (wheel,) = (installed.parents[1] / "dist").glob("gidr_xl-*.whl")
    _pip(installed / "python", "install", f"{wheel}[addin,server]")
    work = installed.parents[1] / "work"
    _gidr(installed, "addin", "build", "--out", "addin")
    assert (work / "addin" / "gidr_xl.xlam").stat().st_size > 10_000
    _gidr(installed, "admin", "create-organ", "江海区政府办公室", "--data-dir", "data")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [str(installed / "gidr"), "serve", "--port", str(port), "--data-dir", "data"],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=CLEAN_ENV,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5) as resp:
                    assert resp.status == 200
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
                assert time.monotonic() < deadline, "server did not answer within 60 s"
                time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as resp:
            assert "登录" in resp.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=30)
