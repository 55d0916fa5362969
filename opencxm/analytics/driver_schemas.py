"""API schemas of the key-driver analysis (GET /api/v1/analytics/drivers)."""

from datetime import date
from typing import Literal

from ninja import Field, Schema


class DriverQuery(Schema):
    """Query parameters: local days `from`..`to` (default: the 12 months up to the latest data), a segment
    (public id; default: all customers and then each segment), the outcome and the kind of driver."""

    start: date | None = Field(None, alias="from")
    end: date | None = Field(None, alias="to")
    segment: str | None = None
    outcome: Literal["nps", "detractor"] = "nps"
    driver: Literal["bad", "score"] = "bad"


class TouchpointRef(Schema):
    id: str
    code: str
    name: str


class SegmentRef(Schema):
    id: str
    name: str


class DriverOut(Schema):
    touchpoint: TouchpointRef
    importance: float = Field(description="% of the explained variance (relative weights sum to 100)")
    low: float
    high: float
    raw_weight: float = Field(description="share of the outcome's variance (relative weights sum to R²)")
    customers: int = Field(description="customers in the analysis who gave feedback at the touchpoint")
    bad_experiences: int = Field(description="... of them with a bad experience there")
    performance: float | None = Field(description="mean satisfaction at the touchpoint, 0..100")
    effect: float = Field(description="bad: outcome difference bad vs. not; score: correlation with the outcome")
    expected_direction: bool
    quadrant: Literal["fix", "keep", "monitor", "surplus"]


class SegmentAnalysisOut(Schema):
    segment: SegmentRef | None
    customers: int
    r2: float | None
    r2_low: float | None
    r2_high: float | None
    average_importance: float | None
    average_performance: float | None
    skipped_touchpoints: int
    reading: str
    drivers: list[DriverOut]


class DriverResult(Schema):
    start: date = Field(serialization_alias="from")
    end: date = Field(serialization_alias="to")
    outcome: str
    driver: str
    customers: int
    analyses: list[SegmentAnalysisOut]

    @staticmethod
    def of(report) -> "DriverResult":
        from opencxm.analytics.drivers import reading

        def touchpoint(pk):
            found = report.touchpoints[pk]
            return TouchpointRef(id=str(found.public_id), code=found.code, name=found.name)

        analyses = []
        for analysis in report.analyses:
            segment = report.segments.get(analysis.segment_id)
            drivers = [
                DriverOut(
                    touchpoint=touchpoint(d.touchpoint_id), importance=round(d.share, 3), low=round(d.low, 3),
                    high=round(d.high, 3), raw_weight=round(d.raw, 6), customers=d.n_met, bad_experiences=d.n_bad,
                    performance=None if d.performance is None else round(d.performance, 2), effect=round(d.effect, 4),
                    expected_direction=d.expected_direction, quadrant=d.quadrant,
                )
                for d in analysis.drivers
            ]  # fmt: skip
            analyses.append(
                SegmentAnalysisOut(
                    segment=SegmentRef(id=str(segment.public_id), name=segment.name) if segment else None,
                    customers=analysis.n,
                    r2=analysis.r2, r2_low=analysis.r2_low, r2_high=analysis.r2_high,
                    average_importance=analysis.average_share,
                    average_performance=analysis.average_performance,
                    skipped_touchpoints=analysis.skipped,
                    reading=reading(report, analysis),
                    drivers=drivers,
                )
            )  # fmt: skip
        return DriverResult(
            start=report.period.start, end=report.period.end, outcome=report.outcome, driver=report.driver_type,
            customers=report.customers, analyses=analyses,
        )  # fmt: skip
