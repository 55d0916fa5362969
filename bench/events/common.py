"""What the event-log benchmarks share: a fresh database to import into, and timing by medians."""

import statistics
import time
from pathlib import Path


def fresh_database(engine: str, sqlite: Path, pg_server: str, pg_name: str) -> str:
    """DATABASE_URL of an empty database: the SQLite file removed, or the PostgreSQL database dropped and made
    again."""
    if engine == "sqlite":
        sqlite.unlink(missing_ok=True)
        return f"sqlite:///{sqlite}"
    import psycopg

    with psycopg.connect(f"{pg_server}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {pg_name}")
        connection.execute(f"CREATE DATABASE {pg_name}")
    return f"{pg_server}/{pg_name}"


def timed(function, runs: int) -> tuple[float, float, object]:
    """Median wall time, median CPU time of this process (with SQLite the database works in it), last result."""
    times, cpu, result = [], [], None
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = function()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(times), statistics.median(cpu), result
