"""REST API of the feedback app: feedback records (single or batch, idempotent by external id),
measurements, data sources and import job status."""

import json
from datetime import date
from uuid import UUID

from django.db.models import ProtectedError
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import BaseModel, ValidationError

from opencxm.accounts.models import Department
from opencxm.core.permissions import access_for
from opencxm.feedback import selectors, services
from opencxm.feedback.models import DataSource
from opencxm.feedback.schemas import (
    MAX_BATCH,
    BatchProblems,
    FeedbackBatchIn,
    FeedbackIn,
    FeedbackOut,
    ImportJobOut,
    MeasurementBatchIn,
    MeasurementIn,
    SourceIn,
    SourceOut,
    WriteCounts,
)
from opencxm.touchpoints.models import Touchpoint

router = Router(tags=["Feedback"])


class Problems(Exception):
    """422 with one entry per bad record: {"index", "field", "message"}."""

    def __init__(self, detail: list[dict]):
        self.detail = detail


def _read(request) -> None:
    if not access_for(request.auth).can_read:
        raise HttpError(403, "Not allowed")


def _require_edit_all(request) -> None:
    if not access_for(request.auth).can_edit_all:
        raise HttpError(403, "Only the CX team may manage data sources")


def _body_records(request) -> list:
    """The records of the body: one object, {"records": [...]} or a list; 413 above MAX_BATCH records."""
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        raise Problems([{"index": 0, "field": "body", "message": "The body is not valid JSON"}]) from None
    if isinstance(body, dict) and "records" in body:
        body = body["records"]
    items = body if isinstance(body, list) else [body]
    if len(items) > MAX_BATCH:
        raise HttpError(413, f"A batch may hold at most {MAX_BATCH} records; this one has {len(items)}")
    return items


def _validated(items: list, schema: type[BaseModel]) -> list:
    valid, problems = [], []
    for index, item in enumerate(items):
        try:
            valid.append(schema.model_validate(item))
        except ValidationError as error:
            problems.extend(
                {"index": index, "field": ".".join(str(p) for p in e["loc"]) or "record", "message": e["msg"]}
                for e in error.errors()
            )
    if problems:
        raise Problems(problems)
    return valid


def _sources(request, records: list, *, write: bool = True) -> dict[str, DataSource]:
    names = {record.source for record in records}
    sources = {s.name: s for s in DataSource.objects.filter(name__in=names)}
    problems = [
        {"index": index, "field": "source", "message": f"Unknown data source '{record.source}'"}
        for index, record in enumerate(records)
        if record.source not in sources
    ]
    if problems:
        raise Problems(problems)
    access = access_for(request.auth)
    for source in sources.values():
        if write and not access.can_edit_department(source.owner_department_id):
            raise HttpError(403, f"You may not write to the data source '{source.name}'")
    return sources


def _feedback_input(record: FeedbackIn) -> dict:
    data = record.model_dump(exclude={"source"})
    moment = record.responded_at
    data["responded_at"] = moment if timezone.is_aware(moment) else timezone.make_aware(moment)
    return data


def _inlined(schema: dict) -> dict:
    """A pydantic JSON schema with its $defs references replaced by the definitions (for openapi_extra)."""
    definitions = schema.pop("$defs", {})

    def resolve(node):
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(definitions[node["$ref"].rsplit("/", 1)[-1]])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return resolve(schema)


def _body_doc(description: str, *schemas: type[BaseModel]) -> dict:
    variants = [_inlined(schema.model_json_schema()) for schema in schemas]
    body = variants[0] if len(variants) == 1 else {"oneOf": variants}
    content = {"application/json": {"schema": body}}
    return {"requestBody": {"required": True, "description": description, "content": content}}


BODY_DOC = _body_doc('One feedback record, or {"records": [...]} with at most 10,000.', FeedbackIn, FeedbackBatchIn)


@router.post(
    "/feedback",
    response={200: WriteCounts, 413: dict, 422: BatchProblems},
    openapi_extra=BODY_DOC,
    summary="Store feedback (one record or a batch)",
)
def post_feedback(request):
    """Idempotent by (source, external_id): a repeated record updates, never duplicates. All or nothing:
    when any record is invalid, the answer is 422 with every problem and nothing is stored."""
    try:
        records = _validated(_body_records(request), FeedbackIn)
        sources = _sources(request, records)
        items = [(sources[record.source], _feedback_input(record)) for record in records]
        counts = services.feedback_store(actor=request.auth, items=items)
    except Problems as problems:
        return Status(422, {"detail": problems.detail})
    except services.RecordsRejected as rejected:
        detail = [{"index": e.index, "field": e.field, "message": e.message} for e in rejected.errors]
        return Status(422, {"detail": detail})
    return counts.as_dict()


class FeedbackQuery(Schema):
    source: str = ""
    touchpoint: str = ""
    start: date | None = None
    end: date | None = None


@router.get("/feedback", response=list[FeedbackOut])
@paginate(LimitOffsetPagination)
def list_feedback(request, filters: Query[FeedbackQuery]):
    _read(request)
    return selectors.feedback_list(
        selectors.FeedbackFilters(filters.source, filters.touchpoint, filters.start, filters.end)
    )


@router.get("/feedback/{public_id}", response=FeedbackOut)
def get_feedback(request, public_id: UUID):
    _read(request)
    return selectors.feedback_get(public_id)


@router.post(
    "/measurements",
    response={200: WriteCounts, 413: dict, 422: BatchProblems},
    openapi_extra=_body_doc('{"records": [...]} with at most 10,000 figures.', MeasurementBatchIn),
)
def post_measurements(request):
    """Aggregated figures per (source, touchpoint, metric, day), upserted; all or nothing."""
    try:
        records = _validated(_body_records(request), MeasurementIn)
        sources = _sources(request, records)
        touchpoints = _touchpoints(records)
    except Problems as problems:
        return Status(422, {"detail": problems.detail})
    rows = [
        record.model_dump() | {"source": sources[record.source], "touchpoint": touchpoints[record.touchpoint]}
        for record in records
    ]
    return services.measurements_upsert(actor=request.auth, rows=rows).as_dict()


def _touchpoints(records: list) -> dict[str, Touchpoint]:
    codes = {record.touchpoint for record in records}
    touchpoints = {t.code: t for t in Touchpoint.objects.filter(code__in=codes)}
    problems = [
        {"index": index, "field": "touchpoint", "message": f"Unknown touchpoint code '{record.touchpoint}'"}
        for index, record in enumerate(records)
        if record.touchpoint not in touchpoints
    ]
    if problems:
        raise Problems(problems)
    return touchpoints


# --- data sources and import jobs ---------------------------------------------------------------------------


def _source_data(payload: SourceIn) -> dict:
    data = payload.dict()
    data["owner_department"] = _by_code(Department, payload.owner_department, "department")
    data["fixed_touchpoint"] = _by_code(Touchpoint, payload.fixed_touchpoint, "touchpoint")
    if payload.mapping:
        from opencxm.feedback.ingest import ColumnMapping, IngestError

        try:
            data["mapping"] = ColumnMapping.from_dict(payload.mapping).to_dict()
        except IngestError as error:
            raise HttpError(422, error.message) from None
    return data


def _by_code(model, code: str | None, what: str):
    if not code:
        return None
    found = model.objects.filter(code=code).first()
    if found is None:
        raise HttpError(422, f"Unknown {what} code: {code}")
    return found


def _source(public_id: UUID) -> DataSource:
    source = selectors.data_source_list().filter(public_id=public_id).first()
    if source is None:
        raise HttpError(404, "Data source not found")
    return source


def _unique_name(name: str, exclude: int | None = None) -> None:
    if DataSource.objects.filter(name=name).exclude(pk=exclude).exists():
        raise HttpError(409, f"A data source named {name} exists already")


@router.get("/sources", response=list[SourceOut])
@paginate(LimitOffsetPagination)
def list_sources(request):
    _read(request)
    return selectors.data_source_list()


@router.post("/sources", response={201: SourceOut})
def create_source(request, payload: SourceIn):
    _require_edit_all(request)
    _unique_name(payload.name)
    source = services.data_source_create(actor=request.auth, data=_source_data(payload))
    return Status(201, _source(source.public_id))


@router.get("/sources/{public_id}", response=SourceOut)
def get_source(request, public_id: UUID):
    _read(request)
    return _source(public_id)


@router.put("/sources/{public_id}", response=SourceOut)
def update_source(request, public_id: UUID, payload: SourceIn):
    _require_edit_all(request)
    source = _source(public_id)
    _unique_name(payload.name, exclude=source.pk)
    services.data_source_update(actor=request.auth, source=source, data=_source_data(payload))
    return _source(public_id)


@router.delete("/sources/{public_id}", response={204: None})
def delete_source(request, public_id: UUID):
    _require_edit_all(request)
    source = _source(public_id)
    try:
        services.data_source_delete(actor=request.auth, source=source)
    except (services.SourceInUse, ProtectedError):
        raise HttpError(409, "The data source holds feedback or measurements; it cannot be deleted") from None
    return Status(204, None)


@router.get("/imports/{public_id}", response=ImportJobOut)
def get_import(request, public_id: UUID):
    _read(request)
    job = selectors.import_job_list().filter(public_id=public_id).first()
    if job is None:
        raise HttpError(404, "Import job not found")
    return job
