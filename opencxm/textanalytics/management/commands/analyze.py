"""``opencxm analyze``: enrich a CSV/XLSX file with language, sentiment, topics and redacted text.

No database is used: the command only reads and writes files.
"""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from opencxm.textanalytics.engine import ENGINE_NAMES, get_engine
from opencxm.textanalytics.engine.batch import BatchError, analyze_file, format_progress
from opencxm.textanalytics.engine.taxonomy import RuleError


class Command(BaseCommand):
    help = (
        "Analyse the comments in a CSV or XLSX file (language, sentiment, topics, PII redaction) and write the "
        "same rows with the columns language, sentiment_label, sentiment_score, topics and text_redacted added. "
        "Needs no database."
    )
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="CSV or XLSX file to read")
        parser.add_argument("--text-column", required=True, help="column holding the comment text")
        parser.add_argument("--language-column", help="optional column with a language code (de, en, ...)")
        parser.add_argument("--output", required=True, help="CSV or XLSX file to write (by extension)")
        parser.add_argument("--engine", choices=ENGINE_NAMES, default="fast", help="analysis backend")
        parser.add_argument("--taxonomy", help="JSON file with a topic taxonomy (default: the shipped CX one)")
        parser.add_argument(
            "--pii-pattern",
            action="append",
            default=[],
            metavar="NAME=REGEX",
            help="extra redaction pattern, e.g. KUNDENNR='KD-\\d{6,}' (repeatable)",
        )
        parser.add_argument("--chunk-size", type=int, default=2000, help="rows analysed per batch")
        parser.add_argument("--quiet", action="store_true", help="no progress output")

    def handle(self, *args, **opts):
        src, dst = Path(opts["input"]), Path(opts["output"])
        if src.resolve() == dst.resolve():
            raise CommandError("--output must differ from --input")
        patterns = {}
        for item in opts["pii_pattern"]:
            name, sep, rx = item.partition("=")
            if not sep or not name.strip():
                raise CommandError(f"--pii-pattern expects NAME=REGEX, got {item!r}")
            patterns[name.strip().upper()] = rx
        taxonomy = None
        if opts["taxonomy"]:
            try:
                taxonomy = json.loads(Path(opts["taxonomy"]).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot read taxonomy: {exc}") from exc
        try:
            engine = get_engine(opts["engine"], taxonomy=taxonomy, pii_patterns=patterns)
        except ImportError as exc:
            raise CommandError(
                f"the {opts['engine']} engine is not installed ({exc}); install opencxm[quality]"
            ) from exc
        except (RuleError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        quiet = opts["quiet"]

        def progress(done, total, elapsed):
            if not quiet:
                sys.stderr.write("\r" + format_progress(done, total, elapsed))
                sys.stderr.flush()

        try:
            n = analyze_file(
                engine,
                src,
                dst,
                text_column=opts["text_column"],
                language_column=opts["language_column"],
                chunk_size=max(1, opts["chunk_size"]),
                progress=progress,
            )
        except BatchError as exc:
            raise CommandError(str(exc)) from exc
        if not quiet:
            sys.stderr.write("\n")
        self.stdout.write(f"{n} rows analysed with the {engine.name} engine -> {dst}")
