"""Text analytics: the topic taxonomy, one analysis per comment (language, sentiment, topics, redacted text),
user corrections, enrichment runs (resumable job state), trained classifiers and topic rollups."""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from opencxm.core.models import PublicModel


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", _("negative")
    NEUTRAL = "neutral", _("neutral")
    POSITIVE = "positive", _("positive")


class Topic(PublicModel):
    """A taxonomy topic (two levels: a parent has no parent). `rules` holds one rule text per language."""

    key = models.SlugField(_("key"), max_length=120, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children", verbose_name=_("parent")
    )
    name_de = models.CharField(_("name (German)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    rules = models.JSONField(_("matching rules"), default=dict, blank=True)
    touchpoints = models.ManyToManyField(
        "touchpoints.Touchpoint", blank=True, related_name="topics", verbose_name=_("touchpoints")
    )
    active = models.BooleanField(_("active"), default=True)
    is_default = models.BooleanField(_("from the default taxonomy"), default=False)

    class Meta:
        ordering = ["key"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.name_de if (get_language() or "de").startswith("de") else self.name_en


class CommentAnalysis(models.Model):
    """What enrichment found in one feedback comment. Corrections live beside the predictions."""

    feedback = models.OneToOneField("feedback.Feedback", on_delete=models.CASCADE, related_name="analysis")
    language = models.CharField(_("language"), max_length=8, blank=True)
    sentiment_label = models.CharField(_("sentiment"), max_length=10, choices=Sentiment.choices)
    sentiment_score = models.FloatField(_("sentiment score"), default=0)
    sentences = models.JSONField(_("sentences"), default=list, blank=True)
    redacted_text = models.TextField(_("redacted comment"), blank=True)
    truncated = models.BooleanField(_("truncated"), default=False)
    engine = models.CharField(_("engine"), max_length=20)
    engine_version = models.CharField(_("engine version"), max_length=40)
    text_hash = models.CharField(max_length=32, blank=True)  # of the analysed comment and language
    analysed_at = models.DateTimeField(_("analysed"))
    embedding = models.BinaryField(null=True, blank=True)
    corrected_sentiment = models.CharField(
        _("corrected sentiment"), max_length=10, choices=Sentiment.choices, blank=True
    )
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    corrected_at = models.DateTimeField(_("corrected"), null=True, blank=True)
    topics = models.ManyToManyField(Topic, through="CommentTopic", related_name="analyses")

    class Meta:
        indexes = [models.Index(fields=["sentiment_label"]), models.Index(fields=["language"])]
        verbose_name = _("comment analysis")
        verbose_name_plural = _("comment analyses")

    def __str__(self):
        return f"{self.feedback_id} {self.sentiment}"

    @property
    def sentiment(self) -> str:
        """The sentiment that counts: a correction wins over the prediction."""
        return self.corrected_sentiment or self.sentiment_label


class CommentTopic(models.Model):
    class Source(models.TextChoices):
        RULE = "rule", _("rule")
        SIMILARITY = "similarity", _("similarity")
        CLASSIFIER = "classifier", _("classifier")
        CORRECTION = "correction", _("correction")

    analysis = models.ForeignKey(CommentAnalysis, on_delete=models.CASCADE, related_name="topic_links")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="comment_links")
    matched_terms = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.RULE)
    removed = models.BooleanField(default=False)  # a correction removed it: enrichment never re-adds it

    class Meta:
        constraints = [models.UniqueConstraint(fields=["analysis", "topic"], name="comment_topic_unique")]

    def __str__(self):
        return f"{self.analysis_id} {self.topic_id} {self.source}"


class EnrichmentRun(PublicModel):
    """Job state of an enrichment pass; `last_feedback_id` is the resume cursor (ids processed in order)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    engine = models.CharField(_("engine"), max_length=20)
    rescan_all = models.BooleanField(_("all comments"), default=False)
    last_feedback_id = models.BigIntegerField(default=0)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    changed = models.PositiveIntegerField(_("changed"), default=0)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("enrichment run")
        verbose_name_plural = _("enrichment runs")

    def __str__(self):
        return f"{self.engine} {self.status} {self.processed}"


class ClassifierModel(PublicModel):
    """A classifier trained on this installation's corrections, with its held-back quality. ``kind`` "sentiment"
    (naive Bayes) or "topics" (multi-label; ``metrics`` holds the per-topic figures of the model and of the rules
    alone on the held-back corrections)."""

    kind = models.CharField(_("kind"), max_length=20, default="sentiment")
    trained_at = models.DateTimeField(_("trained"), auto_now_add=True)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    n_train = models.PositiveIntegerField(_("training examples"), default=0)
    n_test = models.PositiveIntegerField(_("held-back examples"), default=0)
    accuracy = models.FloatField(_("accuracy"), null=True, blank=True)
    macro_f1 = models.FloatField(_("macro F1"), null=True, blank=True)
    metrics = models.JSONField(_("quality figures"), default=dict, blank=True)
    blob = models.BinaryField(null=True, blank=True)

    class Meta:
        ordering = ["-trained_at", "-id"]
        verbose_name = _("classifier")
        verbose_name_plural = _("classifiers")

    def __str__(self):
        return f"{self.kind} {self.trained_at:%Y-%m-%d}"


class TopicRollup(models.Model):
    """Daily sums per (local day, source, touchpoint, kind, topic) of analysed comments; topic None = all
    analysed comments. Maintained by enrichment and corrections, read only by the analytics runner."""

    day = models.DateField()
    source = models.ForeignKey("feedback.DataSource", on_delete=models.CASCADE, related_name="+")
    touchpoint = models.ForeignKey("touchpoints.Touchpoint", null=True, on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey("touchpoints.Channel", null=True, on_delete=models.CASCADE, related_name="+")
    segment = models.ForeignKey("journeys.Segment", null=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10)
    topic = models.ForeignKey(Topic, null=True, on_delete=models.CASCADE, related_name="+")
    analysed = models.PositiveIntegerField(default=0)
    negative = models.PositiveIntegerField(default=0)
    neutral = models.PositiveIntegerField(default=0)
    positive = models.PositiveIntegerField(default=0)
    nps_n = models.PositiveIntegerField(default=0)
    nps_promoters = models.PositiveIntegerField(default=0)
    nps_detractors = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["source", "day"]), models.Index(fields=["topic", "day"])]

    def __str__(self):
        return f"{self.day} {self.topic_id} {self.analysed}"
