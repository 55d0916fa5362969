"""Permission cases of the cockpit, department view, feedback explorer, metric definitions, exports and metric API:
every signed-in user may read them (PRODUCT.md: the cockpit is for everybody in the CX organisation)."""

from tests.permissions import ALL, Case

CASES = [
    Case("analytics:cockpit", lambda w: "/cockpit/", ALL),
    Case("analytics:department", lambda w: f"/cockpit/department/{w.other.public_id}/", ALL),
    Case("analytics:export", lambda w: "/cockpit/export/kpis/?format=csv", ALL),
    Case("analytics:export", lambda w: f"/cockpit/export/heatmap/?format=xlsx&department={w.own.public_id}", ALL),
    Case("analytics:explorer", lambda w: "/cockpit/feedback/", ALL),
    Case("analytics:explorer_export", lambda w: "/cockpit/feedback/export/?format=xlsx", ALL),
    Case("analytics:metrics", lambda w: "/cockpit/metrics/", ALL),
    Case("analytics:drivers", lambda w: "/cockpit/drivers/?outcome=detractor&driver=score", ALL),
    Case("GET /api/v1/analytics/drivers", lambda w: f"/api/v1/analytics/drivers?segment={w.segment.public_id}", ALL),
    Case("GET /api/v1/metrics", lambda w: "/api/v1/metrics", ALL),
    Case("GET /api/v1/metrics/{key}", lambda w: "/api/v1/metrics/nps?group_by=touchpoint,time", ALL),
]
