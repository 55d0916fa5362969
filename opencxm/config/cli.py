"""The `opencxm` command: `serve`, `demo`, `worker` (opencxm/core/management/commands/worker.py: the task worker
with the periodic-job scheduler) and every Django management command."""

import os
import sys

ALIASES: dict[str, str] = {}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opencxm.config.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "opencxm"
    if len(args) > 1:
        args[1] = ALIASES.get(args[1], args[1])
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
