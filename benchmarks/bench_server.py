"""Submission server on loopback: validation requests/s and p95 latency with 1, 4 and 16 clients,
and `gidr batch` throughput on this machine's cores.

Baselines measured in the same run: in-process validation of the same workbook (the cost the
server adds is the ratio), and the batch with one worker (the speed-up of two is the ratio).
Request loops are bounded in count and time and only target 127.0.0.1.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from benchmarks.common import median_seconds
from gidr_xl.batch import run_batch
from gidr_xl.reader.workbook import read_report
from gidr_xl.samples import load_sample
from gidr_xl.template.writer import write_workbook
from gidr_xl.validate.validator import validate

REQUESTS_PER_CLIENT = 25
TIME_LIMIT = 20.0  # seconds per concurrency level


def _start(data: Path, workers: int) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "GIDR_DATA_DIR": str(data)}
    run = [sys.executable, "-m", "gidr_xl.cli"]
    subprocess.run([*run, "admin", "create-organ", "压测单位"], env=env, check=True, capture_output=True)
    subprocess.run(
        [*run, "admin", "create-user", "bench", "--password", "bench-pass-1", "--organ", "压测单位"],
        env=env,
        check=True,
        capture_output=True,
    )
    proc = subprocess.Popen(
        [*run, "serve", "--port", "8765", "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = "http://127.0.0.1:8765"
    for _ in range(200):
        try:
            httpx.get(f"{base}/api/health", timeout=1).raise_for_status()
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    return proc, base


def _client(base: str) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=60)
    c.post("/api/login", json={"username": "bench", "password": "bench-pass-1"})
    return c


def _load(base: str, body: bytes, clients: int) -> tuple[float, float, int]:
    latencies: list[float] = []
    deadline = time.perf_counter() + TIME_LIMIT

    def worker(_: int) -> None:
        c = _client(base)
        try:
            for _ in range(REQUESTS_PER_CLIENT):
                if time.perf_counter() > deadline:
                    return
                start = time.perf_counter()
                r = c.post("/api/validate", files={"file": ("a.xlsx", body)})
                r.raise_for_status()
                latencies.append(time.perf_counter() - start)
        finally:
            c.close()

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(worker, range(clients)))
    elapsed = time.perf_counter() - start
    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) >= 20 else max(latencies)
    return len(latencies) / elapsed, p95, len(latencies)


def run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        spec, values = load_sample("jianghai-2019")
        path = write_workbook(spec, Path(tmp) / "jianghai.xlsx", values=values)
        body = path.read_bytes()
        inproc = median_seconds(lambda: validate(read_report(path)), repeat=20)
        print("server: POST /api/validate of the Jianghai sample on loopback")
        print(f"  in-process validation (baseline): {inproc * 1000:7.1f} ms")
        for workers in (1, 2):
            proc, base = _start(Path(tmp) / f"data{workers}", workers)
            try:
                warm = _client(base)
                for _ in range(3):  # first requests load the format spec and compile the rules
                    warm.post("/api/validate", files={"file": ("a.xlsx", body)})
                warm.close()
                for clients in (1, 4, 16):
                    rps, p95, n = _load(base, body, clients)
                    print(
                        f"  {workers} worker(s), {clients:2d} clients: {rps:6.1f} req/s, p95 {p95 * 1000:7.1f} ms "
                        f"({n} requests; p95 / in-process = {p95 / inproc:5.1f}×)"
                    )
            finally:
                proc.terminate()
                proc.wait(timeout=10)
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
