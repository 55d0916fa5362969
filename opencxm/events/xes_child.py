"""The reading process of xes_process: `python -S -m opencxm.events.xes_child PATH SIZE` writes the traces of
the XES file at PATH to stdout as pickled messages: ("chunk", [(case, events), ...]) with about SIZE events
(the first chunks smaller, so that the importer can start at once), then ("end", None), or ("error", (code,
template, params)) for an EventError, or ("raise", exception) for any other failure. Few imports: it starts fast.
"""

import os
import pickle
import sys

from opencxm.events.records import EventError
from opencxm.events.xes import read_xes_traces

FIRST = 250  # events of the first chunk; each next chunk is twice as large, up to SIZE
FEED = 64 * 1024  # bytes parsed at a time: the first traces are ready early


def main(path: str, size: int) -> None:
    out = sys.stdout.buffer
    dump = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)

    def send(kind: str, value) -> None:
        dump.dump((kind, value))
        dump.clear_memo()
        out.flush()

    try:
        chunk, count, limit = [], 0, min(FIRST, size)
        for case, events in read_xes_traces(path, feed=FEED):
            while events:  # a long trace is split over chunks: memory stays bounded
                room = limit - count
                part, events = (events, None) if len(events) <= room else (events[:room], events[room:])
                chunk.append((case, part))
                count += len(part)
                if count >= limit:
                    send("chunk", chunk)
                    chunk, count, limit = [], 0, min(2 * limit, size)
        if chunk:
            send("chunk", chunk)
        send("end", None)
    except EventError as error:
        send("error", (error.code, error.template, error.params))
    except BrokenPipeError:  # the importer stopped reading (it failed or was closed): nothing to say
        os._exit(0)
    except Exception as error:  # noqa: BLE001 - handed to the importer, which raises it
        try:
            pickle.dumps(error)
        except Exception:  # noqa: BLE001
            error = RuntimeError(repr(error))
        send("raise", error)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
