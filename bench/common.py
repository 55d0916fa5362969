# ruff: noqa: S108, S603, S608 -- a benchmark: fixed /tmp paths, its own commands and SQL built from constants
"""Shared helpers of the benchmarks: bench databases (SQLite under /tmp, PostgreSQL opencxm_bench*), running
`opencxm` in a subprocess with its peak memory, medians and result files."""

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
OPENCXM = str(Path(sys.executable).parent / "opencxm")
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
SQLITE_ROOT = Path(os.environ.get("BENCH_SQLITE_DIR", "/tmp/opencxm-bench"))
LOAD_DEMO = "from opencxm.demo.loader import load_demo; load_demo(log=lambda *a: None, feedback_scale=0)"


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def median(values: list[float]) -> float:
    return statistics.median(values)


class Database:
    """A bench database for one engine: a prepared template (migrated, demo company loaded, no feedback)
    and a working copy that `fresh()` recreates from it."""

    def __init__(self, engine: str, name: str):
        self.engine, self.name = engine, name

    # paths and URLs
    @property
    def data_dir(self) -> Path:
        return SQLITE_ROOT / self.name

    @property
    def template_dir(self) -> Path:
        return SQLITE_ROOT / f"{self.name}_tpl"

    @property
    def url(self) -> str:
        return f"{PG_SERVER}/{self.name}"

    def env(self) -> dict:
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="opencxm.config.settings", OPENCXM_SECRET_KEY="bench-secret")
        env.pop("DATABASE_URL", None)
        if self.engine == "postgresql":
            env["DATABASE_URL"] = self.url
        env["OPENCXM_DATA_DIR"] = str(self.data_dir)
        return env

    def connect_pg(self, name: str | None = None, **kwargs):
        return psycopg.connect(f"{PG_SERVER}/{name or self.name}", **kwargs)

    # preparation
    def prepare_template(self, *, force: bool = False) -> None:
        """Migrate and load the demo company (without demo feedback) once; kept for later runs."""
        if self.engine == "sqlite":
            if (self.template_dir / "opencxm.sqlite3").exists() and not force:
                return
            shutil.rmtree(self.template_dir, ignore_errors=True)
            self._setup(self.template_dir, None)
            return
        tpl = f"{self.name}_tpl"
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [tpl]).fetchone()
            if exists and not force:
                return
            conn.execute(f'DROP DATABASE IF EXISTS "{tpl}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{tpl}"')
        self._setup(SQLITE_ROOT / tpl, f"{PG_SERVER}/{tpl}")

    def _setup(self, data_dir: Path, url: str | None) -> None:
        env = self.env() | {"OPENCXM_DATA_DIR": str(data_dir)}
        if url:
            env["DATABASE_URL"] = url
        log(f"{self.engine}: migrate and load the demo company into {url or data_dir}")
        subprocess.run([OPENCXM, "migrate", "-v", "0"], env=env, check=True)
        subprocess.run([OPENCXM, "shell", "-c", LOAD_DEMO], env=env, check=True)

    def fresh(self) -> None:
        """A working database equal to the template, migrated to the current code (apps may have been added
        since the template was made)."""
        self.prepare_template()
        if self.engine == "sqlite":
            shutil.rmtree(self.data_dir, ignore_errors=True)
            shutil.copytree(self.template_dir, self.data_dir)
        else:
            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{self.name}" TEMPLATE "{self.name}_tpl"')
        subprocess.run([OPENCXM, "migrate", "-v", "0"], env=self.env(), check=True)

    def sqlite_path(self) -> Path:
        return self.data_dir / "opencxm.sqlite3"


def run_with_rusage(args: list[str], env: dict) -> dict:
    """Run a command and read its peak RSS with os.wait4 (only this child, unlike RUSAGE_CHILDREN)."""
    started = time.perf_counter()
    out_path = Path(f"/tmp/opencxm-bench-child-{os.getpid()}.log")
    with open(out_path, "w") as fh:
        process = subprocess.Popen(args, env=env, stdout=fh, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    output = out_path.read_text(errors="replace")
    out_path.unlink()
    return {
        "seconds": seconds,
        "returncode": process.returncode,
        "peak_rss_mb": usage.ru_maxrss / 1024,  # Linux: kilobytes
        "output_tail": output[-2000:],
    }


def machine() -> dict:
    with open("/proc/meminfo") as fh:
        mem_kb = int(fh.readline().split()[1])
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "note": "shared with other jobs while measuring; timings noisy, ratios matter",
    }


def save(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    data = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(), **data}
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    log(f"results written to {path}")
    return path
