"""Read an XES file in a separate process (plain Python, no Django), so that parsing runs beside the import's
database work on another core: `read_xes_process(path)` starts `python -m opencxm.events.xes_child PATH SIZE`,
which sends the traces (xes.read_xes_traces) in pickled chunks of about SIZE events through a pipe. The pipe
bounds the memory: the reader blocks once it is a chunk ahead. Its EventError comes back with code, message
and position, after the chunks read before it (file order); a reader that dies or exits unexpectedly raises
EventError("reader_failed"). Closing the iterator early ends the reader; it is always waited for (no zombie).
"""

import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from opencxm.events.records import EventError

ROOT = str(Path(__file__).resolve().parents[2])  # the directory holding the opencxm package


def read_xes_process(path, size: int) -> Iterator[list[tuple[str, list]]]:
    """Chunks of traces (case, events) as xes.read_xes_traces gives them, read by a child process."""
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")]))}
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen(_command(path, size), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors,  # noqa: S603
                                 env=environment)  # fmt: skip
        try:
            yield from _received(child, errors)
        finally:
            if child.poll() is None:
                child.kill()
            child.stdout.close()
            child.wait()


def _command(path, size: int) -> list[str]:
    # -S: no site-packages (the reader needs only the standard library and this package); -P: not the working
    # directory first on the path (PYTHONPATH names this package)
    return [sys.executable, "-S", "-P", "-m", "opencxm.events.xes_child", os.fspath(path), str(size)]


def _received(child: subprocess.Popen, errors) -> Iterator[list]:
    while True:
        try:
            kind, value = pickle.load(child.stdout)  # noqa: S301 - from our own child process
        except (EOFError, pickle.UnpicklingError, ValueError, TypeError):
            raise _failed(child, errors) from None
        if kind == "chunk":
            yield value
        elif kind == "end":
            return
        elif kind == "error":
            code, template, params = value
            raise EventError(code, template, **params)
        else:  # "raise": another exception of the reader (an unreadable file, a bad gzip stream)
            raise value


def _failed(child: subprocess.Popen, errors) -> EventError:
    status = child.wait()
    errors.seek(0)
    last = errors.read()[-2000:].decode(errors="replace").strip().splitlines()
    return EventError(
        "reader_failed",
        "The XES file could not be read: the reading process ended unexpectedly (exit status %(status)s%(detail)s).",
        status=status,
        detail=f": {last[-1]}" if last else "",
    )
