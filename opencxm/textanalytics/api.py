"""REST API of text analytics: the topic taxonomy and a comment's analysis (text as the caller may read it)."""

from uuid import UUID

from ninja import Router
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from opencxm.core.permissions import access_for
from opencxm.textanalytics import selectors
from opencxm.textanalytics.models import Topic
from opencxm.textanalytics.schemas import AnalysisOut, TopicOut

router = Router(tags=["Text analytics"])


def _read(request) -> None:
    if not access_for(request.auth).can_read:
        raise HttpError(403, "Not allowed")


@router.get("/topics", response=list[TopicOut])
@paginate(LimitOffsetPagination)
def topic_list(request):
    """The topic taxonomy (main topics and subtopics) with rules per language."""
    _read(request)
    return Topic.objects.select_related("parent").prefetch_related("touchpoints").order_by("key")


@router.get("/feedback/{public_id}/analysis", response=AnalysisOut)
def analysis_detail(request, public_id: UUID):
    """Language, sentiment (corrections win), topics and the comment text (redacted unless the caller may
    read original comments)."""
    _read(request)
    try:
        analysis = selectors.analysis_get(public_id)
    except Exception as error:  # Http404 from the selector
        raise HttpError(404, "Not found") from error
    access = access_for(request.auth)
    links = [link for link in selectors.analysis_topics(analysis) if not link.removed]
    return {
        "feedback": analysis.feedback.public_id,
        "language": analysis.language,
        "sentiment": analysis.sentiment,
        "sentiment_predicted": analysis.sentiment_label,
        "sentiment_score": analysis.sentiment_score,
        "corrected": bool(analysis.corrected_sentiment),
        "topics": [
            {"key": link.topic.key, "matched_terms": list(link.matched_terms), "source": link.source} for link in links
        ],
        "comment": selectors.comment_for(access, analysis.feedback),
        "analysed_at": analysis.analysed_at,
        "engine": analysis.engine,
    }
