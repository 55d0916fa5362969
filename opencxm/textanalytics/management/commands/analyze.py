"""``opencxm analyze``: enrich a CSV/XLSX file with language, sentiment, topics and redacted text.

No database is used: the command only reads and writes files.
"""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from opencxm.textanalytics.engine import ENGINE_NAMES, get_engine
from opencxm.textanalytics.engine.batch import BatchError, analyze_file
from opencxm.textanalytics.engine.taxonomy import RuleError
from opencxm.textanalytics.engine.transformer import TransformerError


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
        parser.add_argument(
            "--transformer-model",
            metavar="DIR",
            help="transformer engine: directory with model.onnx, tokenizer.json and config.json "
            "(default: the environment variable OPENCXM_TRANSFORMER_MODEL)",
        )
        parser.add_argument(
            "--device",
            choices=["auto", "cpu", "cuda"],
            help="transformer engine: where to run the model (default: OPENCXM_TRANSFORMER_DEVICE or auto, "
            "which uses the GPU when onnxruntime offers CUDA)",
        )
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
            raise CommandError(_("--output must differ from --input"))
        patterns = {}
        for item in opts["pii_pattern"]:
            name, sep, rx = item.partition("=")
            if not sep or not name.strip():
                raise CommandError(_("--pii-pattern expects NAME=REGEX, got %(value)r") % {"value": item})
            patterns[name.strip().upper()] = rx
        taxonomy = None
        if opts["taxonomy"]:
            try:
                taxonomy = json.loads(Path(opts["taxonomy"]).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(_("Cannot read the taxonomy: %(error)s") % {"error": exc}) from exc
        options = {}
        if opts["engine"] == "transformer":
            options = {"model_path": opts["transformer_model"], "device": opts["device"]}
        try:
            engine = get_engine(opts["engine"], taxonomy=taxonomy, pii_patterns=patterns, **options)
        except TransformerError as exc:
            raise CommandError(transformer_message(exc)) from exc
        except ImportError as exc:
            raise CommandError(
                _("The %(engine)s engine is not installed (%(error)s); install opencxm[quality].")
                % {"engine": opts["engine"], "error": exc}
            ) from exc
        except (RuleError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        quiet = opts["quiet"]

        def progress(done, total, elapsed):
            if not quiet:
                sys.stderr.write("\r" + _progress(done, total, elapsed))
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
            raise CommandError(batch_message(exc)) from exc
        except TransformerError as exc:
            raise CommandError(transformer_message(exc)) from exc
        if not quiet:
            sys.stderr.write("\n")
        self.stdout.write(
            _("%(n)s rows analysed with the %(engine)s engine: %(path)s") % {"n": n, "engine": engine.name, "path": dst}
        )


def batch_message(error: BatchError) -> str:
    """The engine's user error in the user's language."""
    code = error.code
    if code == "column_missing":
        code = f"{error.params['what']}_column_missing"
    messages = {
        "empty_sheet": _("%(file)s: the sheet is empty"),
        "empty_file": _("%(file)s: the file is empty"),
        "text_column_missing": _("Text column %(column)r not found; the columns are: %(columns)s"),
        "language_column_missing": _("Language column %(column)r not found; the columns are: %(columns)s"),
        "no_input": _("The input file %(path)s does not exist"),
    }
    return messages[code] % error.params if code in messages else str(error)


def transformer_message(error: TransformerError) -> str:
    """The transformer engine's error in the user's language."""
    messages = {
        "not_installed": _("The transformer engine needs onnxruntime and tokenizers (%(error)s); install "
                           "opencxm[transformer]."),
        "not_configured": _("No transformer model is configured: set OPENCXM_TRANSFORMER_MODEL (or "
                            "--transformer-model) to a directory with model.onnx, tokenizer.json and config.json."),
        "no_directory": _("The transformer model directory %(path)s does not exist or is not a directory."),
        "missing_file": _("The transformer model directory %(path)s lacks %(file)s."),
        "bad_file": _("%(file)s in %(path)s cannot be read: %(error)s"),
        "no_labels": _("%(file)s in %(path)s names no classes (id2label)."),
        "unmapped_labels": _("The classes %(labels)s cannot be mapped to negative/neutral/positive; add a "
                             "labels.json to %(path)s, e.g. %(example)s"),
        "bad_mapping": _("labels.json in %(path)s: %(label)r maps to %(value)r; use negative, neutral, positive "
                         "or a number from -1 to 1."),
        "bad_model": _("%(file)s in %(path)s cannot be loaded: %(error)s"),
        "bad_output": _("The model returns %(width)s classes per text, but config.json names %(count)s."),
        "bad_device": _("Unknown device %(device)r; use auto, cpu or cuda."),
        "no_cuda": _("The device cuda was asked for, but onnxruntime offers only %(providers)s."),
    }  # fmt: skip
    message = messages.get(error.code)
    return message % error.params if message else str(error)


def _progress(done: int, total: int | None, elapsed: float) -> str:
    rate = done / elapsed if elapsed > 0 else 0.0
    figures = {"done": f"{done:,}", "total": f"{total or 0:,}", "rate": f"{rate:,.0f}",
               "percent": f"{100 * done / total:.0f}" if total else ""}  # fmt: skip
    if total:
        return _("%(done)s/%(total)s rows (%(percent)s %%), %(rate)s rows/s") % figures
    return _("%(done)s rows, %(rate)s rows/s") % figures
