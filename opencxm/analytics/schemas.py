"""API schemas of the metric registry and the metric query."""

from datetime import date

from ninja import Field, Schema


class MetricOut(Schema):
    key: str
    label: str
    definition: str
    unit: str
    scale_min: float | None
    scale_max: float | None
    higher_is_better: bool
    decimals: int

    @staticmethod
    def of(definition) -> "MetricOut":
        scale = definition.scale or (None, None)
        return MetricOut(
            key=definition.key,
            label=str(definition.label),
            definition=str(definition.definition),
            unit=definition.unit,
            scale_min=scale[0],
            scale_max=scale[1],
            higher_is_better=definition.higher_is_better,
            decimals=definition.decimals,
        )


class MetricQuery(Schema):
    """Query parameters: dimensions to group by (comma-separated), grain, date range and filters (public ids)."""

    group_by: str = ""
    grain: str = "month"
    start: date | None = Field(None, alias="from")
    end: date | None = Field(None, alias="to")
    touchpoint: list[str] = []
    department: list[str] = []
    segment: list[str] = []
    channel: list[str] = []
    source: list[str] = []
    stage: list[str] = []
    journey: list[str] = []


class MetricRow(Schema):
    key: dict[str, str | None]
    value: float | None
    n: int
    low: float | None
    high: float | None


class MetricResult(Schema):
    metric: MetricOut
    group_by: list[str]
    grain: str
    start: date | None = Field(None, serialization_alias="from")
    end: date | None = Field(None, serialization_alias="to")
    rows: list[MetricRow]
