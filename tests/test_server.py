"""The submission server's JSON API against a real uvicorn process on loopback, real SQLite file."""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import httpx
import openpyxl
import pytest

from gidr_xl.errors import UsageError
from gidr_xl.samples import load_sample
from gidr_xl.template.writer import write_workbook

PASSWORD = "correct-horse-9"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gidr(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "gidr_xl.cli", *args], check=True, env=env, capture_output=True)


def _fresh_postgres(url: str, schema: str = "public") -> str:
    """An empty schema, so that every run starts from nothing (the test database only); the URL
    that uses it (tests with their own server get their own schema, beside the shared one)."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(sqlalchemy.text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    if schema == "public":
        return url
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def _server_env(data: Path, database: str = "sqlite", schema: str = "public") -> dict[str, str]:
    """The environment of a server with its data in ``data``; PostgreSQL when asked (and configured)."""
    env = {**os.environ, "GIDR_DATA_DIR": str(data), "GIDR_MAX_UPLOAD_MB": "1"}
    env.pop("GIDR_DATABASE_URL", None)
    if database == "postgresql":
        url = os.environ.get("GIDR_TEST_DATABASE_URL")
        if not url:
            pytest.skip("no PostgreSQL server (set GIDR_TEST_DATABASE_URL)")
        env["GIDR_DATABASE_URL"] = _fresh_postgres(url, schema)
    return env


def _accounts(env: dict[str, str], organs: dict[str, str], supervisor: str = "boss") -> None:
    """Organs and one user each (``{username: organ}``), plus a supervisor."""
    for organ in dict.fromkeys(organs.values()):
        _gidr("admin", "create-organ", organ, env=env)
    for user, organ in organs.items():
        _gidr(
            "admin", "create-user", user, "--password", PASSWORD, "--role", "organ", "--organ", organ, env=env
        )
    _gidr("admin", "create-user", supervisor, "--password", PASSWORD, "--role", "supervisor", env=env)


@contextmanager
def running_server(env: dict[str, str], *extra: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """``gidr serve`` on a free loopback port; (base URL, process), stopped on exit."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gidr_xl.cli", "serve", "--port", str(port), *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            proc.kill()
            raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "server did not start")
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real server on loopback: SQLite file by default; PostgreSQL when GIDR_TEST_DATABASE_URL is set
    (.ci/run installs and starts Debian's postgresql and sets it)."""
    data = tmp_path_factory.mktemp("server-data")
    env = _server_env(data, request.param)
    _accounts(env, {"jianghai": "江海区政府办公室", "shili": "示例局"})
    with running_server(env) as (base, _):
        yield base
    assert (data / "gidr.sqlite3").exists() == (request.param == "sqlite")


def client(base: str, user: str, password: str = PASSWORD) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=30)
    r = c.post("/api/login", json={"username": user, "password": password})
    assert r.status_code == 200, r.text
    c.headers["X-CSRF-Token"] = r.json()["csrf"]  # multipart API requests carry the session's token
    return c


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("uploads")
    spec, values = load_sample("jianghai-2019")
    good = write_workbook(spec, folder / "good.xlsx", values=values)
    wb = openpyxl.load_workbook(good)
    wb["表三"]["D15"] = 3
    wb.save(folder / "bad.xlsx")
    return {"good": good.read_bytes(), "bad": (folder / "bad.xlsx").read_bytes()}


def upload(c: httpx.Client, path: str, name: str, data: bytes) -> httpx.Response:
    return c.post(path, files={"file": (name, data, "application/octet-stream")})


def test_login_required_and_wrong_password(server: str) -> None:
    assert httpx.post(f"{server}/api/validate", files={"file": ("a.xlsx", b"x")}).status_code == 401
    bad = httpx.post(f"{server}/api/login", json={"username": "jianghai", "password": "nope"})
    assert bad.status_code == 401 and bad.json()["error"] == "用户名或密码错误。"
    assert "/api/submissions" in httpx.get(f"{server}/openapi.json").json()["paths"]
    missing = client(server, "jianghai").post("/api/validate", files={"note": ("n.txt", b"x")})  # no "file"
    assert (
        missing.status_code == 422 and "file" in missing.json()["error"] and "请求" in missing.json()["error"]
    )


def test_submit_versions_duplicates_and_authorisation(server: str, workbooks) -> None:
    a = client(server, "jianghai")
    first = upload(a, "/api/submissions", "江海区.xlsx", workbooks["good"])
    assert first.status_code == 201 and first.json()["status"] == "已通过" and first.json()["version"] == 1
    again = upload(a, "/api/submissions", "江海区-副本.xlsx", workbooks["good"])
    assert again.status_code == 200 and again.json()["duplicate"] and again.json()["id"] == first.json()["id"]
    bad = upload(a, "/api/submissions", "江海区-改.xlsx", workbooks["bad"])
    assert bad.status_code == 201 and bad.json()["version"] == 2 and bad.json()["status"] == "校验未通过"
    detail = a.get(f"/api/submissions/{bad.json()['id']}").json()
    refs = {c["ref"] for f in detail["result"]["findings"] for c in f["cells"]}
    assert "表三!D15" in refs
    assert a.get(f"/api/submissions/{first.json()['id']}/original").content == workbooks["good"]
    docx = a.get(f"/api/submissions/{first.json()['id']}/report.docx")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert a.get(f"/api/submissions/{bad.json()['id']}/report.docx").status_code == 409

    marked = a.get(f"/api/submissions/{bad.json()['id']}/annotated")
    assert marked.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(marked.content))
    assert "校验结果" in wb.sheetnames and wb["表三"]["J15"].comment is not None
    html = upload(a, "/api/compile?format=html", "江海区.xlsx", workbooks["good"])
    assert html.status_code == 200 and "<table" in html.text
    assert upload(a, "/api/compile", "江海区-改.xlsx", workbooks["bad"]).status_code == 409

    other = client(server, "shili")
    for path in (f"/api/submissions/{first.json()['id']}", f"/api/submissions/{first.json()['id']}/original"):
        assert other.get(path).status_code == 404
    assert other.get("/api/submissions").json() == []

    boss = client(server, "boss")
    assert len(boss.get("/api/submissions").json()) == 2
    board = boss.get("/api/dashboard", params={"year": 2019}).json()
    assert board["counts"] == {"校验未通过": 1, "未提交": 1}
    sums = boss.get("/api/consolidated", params={"year": 2019}).json()
    assert sums["organs"] == ["江海区政府办公室"] and sums["cells"]["表三!J7"] == 1
    assert a.get("/api/consolidated", params={"year": 2019}).status_code == 403
    hidden = a.get("/api/template", params={"year": 2019, "org": "甲\x01局"})
    assert hidden.status_code == 422 and "控制字符" in hidden.json()["error"]  # not a 500
    returned = boss.post(f"/api/submissions/{bad.json()['id']}/return", json={"comment": "表三有误，请修改"})
    assert returned.json()["status"] == "已退回" and returned.json()["comment"] == "表三有误，请修改"
    assert a.post(f"/api/submissions/{bad.json()['id']}/return", json={}).status_code == 403
    events = {(e["user"], e["action"]) for e in boss.get("/api/audit").json()}
    assert {
        ("jianghai", "submit"),
        ("jianghai", "download"),
        ("boss", "return"),
        ("shili", "login"),
    } <= events
    assert a.get("/api/audit").status_code == 403


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * (300 * 1024 * 1024))
    return buffer.getvalue()


def test_hostile_uploads_are_refused_and_the_server_keeps_answering(server: str, workbooks) -> None:
    a = client(server, "jianghai")
    bomb = _zip_bomb()
    assert len(bomb) < 1024 * 1024
    r = upload(a, "/api/validate", "bomb.xlsx", bomb)
    assert r.status_code == 413 and "解压后" in r.json()["error"]  # the server's gate, before the reader
    r = upload(a, "/api/validate", "report.xlsx", "这不是工作簿".encode())
    assert (
        r.status_code == 400
        and "不是 Excel 工作簿" in r.json()["error"]
        and "report.xlsx" in r.json()["error"]
    )
    r = upload(a, "/api/validate", "big.xlsx", b"PK" + b"\0" * (2 * 1024 * 1024))
    assert r.status_code == 413
    macro = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbooks["good"])) as src, zipfile.ZipFile(macro, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro")
    r = upload(a, "/api/validate", "带宏.xlsm", macro.getvalue())
    assert r.status_code == 415 and "宏" in r.json()["error"]
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i else "&lol;" * 10}">' for i in range(10)
        )
        + ']><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&lol9;</workbook>'
    )
    xml_bomb = io.BytesIO()
    with zipfile.ZipFile(xml_bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("_rels/.rels", laughs.replace("workbook", "Relationships"))
        zf.writestr("xl/_rels/workbook.xml.rels", laughs.replace("workbook", "Relationships"))
        zf.writestr("xl/workbook.xml", laughs)
    r = upload(a, "/api/validate", "laughs.xlsx", xml_bomb.getvalue())
    assert r.status_code == 400, r.text  # entities are never expanded
    ok = upload(a, "/api/validate", "good.xlsx", workbooks["good"])
    assert ok.status_code == 200 and ok.json()["valid"] is True
    assert httpx.get(f"{server}/api/health").json()["status"] == "ok"


def _csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_pages_login_upload_findings_and_csrf(server: str, workbooks) -> None:
    web = httpx.Client(base_url=server, timeout=30, follow_redirects=True)
    page = web.get("/")
    assert "登录" in page.text and page.url.path == "/login"
    token = _csrf_of(page.text)
    assert web.post("/login", data={"username": "shili", "password": PASSWORD}).status_code == 403  # no token
    home = web.post("/login", data={"username": "shili", "password": PASSWORD, "csrf": token})
    assert "报送年度报告" in home.text and "示例局" in home.text
    token = _csrf_of(home.text)
    shown = web.post("/upload", data={"csrf": token}, files={"file": ("示例局.xlsx", workbooks["bad"])})
    assert (
        shown.url.path.startswith("/submissions/") and "表三!D15" in shown.text and "错误定位" in shown.text
    )
    assert "校验未通过" in shown.text
    boss = httpx.Client(base_url=server, timeout=30, follow_redirects=True)
    token = _csrf_of(boss.get("/login").text)
    board = boss.post("/login", data={"username": "boss", "password": PASSWORD, "csrf": token})
    assert "报送情况" in board.text and "示例局" in board.text
    page = boss.get(shown.url.path)
    back = boss.post(f"{shown.url.path}/return", data={"comment": "请修改表三", "csrf": _csrf_of(page.text)})
    assert "已退回" in back.text and "请修改表三" in back.text


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_real_browser_login_upload_findings_download(server: str, workbooks, tmp_path: Path) -> None:
    """Debian's Chromium driven by Playwright (no browser download): an organ user's whole path."""
    from playwright.sync_api import sync_playwright

    good, bad = tmp_path / "江海区-2019.xlsx", tmp_path / "江海区-2019-有错.xlsx"
    good.write_bytes(workbooks["good"])
    wb = openpyxl.load_workbook(bad.parent / good.name)
    wb["表四"]["E7"] = 9  # a different fault from the API tests, so this is a new version
    wb.save(bad)
    flags = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=flags)
        page = browser.new_page(accept_downloads=True)
        page.goto(f"{server}/")
        page.fill("input[name=username]", "jianghai")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{server}/")
        page.select_option("select[name=year]", "2019")
        page.set_input_files("input[type=file]", str(bad))
        page.click("text=上传并校验")
        page.wait_for_url("**/submissions/*")
        assert "表四!E7" in page.content() and "校验未通过" in page.content()
        page.goto(f"{server}/")
        page.select_option("select[name=year]", "2019")
        page.set_input_files("input[type=file]", str(good))
        page.click("text=上传并校验")
        page.wait_for_url("**/submissions/*")
        with page.expect_download() as download:
            page.click("text=年度报告（.docx）")
        saved = tmp_path / "report.docx"
        download.value.save_as(saved)
        assert saved.read_bytes()[:2] == b"PK"
        page.screenshot(path=str(tmp_path / "submission.png"))
        boss = browser.new_page()
        boss.goto(f"{server}/login")
        boss.fill("input[name=username]", "boss")
        boss.fill("input[name=password]", PASSWORD)
        boss.click("button[type=submit]")
        boss.wait_for_url(f"{server}/")
        boss.select_option("select[name=year]", "2019")
        boss.click("text=查看")
        boss.wait_for_url(f"{server}/?year=2019")
        board = boss.inner_text("main")
        assert "报送情况" in board and "江海区政府办公室" in board and "已通过" in board
        browser.close()


def test_user_text_is_escaped_in_every_page_and_headers_are_strict(tmp_path: Path, workbooks) -> None:
    """Organ name, file name, cell text in a finding, flash message and return comment: all escaped
    (no "/" or quotes in the payload: clients percent-encode quotes in file names and parsers keep
    only the last path segment)."""
    env = _server_env(tmp_path / "data")
    organ = "<svg onload=alert(organ)>局"
    _accounts(env, {"xss": organ})
    wb = openpyxl.load_workbook(io.BytesIO(workbooks["good"]))
    wb["表三"]["D15"] = "<svg onload=alert(cell)>"
    hostile = io.BytesIO()
    wb.save(hostile)
    macro = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbooks["good"])) as src, zipfile.ZipFile(macro, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("xl/vbaProject.bin", b"macro")
    with running_server(env) as (base, _):
        web = httpx.Client(base_url=base, timeout=30, follow_redirects=True)
        token = _csrf_of(web.get("/login").text)
        home = web.post("/login", data={"username": "xss", "password": PASSWORD, "csrf": token})
        pages = [home]
        flash = web.post(
            "/upload",
            data={"csrf": _csrf_of(home.text)},
            files={"file": ("<svg onload=alert(flash)>.xlsm", macro.getvalue())},
        )
        assert "上传失败" in flash.text
        pages.append(flash)
        shown = web.post(
            "/upload",
            data={"csrf": _csrf_of(flash.text)},
            files={"file": ("<svg onload=alert(file)>.xlsx", hostile.getvalue())},
        )
        assert shown.url.path.startswith("/submissions/")
        pages += [shown, web.get("/")]
        boss = httpx.Client(base_url=base, timeout=30, follow_redirects=True)
        token = _csrf_of(boss.get("/login").text)
        board = boss.post("/login", data={"username": "boss", "password": PASSWORD, "csrf": token})
        returned = boss.post(
            f"{shown.url.path}/return",
            data={"comment": "<svg onload=alert(comment)>", "csrf": _csrf_of(board.text)},
        )
        pages += [board, returned, web.get(shown.url.path)]
        seen = "".join(p.text for p in pages)
        for sink in ("organ", "cell", "flash", "file", "comment"):
            assert f"&lt;svg onload=alert({sink})&gt;" in seen, sink
        for page in pages:
            assert page.status_code == 200
            assert (
                "<svg" not in page.text
                and "<script" not in page.text
                and "<style" not in page.text
                and "style=" not in page.text
            )
            csp = page.headers["content-security-policy"]
            assert (
                "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
            )
            assert page.headers["x-content-type-options"] == "nosniff"
            assert page.headers["referrer-policy"] == "same-origin"
        css = web.get("/static/gidr.css")
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
        api = httpx.get(f"{base}/api/health")
        assert api.headers["x-content-type-options"] == "nosniff" and "content-security-policy" in api.headers


def _latencies(base: str, until: Callable[[], bool], limit: float = 120) -> list[float]:
    """Seconds per /api/health answer, asked every 20 ms (one keep-alive connection) while ``until()`` is false."""
    out: list[float] = []
    deadline = time.monotonic() + limit
    with httpx.Client(base_url=base, timeout=10) as probe:
        while not until() and time.monotonic() < deadline:
            start = time.perf_counter()
            assert probe.get("/api/health").status_code == 200
            out.append(time.perf_counter() - start)
            time.sleep(0.02)
    return out


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_health_answers_fast_while_a_pdf_compiles_and_16_clients_validate(tmp_path: Path, workbooks) -> None:
    env = _server_env(tmp_path / "data")
    _accounts(env, {"jianghai": "江海区政府办公室"})
    with running_server(env) as (base, _), ThreadPoolExecutor(17) as pool:
        a = client(base, "jianghai")
        upload(a, "/api/validate", "warm.xlsx", workbooks["good"])  # worker processes have imported
        pdf = pool.submit(upload, a, "/api/compile?format=pdf", "江海区.xlsx", workbooks["good"])
        during_pdf = _latencies(base, pdf.done)
        assert pdf.result().status_code == 200 and pdf.result().content[:4] == b"%PDF"
        clients = [client(base, "jianghai") for _ in range(16)]
        jobs = [
            pool.submit(
                lambda c: [upload(c, "/api/validate", "x.xlsx", workbooks["bad"]) for _ in range(2)], c
            )
            for c in clients
        ]
        during_validation = _latencies(base, lambda: all(j.done() for j in jobs))
        answers = [r for j in jobs for r in j.result()]
        assert len(answers) == 32 and all(r.status_code == 200 and not r.json()["valid"] for r in answers)
    for samples in (during_pdf, during_validation):
        assert len(samples) >= 5, samples
        assert max(samples) < 0.1, sorted(samples)[-5:]


def _spawned_children(pid: int) -> set[int]:
    """Direct children of ``pid`` started by multiprocessing (uvicorn's worker processes)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    out = set()
    for child in map(int, children):
        with contextlib.suppress(FileNotFoundError):
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                out.add(child)
    return out


def test_serve_workers_2_starts_two_processes_that_answer(tmp_path: Path) -> None:
    env = _server_env(tmp_path / "data")
    _accounts(env, {"jianghai": "江海区政府办公室"})
    with running_server(env, "--workers", "2") as (base, proc):
        workers = _spawned_children(proc.pid)
        assert len(workers) == 2
        seen = set()
        for _ in range(200):
            seen.add(httpx.get(f"{base}/api/health").json()["pid"])  # a new connection each time
            if len(seen) == 2:
                break
        assert seen == workers
        for _ in range(2):  # the session cookie is valid in either process (one shared key)
            assert client(base, "jianghai").get("/api/submissions").status_code == 200


def _variant(data: bytes, n: int) -> bytes:
    """The same workbook with another zip comment: same content, new sha256."""
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as zf:
        zf.comment = f"variant {n}".encode()
    return buffer.getvalue()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_simultaneous_uploads_to_two_workers_never_fail_or_duplicate(
    database: str, tmp_path: Path, workbooks
) -> None:
    env = _server_env(tmp_path / "data", database, schema="race")
    _accounts(env, {"jianghai": "江海区政府办公室"})
    n = 8
    with running_server(env, "--workers", "2") as (base, _), ThreadPoolExecutor(n) as pool:
        clients = [client(base, "jianghai") for _ in range(n)]

        def at_once(payloads: list[bytes]) -> list[httpx.Response]:
            gate = threading.Barrier(n)

            def send(i: int) -> httpx.Response:
                gate.wait()
                return upload(clients[i], "/api/submissions", f"{i}.xlsx", payloads[i])

            return list(pool.map(send, range(n)))

        for round_ in range(3):
            answers = at_once([_variant(workbooks["good"], 100 + round_)] * n)
            codes = sorted(r.status_code for r in answers)
            assert codes == [200] * (n - 1) + [201], [r.text for r in answers]
            assert len({r.json()["id"] for r in answers}) == 1
            different = at_once([_variant(workbooks["bad"], round_ * n + i) for i in range(n)])
            assert [r.status_code for r in different] == [201] * n, [r.text for r in different]
        rows = clients[0].get("/api/submissions").json()
        assert len(rows) == 3 * (n + 1)
        assert sorted(r["version"] for r in rows) == list(range(1, 3 * (n + 1) + 1))
        assert len({r["sha256"] for r in rows}) == len(rows)
        for r in rows[:3]:
            original = clients[0].get(f"/api/submissions/{r['id']}/original").content
            assert hashlib.sha256(original).hexdigest() == r["sha256"]
    assert not list((tmp_path / "data" / "files").rglob("*.tmp"))


def test_acknowledged_uploads_survive_kill_9(tmp_path: Path, workbooks) -> None:
    """A few rounds of uploads cut by kill -9 of the server; every acknowledged upload is there, intact."""
    env = _server_env(tmp_path / "data")
    _accounts(env, {"jianghai": "江海区政府办公室"})
    acked: dict[int, str] = {}
    counter = itertools.count()
    rng = random.Random(12)
    for _ in range(3):
        with running_server(env) as (base, proc):
            stop = threading.Event()

            def uploader(c: httpx.Client, stop: threading.Event) -> None:
                while not stop.is_set():
                    try:
                        r = upload(
                            c, "/api/submissions", "x.xlsx", _variant(workbooks["good"], next(counter))
                        )
                    except httpx.HTTPError:
                        return  # the server died mid-request: not acknowledged
                    assert r.status_code == 201, r.text
                    acked[r.json()["id"]] = r.json()["sha256"]

            clients = [client(base, "jianghai") for _ in range(3)]
            threads = [threading.Thread(target=uploader, args=(c, stop)) for c in clients]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(1.5, 4))
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            stop.set()
            for t in threads:
                t.join(timeout=30)
    assert len(acked) >= 3
    with running_server(env) as (base, _):
        c = client(base, "jianghai")
        listed = {r["id"]: r["sha256"] for r in c.get("/api/submissions").json()}
        for sid, digest in acked.items():
            assert listed.get(sid) == digest
            original = c.get(f"/api/submissions/{sid}/original")
            assert original.status_code == 200 and hashlib.sha256(original.content).hexdigest() == digest
        fresh = upload(c, "/api/submissions", "after.xlsx", _variant(workbooks["good"], 10_000))
        assert fresh.status_code == 201


def test_store_replaces_a_damaged_copy_and_leaves_no_temp_files(tmp_path: Path) -> None:
    from gidr_xl.server.storage import store

    digest, path = store(tmp_path, b"workbook bytes", ".xlsx")
    path.write_bytes(b"work")  # e.g. a partial copy left by an older version
    again, same = store(tmp_path, b"workbook bytes", ".xlsx")
    assert (again, same) == (digest, path) and path.read_bytes() == b"workbook bytes"
    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(lambda _: store(tmp_path, b"other", ".xlsx")[1], range(32))) == {
            tmp_path
            / hashlib.sha256(b"other").hexdigest()[:2]
            / f"{hashlib.sha256(b'other').hexdigest()}.xlsx"
        }
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == sorted(
        [path.name, f"{hashlib.sha256(b'other').hexdigest()}.xlsx"]
    )


def _with_hidden_sheet(data: bytes, cell: bytes, count: int) -> bytes:
    """``data`` plus a hidden sheet of ``count`` copies of ``cell``, padded with random bytes so that
    the zip stays under the reader's compression-ratio limit (a "ratio-respecting" bomb)."""
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData><row r="1">' + cell * count + b"</row></sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "xl/workbook.xml":
                body = body.replace(
                    b"</sheets>", b'<sheet name="h" sheetId="99" state="hidden" r:id="rId99"/></sheets>'
                )
            elif item.filename == "xl/_rels/workbook.xml.rels":
                body = body.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    b'relationships/worksheet" Target="worksheets/sheet99.xml"/></Relationships>',
                )
            elif item.filename == "[Content_Types].xml":
                body = body.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/worksheets/sheet99.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
                )
            dst.writestr(item, body)
        dst.writestr("xl/worksheets/sheet99.xml", sheet)
        dst.writestr("docProps/pad.bin", os.urandom(len(sheet) // 150), zipfile.ZIP_STORED)
    return out.getvalue()


def _raw_post(
    base: str, path: str, headers: dict[str, str], body_chunks: Iterator[bytes], first_wait: float = 0.01
) -> tuple[bytes, int]:
    """POST over a raw socket, sending ``body_chunks`` (one per 10 ms) only while the server has not
    answered, after ``first_wait`` seconds of silence; (the start of the answer, body bytes sent before it)."""
    host, port = base.removeprefix("http://").split(":")
    sent = 0
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        head = f"POST {path} HTTP/1.1\r\nHost: {host}\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in headers.items()
        )
        sock.sendall((head + "\r\n").encode())
        wait = first_wait
        for chunk in body_chunks:
            ready, _, _ = select.select([sock], [], [], wait)
            wait = 0.01
            if ready:
                break
            try:
                sock.sendall(chunk)
            except OSError:
                break
            sent += len(chunk)
        sock.settimeout(10)
        answer = b""
        with contextlib.suppress(OSError):  # the server may close (or reset) after a refusal
            while chunk := sock.recv(65536):
                answer += chunk
                head, _, body = answer.partition(b"\r\n\r\n")
                length = re.search(rb"content-length: (\d+)", head, re.IGNORECASE)
                if length and len(body) >= int(length.group(1)):
                    break
        return answer, sent


def _post_whole_then_read(base: str, path: str, headers: dict[str, str], size: int) -> bytes:
    """POST ``size`` body bytes over a raw socket, every one of them before reading (as most clients
    do), with Connection: close; the whole answer (a reset connection raises)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        head = f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {size}\r\nConnection: close\r\n"
        sock.sendall((head + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode())
        block = b"u" * 65536
        for start in range(0, size, len(block)):
            sock.sendall(block[: size - start])
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_limits_refuse_before_work(tmp_path: Path, workbooks) -> None:
    env = _server_env(tmp_path / "data")  # upload limit 1 MB
    _accounts(env, {"jianghai": "江海区政府办公室"})
    huge = 200 * 1024 * 1024
    block = b"0" * 65536
    with running_server(env) as (base, _):
        a = client(base, "jianghai")
        cookie = "; ".join(f"{k}={v}" for k, v in a.cookies.items())
        multipart = {
            "Cookie": cookie,
            "Content-Type": "multipart/form-data; boundary=x",
            "X-CSRF-Token": a.headers["X-CSRF-Token"],
        }
        # a declared 200 MB body: refused from the header, nothing of the body read
        answer, sent = _raw_post(
            base,
            "/api/validate",
            {**multipart, "Content-Length": str(huge)},
            itertools.repeat(block, huge // 65536),
            2,
        )
        assert answer.startswith(b"HTTP/1.1 413") and "上传上限" in answer.decode(errors="replace")
        assert sent < 1024 * 1024, sent
        # 200 MB chunked (no length): counted as it arrives, refused just past the 1 MB limit
        part = (
            b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.xlsx"\r\n'
            b"Content-Type: application/octet-stream\r\n\r\n"
        )
        body = itertools.chain([part], itertools.repeat(block, huge // 65536))
        chunks = (f"{len(b):x}\r\n".encode() + b + b"\r\n" for b in body)
        answer, sent = _raw_post(base, "/api/validate", {**multipart, "Transfer-Encoding": "chunked"}, chunks)
        assert answer.startswith(b"HTTP/1.1 413"), answer
        assert sent < 4 * 1024 * 1024, sent  # the limit, plus what was in flight when the answer came
        # no session: refused before the body, whatever its size
        answer, sent = _raw_post(
            base,
            "/api/submissions",
            {"Content-Type": "multipart/form-data; boundary=x", "Content-Length": "900000"},
            itertools.repeat(block, 14),
            2,
        )
        assert answer.startswith(b"HTTP/1.1 401") and sent < 900000
        assert httpx.post(f"{base}/api/login", content=b"{" * 100_000).status_code == 413
        # a client that sends all of a too-large body before reading gets the 413, not a reset
        json_body = {"Content-Type": "application/json"}
        for path, headers, size in (
            ("/api/login", json_body, 5_000_000),
            ("/login", {"Content-Type": "application/x-www-form-urlencoded"}, 300_000),
            ("/api/validate", {k: v for k, v in multipart.items() if k != "Content-Length"}, 3 * 1024 * 1024),
        ):
            answer = _post_whole_then_read(base, path, headers, size)
            head, _, body = answer.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 413"), (path, answer[:200])
            assert json.loads(body)["error"] in ("请求内容过大。", "文件超过 1 MB 的上传上限。"), body
        # a ratio-respecting bomb: 2 million formula cells in a hidden sheet
        bomb = _with_hidden_sheet(workbooks["good"], b'<c r="A1"><f>1+1</f></c>', 2_000_000)
        assert len(bomb) < 1024 * 1024
        upload(a, "/api/validate", "warm.xlsx", workbooks["good"])
        start = time.perf_counter()
        r = upload(a, "/api/validate", "bomb.xlsx", bomb)
        assert r.status_code == 413 and "疑似恶意文件" in r.json()["error"], r.text
        assert time.perf_counter() - start < 2.0  # the gate itself takes milliseconds (below)
        # small enough in bytes, too many cells
        cells = _with_hidden_sheet(workbooks["good"], b"<c><v>1</v></c>", 250_000)
        start = time.perf_counter()
        r = upload(a, "/api/submissions", "cells.xlsx", cells)
        assert r.status_code == 413 and "单元格" in r.json()["error"], r.text
        assert time.perf_counter() - start < 2.0
        assert upload(a, "/api/validate", "good.xlsx", workbooks["good"]).json()["valid"] is True


def test_upload_gate_takes_milliseconds(tmp_path: Path, workbooks) -> None:
    from gidr_xl.server.gate import check_limits
    from gidr_xl.server.refusals import TooLarge

    for name, cell, count in (("bomb", b'<c r="A1"><f>1+1</f></c>', 2_000_000), ("cells", b"<c/>", 250_000)):
        path = tmp_path / f"{name}.xlsx"
        path.write_bytes(_with_hidden_sheet(workbooks["good"], cell, count))
        start = time.perf_counter()
        with pytest.raises(TooLarge):
            check_limits(path, path.name)
        assert time.perf_counter() - start < 0.25
    path.write_bytes(workbooks["good"])
    check_limits(path, path.name)  # a real report passes


def _form(web: httpx.Client, page: str, action: str, data: dict[str, str]) -> httpx.Response:
    """Post a form the way the browser does: with the CSRF token of the page it is on."""
    return web.post(action, data={**data, "csrf": _csrf_of(web.get(page).text)})


def _web_login(base: str, user: str, password: str = PASSWORD) -> httpx.Client:
    web = httpx.Client(base_url=base, timeout=30, follow_redirects=True)
    _form(web, "/login", "/login", {"username": user, "password": password})
    return web


def test_login_throttling_per_user_and_per_address(tmp_path: Path) -> None:
    env = _server_env(tmp_path / "data")
    _accounts(env, {"jianghai": "江海区政府办公室", "shili": "示例局"})
    with running_server(env) as (base, _):

        def login(user: str, password: str) -> httpx.Response:
            return httpx.post(f"{base}/api/login", json={"username": user, "password": password})

        assert [login("jianghai", "wrong-1").status_code for _ in range(3)] == [401] * 3
        early = login("jianghai", PASSWORD)  # a growing delay after the third failure
        assert early.status_code == 429 and "秒后再试" in early.json()["error"]
        time.sleep(2.1)
        assert login("jianghai", "wrong-1").status_code == 401  # 4th failure: 4 s
        time.sleep(4.1)
        assert login("jianghai", "wrong-1").status_code == 401  # 5th failure: locked
        locked = login("jianghai", PASSWORD)
        assert locked.status_code == 429 and "分钟后再试" in locked.json()["error"]
        # the same address sweeping other names: 10 failures, then even a right password waits
        assert [login(f"nobody{i}", "wrong-1").status_code for i in range(5)] == [401] * 5
        assert login("shili", PASSWORD).status_code == 429
        web = httpx.Client(base_url=base, timeout=30, follow_redirects=True)
        page = _form(web, "/login", "/login", {"username": "shili", "password": PASSWORD})
        assert "登录失败次数过多" in page.text and page.url.path == "/login"


def test_unknown_users_cost_the_same_and_ids_are_never_reused(tmp_path: Path) -> None:
    import sqlalchemy

    from gidr_xl.server import accounts
    from gidr_xl.server.db import make_engine, make_sessions
    from gidr_xl.server.refusals import NotLoggedIn

    engine = make_engine(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    with make_sessions(engine)() as session:
        accounts.create_organ(session, "示例局", "t")
        first = accounts.create_user(session, "u1", PASSWORD, "organ", "示例局", "t").id
        timings: dict[str, list[float]] = {"known": [], "unknown": []}
        for i in range(3):
            for kind, name in (("known", "u1"), ("unknown", f"ghost{i}")):
                start = time.perf_counter()
                with pytest.raises(NotLoggedIn):
                    accounts.authenticate(session, name, f"wrong-{kind}", f"10.0.0.{i}")
                timings[kind].append(time.perf_counter() - start)
        known, unknown = sorted(timings["known"])[1], sorted(timings["unknown"])[1]
        assert unknown > 0.5 * known, timings  # both pay one argon2 verification
        session.execute(sqlalchemy.text("DELETE FROM users WHERE id = :id"), {"id": first})
        session.commit()
        again = accounts.create_user(session, "u2", PASSWORD, "organ", "示例局", "t").id
        assert again > first
        for bad in ("a\u202eb", "x\u0000", "tab\there", "", "n" * 101, "zero\u200bwidth"):
            with pytest.raises(UsageError):
                accounts.create_user(session, bad, PASSWORD, "organ", "示例局", "t")
        assert (
            accounts.create_user(session, "Cafe\u0301", PASSWORD, "organ", "示例局", "t").username == "Café"
        )
        with pytest.raises(UsageError, match="不属于任何填报单位"):
            accounts.create_user(session, "boss2", PASSWORD, "supervisor", "示例局", "t")
        with pytest.raises(UsageError, match="密码"):
            accounts.create_user(session, "u3", "short", "organ", "示例局", "t")
    engine.dispose()


def test_sessions_end_on_logout_password_change_and_disabling(tmp_path: Path) -> None:
    env = _server_env(tmp_path / "data")
    _accounts(env, {"jianghai": "江海区政府办公室", "shili": "示例局"})
    with running_server(env) as (base, _):
        a = client(base, "jianghai")
        elsewhere = client(base, "jianghai")  # the same account logged in on another computer
        web_elsewhere = _web_login(base, "jianghai")
        stolen = httpx.Client(base_url=base, cookies=dict(a.cookies), timeout=30)
        assert stolen.get("/api/submissions").status_code == 200
        assert a.post("/api/logout").json() == {"ok": True}
        assert stolen.get("/api/submissions").status_code == 401  # a copied cookie dies with the logout
        assert a.get("/api/submissions").status_code == 401
        assert elsewhere.get("/api/submissions").status_code == 200  # the other session goes on
        assert "退出" in web_elsewhere.get("/").text
        web_copy = httpx.Client(base_url=base, cookies=dict(web_elsewhere.cookies), timeout=30)
        assert _form(web_elsewhere, "/", "/logout", {}).url.path == "/login"
        assert web_copy.get("/api/submissions").status_code == 401  # a page logout ends its copies too
        assert elsewhere.get("/api/submissions").status_code == 200

        web = _web_login(base, "jianghai")
        api = client(base, "jianghai")
        assert "修改密码" in web.get("/account").text
        short = _form(
            web, "/account", "/account/password", {"current": PASSWORD, "new": "abc", "repeat": "abc"}
        )
        assert "至少 8 位" in short.text
        changed = _form(
            web,
            "/account",
            "/account/password",
            {"current": PASSWORD, "new": "new-pass-42", "repeat": "new-pass-42"},
        )
        assert changed.url.path == "/login" and "密码已修改" in changed.text
        assert api.get("/api/submissions").status_code == 401
        assert (
            httpx.post(f"{base}/api/login", json={"username": "jianghai", "password": PASSWORD}).status_code
            == 401
        )
        client(base, "jianghai", "new-pass-42")

        shili = client(base, "shili")
        boss = _web_login(base, "boss")
        admin = boss.get("/admin")
        assert "单位与账号" in admin.text and "shili" in admin.text
        ids = {
            m.group(2): int(m.group(1))
            for m in re.finditer(r"<tr><td>(\d+)</td><td>([^<]+)</td>", admin.text)
        }
        done = _form(boss, "/admin", f"/admin/users/{ids['shili']}/disable", {"disabled": "1"})
        assert "已停用账号：shili" in done.text
        assert shili.get("/api/submissions").status_code == 401
        refused = httpx.post(f"{base}/api/login", json={"username": "shili", "password": PASSWORD})
        assert refused.status_code == 403 and "停用" in refused.json()["error"]
        _form(boss, "/admin", f"/admin/users/{ids['shili']}/disable", {"disabled": "0"})
        reset = _form(boss, "/admin", f"/admin/users/{ids['shili']}/password", {"password": "reset-pass-7"})
        assert "已重置 shili 的密码" in reset.text
        client(base, "shili", "reset-pass-7")

        organ = _form(boss, "/admin", "/admin/organs", {"name": "新区司法局"})
        assert "已创建单位：新区司法局" in organ.text
        made = _form(
            boss,
            "/admin",
            "/admin/users",
            {"username": "sifa", "password": "sifa-pass-1", "role": "organ", "organ": "新区司法局"},
        )
        assert "已创建账号：sifa" in made.text
        assert client(base, "sifa", "sifa-pass-1").get("/api/submissions").json() == []
        bidi = _form(boss, "/admin", "/admin/users", {"username": "ev\u202eil", "password": "x-pass-123"})
        assert "不可见字符" in bidi.text
        assert _web_login(base, "sifa", "sifa-pass-1").get("/admin").status_code == 403


def test_api_refuses_cross_origin_and_form_posts(server: str) -> None:
    a = client(server, "jianghai")
    cookies = dict(a.cookies)
    plain = httpx.post(
        f"{server}/api/logout", content=b"x", headers={"Content-Type": "text/plain"}, cookies=cookies
    )
    assert plain.status_code == 415
    untyped = httpx.post(f"{server}/api/submissions/1/return", content=b'{"comment": "x"}', cookies=cookies)
    assert untyped.status_code == 415  # a body without a content type is refused, even if it is JSON
    for method in ("DELETE", "PUT"):  # a method no route takes, without a body: 405, not 415
        wrong = httpx.request(method, f"{server}/api/submissions/1", cookies=cookies)
        assert wrong.status_code == 405 and wrong.json()["error"] == "不支持这种请求方法。", wrong.text
    evil = httpx.post(
        f"{server}/api/logout", json={}, headers={"Origin": "https://evil.example"}, cookies=cookies
    )
    assert evil.status_code == 403 and "跨站" in evil.json()["error"]
    site = httpx.post(
        f"{server}/api/logout", json={}, headers={"Sec-Fetch-Site": "cross-site"}, cookies=cookies
    )
    assert site.status_code == 403
    cross_upload = httpx.post(
        f"{server}/api/validate",
        files={"file": ("a.xlsx", b"x")},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        cookies=cookies,
    )
    assert cross_upload.status_code == 403 and "跨站" in cross_upload.json()["error"]
    wrong_token = httpx.post(
        f"{server}/api/validate",
        files={"file": ("a.xlsx", b"x")},
        headers={"X-CSRF-Token": "forged"},
        cookies=cookies,
    )
    assert wrong_token.status_code == 403 and "X-CSRF-Token" in wrong_token.json()["error"]
    # a script (no browser's Origin / Sec-Fetch-Site) may upload with its session: the file is judged
    tool = httpx.post(f"{server}/api/validate", files={"file": ("a.xlsx", b"x")}, cookies=cookies)
    assert tool.status_code in (400, 415) and "跨站" not in tool.json()["error"]
    assert a.get("/api/submissions").status_code == 200  # none of the refused posts logged us out
    same = a.post("/api/logout", json={}, headers={"Origin": server, "Sec-Fetch-Site": "same-origin"})
    assert same.status_code == 200


def test_admin_cli_prompts_for_the_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    import getpass

    from gidr_xl.cli import main

    monkeypatch.setenv("GIDR_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GIDR_DATABASE_URL", raising=False)
    answers = iter(["prompted-pass-1", "prompted-pass-1", "a-pass-123", "other-pass-456"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    assert main(["admin", "create-user", "boss", "--role", "supervisor"]) == 0
    assert main(["admin", "create-user", "boss2", "--role", "supervisor"]) != 0
    assert "不一致" in capsys.readouterr().err
    assert main(["admin", "create-user", "boss3", "--role", "supervisor", "--organ", "示例局"]) != 0
    from gidr_xl.server import accounts
    from gidr_xl.server.config import load_settings
    from gidr_xl.server.db import make_engine, make_sessions

    with make_sessions(make_engine(load_settings().database_url))() as session:
        assert accounts.authenticate(session, "boss", "prompted-pass-1", "cli").username == "boss"


def test_year_dashboard_names_latest_version_times_and_download_names(tmp_path: Path, workbooks) -> None:
    env = _server_env(tmp_path / "data")
    _accounts(env, {"jianghai": "江海区政府办公室", "shili": "示例局"})
    with running_server(env) as (base, _):
        a, other, boss = client(base, "jianghai"), client(base, "shili"), client(base, "boss")
        wrong_year = a.post(
            "/api/submissions", data={"year": "2020"}, files={"file": ("江海区.xlsx", workbooks["good"])}
        )
        assert wrong_year.status_code == 409 and "与选择的报送年度 2020 不符" in wrong_year.json()["error"]
        v1 = a.post(
            "/api/submissions", data={"year": "2019"}, files={"file": ("江海区.xlsx", workbooks["bad"])}
        )
        assert v1.status_code == 201 and not v1.json()["org_mismatch"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", v1.json()["submitted_at"])
        v2 = upload(a, "/api/submissions", "江海区.xlsx", workbooks["good"])
        mismatch = upload(other, "/api/submissions", "示例局.xlsx", workbooks["good"])  # 江海区's workbook
        assert mismatch.json()["org_mismatch"] and mismatch.json()["org_in_file"] == "江海区政府办公室"

        assert {r["status"] for r in boss.get("/api/dashboard").json()["organs"]} == {"未提交"}  # last year
        board = boss.get("/api/dashboard", params={"year": 2019}).json()
        assert board["deadlines"] == {"organ": "2020年1月31日", "government": "2020年3月31日"}
        rows = {r["organ"]: r for r in board["organs"]}
        assert rows["江海区政府办公室"]["version"] == 2 and rows["江海区政府办公室"]["status"] == "已通过"
        assert rows["示例局"]["org_mismatch"] and not rows["江海区政府办公室"]["org_mismatch"]
        assert boss.get("/api/dashboard", params={"year": 99999}).status_code == 422

        old = boss.post(f"/api/submissions/{v1.json()['id']}/return", json={"comment": "请修改"})
        assert old.status_code == 409 and "只能退回最新版本" in old.json()["error"]
        assert (
            boss.post(f"/api/submissions/{v2.json()['id']}/return", json={"comment": "请修改"}).status_code
            == 200
        )

        original = a.get(f"/api/submissions/{v2.json()['id']}/original")
        assert quote("江海区政府办公室-2019-第2版.xlsx") in original.headers["content-disposition"]
        docx = a.get(f"/api/submissions/{v2.json()['id']}/report.docx")
        assert docx.status_code == 200, docx.text
        assert (
            quote("江海区政府办公室-2019-政府信息公开工作年度报告.docx")
            in docx.headers["content-disposition"]
        )

        web = _web_login(base, "boss")
        page = web.get("/", params={"year": 2019}).text
        assert "2019 年度报送情况" in page and "2020年1月31日" in page and "2020年3月31日" in page
        assert '<option value="2019" selected>' in page and "单位名称与账号不符" in page
        assert re.search(r"<td>\d{4}-\d\d-\d\d \d\d:\d\d</td>", page)
        assert "退回该报送" not in web.get(f"/submissions/{v1.json()['id']}").text
        shown = _web_login(base, "shili").get(f"/submissions/{mismatch.json()['id']}").text
        assert "单位名称与账号不符" in shown and "江海区政府办公室" in shown and "报送时间" in shown


def test_errors_are_chinese_pages_or_json_and_files_are_private(tmp_path: Path) -> None:
    env = _server_env(tmp_path / "data")
    _accounts(env, {"jianghai": "江海区政府办公室"})
    with running_server(env) as (base, _):
        browser = httpx.Client(base_url=base, timeout=30, headers={"Accept": "text/html,*/*"})
        missing = browser.get("/no-such-page")
        assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
        assert (
            "页面或记录不存在" in missing.text and 'href="/"' in missing.text and "返回首页" in missing.text
        )
        api = httpx.Client(base_url=base, timeout=30)
        assert api.get("/api/nothing").json() == {"error": "页面或记录不存在。"}
        wrong_method = api.delete("/api/health")
        assert wrong_method.status_code == 405 and wrong_method.json()["error"] == "不支持这种请求方法。"
        a = client(base, "jianghai")
        for bad_id in ("99999999999999999999999", "-1", "abc", "0"):
            r = a.get(f"/api/submissions/{bad_id}")
            assert r.status_code == 422 and "submission_id" in r.json()["error"], (bad_id, r.text)
        page = httpx.Client(base_url=base, cookies=dict(a.cookies), headers={"Accept": "text/html"})
        assert page.get("/submissions/99999999999999999999").status_code == 422
        not_yours = page.get("/submissions/12345")
        assert (
            not_yours.status_code == 404
            and "没有这份报送记录" in not_yours.text
            and "返回首页" in not_yours.text
        )
        malformed = api.post(
            "/api/login", content=b'{"username": ', headers={"Content-Type": "application/json"}
        )
        assert malformed.status_code == 422 and malformed.json()["error"] == "请求内容不是有效的 JSON。"
        assert api.post("/api/login", json={"username": 5, "password": ["x"]}).status_code == 422
        boss = client(base, "boss")
        for comment in ("bad\u0000comment", "rtl\u202etrick", "   "):
            r = boss.post("/api/submissions/1/return", json={"comment": comment})
            assert r.status_code in (404, 422) and "error" in r.json()
        assert boss.get("/api/audit", params={"limit": 10**12}).status_code == 422
        assert boss.get("/api/dashboard", params={"year": "x"}).status_code == 422
        docs = browser.get("/docs")
        assert docs.status_code == 200 and "/api/submissions" in docs.text and "接口说明" in docs.text
        assert "http" not in re.sub(
            r'href="/[^"]*"', "", docs.text.split("<main>")[1]
        )  # nothing from outside
        assert "unsafe-inline" not in docs.headers["content-security-policy"]
    data = tmp_path / "data"
    assert data.stat().st_mode & 0o777 == 0o700
    assert (data / "gidr.sqlite3").stat().st_mode & 0o777 == 0o600


def _contrast(fg: str, bg: str) -> float:
    """WCAG contrast ratio of two CSS rgb()/rgba() colours."""

    def luminance(css: str) -> float:
        r, g, b = (int(v) / 255 for v in re.findall(r"[\d.]+", css)[:3])
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_pages_on_desktop_and_phone_keyboard_login_and_contrast(tmp_path: Path, workbooks) -> None:
    from playwright.sync_api import sync_playwright

    env = _server_env(tmp_path / "data")
    _accounts(env, {"jianghai": "江海区政府办公室"})
    shots = Path(os.environ.get("GIDR_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with running_server(env) as (base, _):
        sid = upload(client(base, "jianghai"), "/api/submissions", "江海区.xlsx", workbooks["bad"]).json()[
            "id"
        ]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
            for width, height in ((1280, 900), (390, 844)):
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(f"{base}/login")
                page.keyboard.press("Tab")  # keyboard only: Tab to the fields, type, Enter
                assert page.evaluate("document.activeElement.name") == "username"
                page.keyboard.type("jianghai")
                page.keyboard.press("Tab")
                page.keyboard.type(PASSWORD)
                page.keyboard.press("Enter")
                page.wait_for_url(f"{base}/")
                page.screenshot(path=str(shots / f"home-{width}.png"), full_page=True)
                page.goto(f"{base}/submissions/{sid}")
                assert (
                    "下一步" in page.inner_text("main") and page.locator("h3", has_text="表三").count() == 1
                )
                page.screenshot(path=str(shots / f"submission-{width}.png"), full_page=True)
                # the page itself never scrolls sideways; wide tables scroll in their own box
                assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
                button = page.locator("header button")
                colours = button.evaluate(
                    "b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]"
                )
                assert _contrast(*colours) >= 4.5, colours
                badge = page.locator(".status").first
                assert badge.inner_text() == "校验未通过"
                assert (
                    _contrast(
                        *badge.evaluate(
                            "b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]"
                        )
                    )
                    >= 4.5
                )
                page.close()
            browser.close()


def test_service_knows_no_http_and_every_refusal_has_one_status() -> None:
    import pickle

    from gidr_xl.server import refusals
    from gidr_xl.server.errors import STATUS, status_of

    code = (
        "import sys, gidr_xl.server.service, gidr_xl.server.accounts, gidr_xl.server.work\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'fastapi', 'starlette', 'uvicorn'}))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]", loaded.stdout
    kinds = [
        k for k in vars(refusals).values() if isinstance(k, type) and issubclass(k, refusals.ServiceError)
    ]
    assert set(kinds) - {refusals.ServiceError} == set(STATUS)
    assert len(set(STATUS.values())) == len(STATUS)  # one status per kind
    for kind, status in STATUS.items():
        back = pickle.loads(pickle.dumps(kind("没有这份报送记录。")))  # from a worker process
        assert type(back) is kind and back.message == "没有这份报送记录。" and status_of(back) == status
