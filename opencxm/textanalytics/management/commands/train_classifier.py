"""`opencxm train_classifier [--sentiment] [--topics]`: train the classifiers on the corrections now (both when
neither is named), then analyse the comments again with them."""

from django.core.management.base import BaseCommand, CommandError

from opencxm.textanalytics import services, topiclearning


class Command(BaseCommand):
    help = "Train the sentiment and/or topic classifier on this installation's corrections."

    def add_arguments(self, parser):
        parser.add_argument("--sentiment", action="store_true", help="train the sentiment classifier")
        parser.add_argument("--topics", action="store_true", help="train the topic classifier")
        parser.add_argument("--no-enrich", action="store_true", help="do not analyse the comments again")

    def handle(self, *args, **options):
        both = not options["sentiment"] and not options["topics"]
        trained = 0
        if options["sentiment"] or both:
            try:
                model = services.classifier_train(actor=None)
            except ValueError:
                self.stdout.write(f"sentiment: too few corrections (at least {services.MIN_CORRECTIONS} needed).")
            else:
                trained += 1
                self.stdout.write(f"sentiment: {model.n_train} training, {model.n_test} held back, "
                                  f"accuracy {model.accuracy}, macro F1 {model.macro_f1}.")  # fmt: skip
        if options["topics"] or both:
            try:
                model = services.topic_classifier_train(actor=None)
            except topiclearning.TooFewCorrections as error:
                self.stdout.write(
                    f"topics: too few corrections (per topic at least {topiclearning.MIN_POSITIVE} corrected comments "
                    f"with and {topiclearning.MIN_NEGATIVE} without it); now: "
                    + (", ".join(f"{key} {pos}/{neg}" for key, (pos, neg) in error.counts.items()) or "none")
                )
            else:
                trained += 1
                pooled = model.metrics["pooled"]
                self.stdout.write(
                    f"topics: {len(model.metrics['topics'])} topics ({model.metrics['feature']} features), "
                    f"{model.n_train} training, {model.n_test} held back; held-back F1 rules "
                    f"{pooled['rules']['f1']}, rules + classifier {pooled['model']['f1']}."
                )
        if not trained:
            raise CommandError("nothing trained")
        if not options["no_enrich"]:
            run = services.enrich_pending()
            self.stdout.write(f"{run.processed} comments checked, {run.changed} changed.")
