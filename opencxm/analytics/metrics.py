"""The one metric registry: each metric is defined once, with scale, direction and definition, and
computed from rollup sums by the query runner for pages, API, exports and alerts alike."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from opencxm.analytics import stats

FEEDBACK_SUMS = (
    "records", "comments", "nps_n", "nps_promoters", "nps_detractors", "csat_n", "csat_sum", "csat_sumsq",
    "csat_top2", "ces_n", "ces_sum", "ces_sumsq",
)  # fmt: skip
TOPIC_SUMS = ("analysed", "negative", "neutral", "positive", "nps_n", "nps_promoters", "nps_detractors")


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    definition: str
    unit: str
    scale: tuple[float, float] | None
    higher_is_better: bool
    compute: Callable[[dict], stats.Estimate]
    kind: str | None = None  # restricts the feedback records counted: "response", "complaint", "contact"
    decimals: int = 1
    measurement: str | None = None  # for operational metrics: the Measurement.metric key
    aggregate: str = "sum"  # for operational metrics: "sum" or "mean" (weighted by count)
    table: str = "feedback"  # "topics": computed from the text analytics topic rollups (TOPIC_SUMS)

    @property
    def needs_measurements(self) -> bool:
        return self.measurement is not None


def _nps(s):
    return stats.nps(s["nps_promoters"], s["nps_detractors"], s["nps_n"])


def _csat(s):
    return stats.share(s["csat_top2"], s["csat_n"])


def _csat_mean(s):
    return stats.mean(s["csat_sum"], s["csat_sumsq"], s["csat_n"])


def _ces(s):
    return stats.mean(s["ces_sum"], s["ces_sumsq"], s["ces_n"])


def _count(s):
    return stats.Estimate(float(s["records"]), int(s["records"]))


def _comment_share(s):
    return stats.share(s["comments"], s["records"])


def _complaint_rate(s):
    return stats.rate(s["complaints"], s["contacts"])


def _measurement(s):
    return stats.Estimate(s["value"], int(s["count"])) if s["count"] else stats.Estimate(None, 0)


REGISTRY: dict[str, Metric] = {}


def register(metric: Metric) -> Metric:
    REGISTRY[metric.key] = metric
    return metric


register(
    Metric(
        "nps",
        _("NPS"),
        _(
            "Net Promoter Score: share of promoters (9–10) minus share of detractors (0–6) "
            "among answers to the recommendation question, in points from −100 to +100, with a 95 % interval."
        ),
        "",
        (-100, 100),
        True,
        _nps,
        kind=None,
        decimals=0,
    )
)
register(
    Metric(
        "csat",
        _("CSAT"),
        _(
            "Customer satisfaction: share of ratings 4 or 5 on the 1–5 scale (top-2 box), "
            "in percent, with a 95 % Wilson interval."
        ),
        "%",
        (0, 100),
        True,
        _csat,
    )
)
register(
    Metric(
        "csat_mean",
        _("CSAT mean"),
        _("Mean satisfaction rating on the 1–5 scale."),
        "",
        (1, 5),
        True,
        _csat_mean,
        decimals=2,
    )
)
register(
    Metric(
        "ces",
        _("CES"),
        _("Customer effort score: mean rating on the 1–7 scale (7 = very easy)."),
        "",
        (1, 7),
        True,
        _ces,
        decimals=2,
    )
)
register(
    Metric(
        "responses",
        _("Responses"),
        _("Number of survey responses."),
        "",
        None,
        True,
        _count,
        kind="response",
        decimals=0,
    )
)
register(
    Metric(
        "complaints",
        _("Complaints"),
        _("Number of complaint records."),
        "",
        None,
        False,
        _count,
        kind="complaint",
        decimals=0,
    )
)
register(
    Metric(
        "comment_share",
        _("Comment share"),
        _("Share of responses that carry a written comment."),
        "%",
        (0, 100),
        True,
        _comment_share,
        kind="response",
    )
)
register(
    Metric(
        "complaint_rate",
        _("Complaint rate"),
        _("Complaints per 1,000 customer contacts (contacts from the operational measurement 'contacts')."),
        "‰",
        None,
        False,
        _complaint_rate,
        measurement="contacts",
    )
)
register(
    Metric(
        "contacts",
        _("Contacts"),
        _("Customer contacts (e.g. calls, chats) from operational measurements."),
        "",
        None,
        False,
        _measurement,
        measurement="contacts",
        decimals=0,
    )
)
register(
    Metric(
        "contact_rate",
        _("Contact rate"),
        _("Contacts per 1,000 customers (operational measurements 'contacts' and 'customers')."),
        "‰",
        None,
        False,
        _measurement,
        measurement="contact_rate",
        aggregate="mean",
    )
)
register(
    Metric(
        "handling_time",
        _("Average handling time"),
        _("Mean handling time of contacts in seconds, weighted by contact count."),
        "s",
        None,
        False,
        _measurement,
        measurement="handling_time",
        aggregate="mean",
        decimals=0,
    )
)
register(
    Metric(
        "first_contact_resolution",
        _("First-contact resolution"),
        _("Share of contacts resolved at the first contact, in percent, weighted by contact count."),
        "%",
        (0, 100),
        True,
        _measurement,
        measurement="first_contact_resolution",
        aggregate="mean",
    )
)
register(
    Metric(
        "web_conversion",
        _("Web conversion"),
        _("Share of web sessions that reach the goal, in percent, weighted by sessions."),
        "%",
        (0, 100),
        True,
        _measurement,
        measurement="web_conversion",
        aggregate="mean",
    )
)


def _negative_share(s):
    return stats.share(s["negative"], s["analysed"])


def _positive_share(s):
    return stats.share(s["positive"], s["analysed"])


def _analysed(s):
    return stats.Estimate(float(s["analysed"]), int(s["analysed"]))


register(
    Metric(
        "sentiment_negative_share",
        _("Negative comments"),
        _("Share of analysed comments whose sentiment is negative (corrections count), in percent."),
        "%",
        (0, 100),
        False,
        _negative_share,
        table="topics",
    )
)
register(
    Metric(
        "sentiment_positive_share",
        _("Positive comments"),
        _("Share of analysed comments whose sentiment is positive (corrections count), in percent."),
        "%",
        (0, 100),
        True,
        _positive_share,
        table="topics",
    )
)
register(
    Metric(
        "topic_volume",
        _("Topic volume"),
        _(
            "Number of analysed comments on a topic (filter by topic); a main topic counts each comment on it "
            "or its subtopics once. Without a topic filter: all analysed comments."
        ),
        "",
        None,
        False,
        _analysed,
        decimals=0,
        table="topics",
    )
)
register(
    Metric(
        "topic_nps",
        _("NPS of comments"),
        _("Net Promoter Score of the responses whose comment was analysed (filter by topic: comments on it)."),
        "",
        (-100, 100),
        True,
        _nps,
        decimals=0,
        table="topics",
    )
)


def metric(key: str) -> Metric:
    """The registered metric; custom measurement keys are served as summed operational figures."""
    if key in REGISTRY:
        return REGISTRY[key]
    return Metric(
        key,
        key,
        _("Custom operational figure (sum of the measurements)."),
        "",
        None,
        True,
        _measurement,
        measurement=key,
    )
