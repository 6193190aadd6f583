"""Submission server on loopback: validation and submission requests/s, p50 and p95 latency with
1, 4 and 16 clients, /api/health latency during that load and during a PDF compile, with 1 and 2
server processes; and `gidr batch` throughput on this machine's cores.

Baselines measured in the same run: in-process validation of the same workbook (the cost the
server adds is the ratio), and the batch with one worker (the speed-up of two is the ratio).
Request loops are bounded in count and time and only target 127.0.0.1.
"""

from __future__ import annotations

import io
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from benchmarks.common import median_seconds
from gidr_xl.batch import run_batch
from gidr_xl.reader.workbook import read_report
from gidr_xl.samples import load_sample
from gidr_xl.template.writer import write_workbook
from gidr_xl.validate.validator import validate

REQUESTS_PER_CLIENT = 10
TIME_LIMIT = 15.0  # seconds per concurrency level
PORT = 8765


def _start(data: Path, workers: int) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "GIDR_DATA_DIR": str(data)}
    run = [sys.executable, "-m", "gidr_xl.cli"]
    subprocess.run(
        [*run, "admin", "create-organ", "江海区政府办公室"], env=env, check=True, capture_output=True
    )
    subprocess.run(
        [*run, "admin", "create-user", "bench", "--password", "bench-pass-1", "--organ", "江海区政府办公室"],
        env=env,
        check=True,
        capture_output=True,
    )
    proc = subprocess.Popen(
        [*run, "serve", "--port", str(PORT), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{PORT}"
    for _ in range(300):
        try:
            httpx.get(f"{base}/api/health", timeout=1).raise_for_status()
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    return proc, base


def _client(base: str) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=120)
    r = c.post("/api/login", json={"username": "bench", "password": "bench-pass-1"})
    r.raise_for_status()
    c.headers["X-CSRF-Token"] = r.json()["csrf"]
    return c


def _variant(data: bytes, n: int) -> bytes:
    """Same workbook, another zip comment: a new sha256, so every submission is stored."""
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as zf:
        zf.comment = f"bench {n}".encode()
    return buffer.getvalue()


def _quantiles(values: list[float]) -> tuple[float, float]:
    """(p50, p95) in ms."""
    if len(values) < 2:
        return values[0] * 1000, values[0] * 1000
    cuts = statistics.quantiles(values, n=20, method="inclusive")
    return statistics.median(values) * 1000, cuts[-1] * 1000


class HealthProbe:
    """Asks /api/health every 50 ms on its own connection while the load runs."""

    def __init__(self, base: str) -> None:
        self.base, self.samples, self._stop = base, [], threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as c:
            while not self._stop.is_set():
                start = time.perf_counter()
                c.get("/api/health")
                self.samples.append(time.perf_counter() - start)
                self._stop.wait(0.05)

    def __enter__(self) -> HealthProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def _load(base: str, body: bytes, clients: int, path: str) -> dict[str, float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + TIME_LIMIT
    counter = itertools.count()

    def worker(_: int) -> None:
        c = _client(base)
        try:
            for _ in range(REQUESTS_PER_CLIENT):
                if time.perf_counter() > deadline:
                    return
                data = _variant(body, next(counter)) if path == "/api/submissions" else body
                start = time.perf_counter()
                r = c.post(path, files={"file": ("a.xlsx", data)})
                r.raise_for_status()
                latencies.append(time.perf_counter() - start)
        finally:
            c.close()

    with HealthProbe(base) as health:
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            list(pool.map(worker, range(clients)))
        elapsed = time.perf_counter() - start
    p50, p95 = _quantiles(latencies)
    h50, h95 = _quantiles(health.samples)
    return {
        "rps": len(latencies) / elapsed,
        "p50": p50,
        "p95": p95,
        "n": len(latencies),
        "h50": h50,
        "h95": h95,
        "hmax": max(health.samples) * 1000,
    }


def _pdf(base: str, body: bytes) -> dict[str, float]:
    c = _client(base)
    with HealthProbe(base) as health:
        start = time.perf_counter()
        r = c.post("/api/compile", params={"format": "pdf"}, files={"file": ("a.xlsx", body)})
        seconds = time.perf_counter() - start
    c.close()
    h50, h95 = _quantiles(health.samples)
    return {
        "ok": r.status_code == 200,
        "seconds": seconds,
        "h50": h50,
        "h95": h95,
        "hmax": max(health.samples) * 1000,
    }


def run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        spec, values = load_sample("jianghai-2019")
        path = write_workbook(spec, Path(tmp) / "jianghai.xlsx", values=values)
        body = path.read_bytes()
        inproc = median_seconds(lambda: validate(read_report(path)), repeat=20)
        print(
            "server: the Jianghai sample on loopback (p50 / p95 of the requests; /api/health asked every 50 ms)"
        )
        print(f"  in-process validation (baseline): {inproc * 1000:7.1f} ms")
        for workers in (1, 2):
            proc, base = _start(Path(tmp) / f"data{workers}", workers)
            try:
                warm = _client(base)
                for _ in range(3):  # first requests start the worker processes and compile the rules
                    warm.post("/api/validate", files={"file": ("a.xlsx", body)})
                warm.close()
                for route in ("/api/validate", "/api/submissions"):
                    for clients in (1, 4, 16):
                        m = _load(base, body, clients, route)
                        print(
                            f"  {workers} worker(s) {route:17s} {clients:2d} clients: {m['rps']:5.1f} req/s, "
                            f"p50 {m['p50']:6.0f} ms, p95 {m['p95']:6.0f} ms ({m['n']:.0f} requests); "
                            f"health p50 {m['h50']:4.1f} ms, p95 {m['h95']:5.1f} ms, max {m['hmax']:5.1f} ms"
                        )
                if shutil.which("soffice"):
                    pdf = _pdf(base, body)
                    print(
                        f"  {workers} worker(s) PDF compile: {pdf['seconds']:.1f} s (ok={pdf['ok']}); "
                        f"health p50 {pdf['h50']:4.1f} ms, p95 {pdf['h95']:5.1f} ms, max {pdf['hmax']:5.1f} ms"
                    )
            finally:
                proc.terminate()
                proc.wait(timeout=30)
        if os.environ.get("GIDR_BENCH_SERVER_ONLY"):
            return
        folder = Path(tmp) / "batch"
        folder.mkdir()
        for n in range(12):
            write_workbook(spec, folder / f"单位{n}.xlsx", values=values)
        files = sorted(folder.glob("*.xlsx"))
        timings = {}
        for jobs in (1, 2):
            start = time.perf_counter()
            run_batch(files, Path(tmp) / f"out{jobs}", jobs)
            timings[jobs] = time.perf_counter() - start
        print(f"batch (validate + compile .docx) of {len(files)} workbooks:")
        for jobs, seconds in timings.items():
            print(f"  --jobs {jobs}: {len(files) / seconds:5.1f} workbooks/s")
        print(f"  speed-up of 2 workers over 1: {timings[1] / timings[2]:.2f}× on {os.cpu_count()} cores")


if __name__ == "__main__":
    run()
