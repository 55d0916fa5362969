"""Pages of text analytics: taxonomy editor with live rule preview, topic pages, the topic x sentiment matrix,
emerging topics, comment corrections and the classifier's quality."""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opencxm.analytics.selectors import latest_data_day
from opencxm.core.permissions import access_for, require
from opencxm.textanalytics import selectors, services
from opencxm.textanalytics.forms import CorrectionForm, MatrixForm, PreviewForm, TopicForm

YEAR = 365


def _period(days: int = YEAR):
    end = latest_data_day()
    return end - timedelta(days=days - 1), end


@require_GET
def taxonomy(request):
    access = access_for(request.user)
    require(access.can_read)
    context = {
        "tree": selectors.topic_tree(),
        "can_edit": access.can_edit_all,
        "run": selectors.enrichment_latest(),
    }
    return render(request, "textanalytics/taxonomy.html", context)


@require_POST
def taxonomy_load_default(request):
    require(access_for(request.user).can_edit_all)
    created = services.taxonomy_load_default(actor=request.user)
    messages.success(request, _("%(count)s topics of the default taxonomy loaded.") % {"count": created})
    services.enrichment_enqueue()
    return redirect("textanalytics:taxonomy")


@require_http_methods(["GET", "POST"])
def topic_create(request):
    require(access_for(request.user).can_edit_all)
    initial = {key: request.GET.get(key, "") for key in ("name_de", "name_en", "rules_de", "rules_en")}
    form = TopicForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        topic = services.topic_create(actor=request.user, data=form.topic_data())
        services.enrichment_enqueue()
        return redirect("textanalytics:topic", public_id=topic.public_id)
    return render(request, "textanalytics/topic_form.html", {"form": form, "topic": None})


@require_http_methods(["GET", "POST"])
def topic_edit(request, public_id):
    require(access_for(request.user).can_edit_all)
    topic = selectors.topic_get(public_id)
    form = TopicForm(request.POST or None, instance=topic)
    if request.method == "POST" and form.is_valid():
        services.topic_update(actor=request.user, topic=topic, data=form.topic_data())
        services.enrichment_enqueue()
        return redirect("textanalytics:topic", public_id=topic.public_id)
    return render(request, "textanalytics/topic_form.html", {"form": form, "topic": topic})


@require_GET
def rule_preview(request):
    access = access_for(request.user)
    require(access.can_edit_all)
    form = PreviewForm(request.GET)
    form.is_valid()
    try:
        preview = selectors.rule_preview(rules=form.rules(), name=form.cleaned_data.get("name_de") or "", access=access)
    except ValueError as error:
        preview = {"error": str(error)}
    return render(request, "textanalytics/topic_form.html#preview", {"preview": preview})


@require_GET
def topic_detail(request, public_id):
    access = access_for(request.user)
    require(access.can_read)
    topic = selectors.topic_get(public_id)
    start, end = _period()
    context = {
        "topic": topic,
        "figures": selectors.topic_figures(topic, start=start, end=end),
        "examples": selectors.topic_examples(topic, access=access),
        "start": start,
        "end": end,
        "can_edit": access.can_edit_all,
    }
    return render(request, "textanalytics/topic_detail.html", context)


@require_GET
def matrix(request):
    require(access_for(request.user).can_read)
    form = MatrixForm({"by": "touchpoint", "days": YEAR} | request.GET.dict())  # the selects show what is applied
    form.is_valid()
    dimension = form.cleaned_data.get("by") or "touchpoint"
    start, end = _period(form.cleaned_data.get("days") or YEAR)
    data = selectors.sentiment_matrix(dimension=dimension, start=start, end=end)
    context = {
        "form": form,
        "matrix": data,
        "start": start,
        "end": end,
        "dimension_label": dict(MatrixForm.DIMENSIONS)[dimension],
    }
    return render(request, "textanalytics/matrix.html", context)


@require_GET
def emerging(request):
    access = access_for(request.user)
    require(access.can_read)
    context = {"clusters": selectors.emerging_topics(access=access), "can_edit": access.can_edit_all}
    return render(request, "textanalytics/emerging.html", context)


@require_http_methods(["GET", "POST"])
def comment(request, public_id):
    access = access_for(request.user)
    require(access.can_read)
    analysis = selectors.analysis_get(public_id)
    if request.method == "POST":
        require(access.can_edit_all)
    form = CorrectionForm(request.POST or None, analysis=analysis)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.analysis_correct(
            actor=request.user, analysis=analysis, sentiment=data["sentiment"], add=data["add"], remove=data["remove"]
        )
        messages.success(request, _("Correction saved."))
        return redirect("textanalytics:comment", public_id=public_id)
    links = selectors.analysis_topics(analysis)
    terms = [term for link in links if not link.removed for term in link.matched_terms]
    context = {
        "analysis": analysis,
        "feedback": analysis.feedback,
        "links": links,
        "text": selectors.highlight(selectors.comment_for(access, analysis.feedback), terms),
        "form": form,
        "can_edit": access.can_edit_all,
    }
    return render(request, "textanalytics/comment.html", context)


@require_GET
def classifier(request):
    access = access_for(request.user)
    require(access.can_read)
    corrections = selectors.correction_count()
    topic_counts = services.topic_training_counts()
    topic_model = selectors.topic_classifier_latest()
    ready = corrections >= services.MIN_CORRECTIONS
    context = {
        "model": selectors.classifier_latest(),
        "corrections": corrections,
        "needed": services.MIN_CORRECTIONS,
        "can_train": access.can_edit_all and (ready or bool(topic_counts["eligible"])),
        "can_edit": access.can_edit_all,
        "run": selectors.enrichment_latest(),
        "topic_counts": topic_counts,
        "topic_model": topic_model,
        "topic_rows": selectors.topic_model_rows(topic_model),
        "topic_pooled": [(topic_model.metrics.get("pooled") or {}).get(name, {}) for name in ("rules", "model")]
        if topic_model
        else [],
    }
    return render(request, "textanalytics/classifier.html", context)


@require_POST
def classifier_train(request):
    """Train the sentiment classifier now and the topic classifier in the background (each if it has enough
    corrections); the comments are analysed again afterwards."""
    require(access_for(request.user).can_edit_all)
    sentiment_ready = selectors.correction_count() >= services.MIN_CORRECTIONS
    topics_ready = bool(services.topic_training_counts()["eligible"])
    if not sentiment_ready and not topics_ready:
        messages.error(request, _("At least %(count)s corrections are needed.") % {"count": services.MIN_CORRECTIONS})
        messages.error(request, _topics_needed())
        return redirect("textanalytics:classifier")
    if sentiment_ready:
        services.classifier_train(actor=request.user)
        services.enrichment_enqueue()
        messages.success(request, _("Classifier trained; comments are analysed again in the background."))
    if topics_ready:
        services.topic_classifier_train_enqueue(actor=request.user)
        messages.success(
            request,
            _("The topic classifier is being trained in the background; its figures appear here when it is done."),
        )
    return redirect("textanalytics:classifier")


def _topics_needed() -> str:
    from opencxm.textanalytics import topiclearning

    minimum = {"positive": topiclearning.MIN_POSITIVE, "negative": topiclearning.MIN_NEGATIVE}
    return (
        _(
            "Topics are learnt once a topic has at least %(positive)s corrected comments with it and %(negative)s "
            "corrected comments without it."
        )
        % minimum
    )
