"""`{% touchpoint_insights touchpoint %}`: the insights card on other apps' pages, without touching their views."""

from django import template

from opencxm.insights import selectors

register = template.Library()


@register.inclusion_tag("insights/_touchpoint_card.html")
def touchpoint_insights(touchpoint, limit=5):
    insights = selectors.insight_list(selectors.InsightFilters(touchpoint=touchpoint))
    return {"touchpoint": touchpoint, "insights": list(insights[:limit]), "total": insights.count()}
