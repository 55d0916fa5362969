"""`opencxm enrich [--all] [--engine fast|quality|transformer]`: analyse pending comments now (resumes a stopped
run)."""

from django.core.management.base import BaseCommand, CommandError

from opencxm.textanalytics.engine import ENGINE_NAMES
from opencxm.textanalytics.engine.transformer import TransformerError
from opencxm.textanalytics.management.commands.analyze import transformer_message
from opencxm.textanalytics.services import enrich_pending, topic_rollup_rebuild


class Command(BaseCommand):
    help = "Analyse every comment without a current analysis (language, sentiment, topics, redaction)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="check every comment again (unchanged ones stay)")
        parser.add_argument("--engine", choices=ENGINE_NAMES, default=None, help="default: the setting")
        parser.add_argument("--rebuild-rollups", action="store_true", help="recompute all topic rollups afterwards")

    def handle(self, *args, **options):
        try:
            run = enrich_pending(engine_name=options["engine"], rescan_all=options["all"], log=self.stdout.write)
        except TransformerError as exc:
            raise CommandError(transformer_message(exc)) from exc
        self.stdout.write(f"{run.processed} comments checked, {run.changed} changed ({run.engine}).")
        if options["rebuild_rollups"]:
            self.stdout.write(f"{topic_rollup_rebuild()} topic rollup rows written.")
