"""Pages of the feedback app: data sources, file import (upload, preview, job progress), customers."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opencxm.core.permissions import access_for, require
from opencxm.feedback import importing, selectors, services
from opencxm.feedback.choices import JobStatus
from opencxm.feedback.forms import DataSourceForm, ImportOptionsForm, MappingForm, UploadForm
from opencxm.feedback.ingest import ColumnMapping, IngestError

PAGE_SIZE = 25
SHOWN_ERRORS = 50


def _can_import(access, source) -> bool:
    return access.can_edit_department(source.owner_department_id)


# --- data sources -------------------------------------------------------------------------------------------


@require_GET
def source_list(request):
    access = access_for(request.user)
    require(access.can_read)
    context = {"sources": list(selectors.data_source_list()), "can_edit": access.can_edit_all,
               "can_import": access.can_edit_some}  # fmt: skip
    return render(request, "feedback/source_list.html", context)


@require_GET
def source_detail(request, public_id):
    access = access_for(request.user)
    require(access.can_read)
    source = selectors.data_source_get(public_id)
    context = {
        "source": source,
        "mapping": ColumnMapping.from_dict(source.mapping) if source.mapping else None,
        "jobs": list(selectors.import_job_list(source)[:10]),
        "history": selectors.data_source_history(source),
        "can_edit": access.can_edit_all,
        "can_import": _can_import(access, source),
    }
    return render(request, "feedback/source_detail.html", context)


@require_http_methods(["GET", "POST"])
def source_create(request):
    require(access_for(request.user).can_edit_all)
    form = DataSourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        source = services.data_source_create(actor=request.user, data=form.cleaned_data)
        messages.success(request, _("Data source %(name)s created.") % {"name": source.name})
        return redirect("feedback:source_detail", public_id=source.public_id)
    return render(request, "feedback/source_form.html", {"form": form})


def _source_columns(source) -> list[str]:
    """The columns known for a source: those of its last import, else those its mapping names."""
    job = selectors.import_job_list(source).exclude(detected={}).first()
    columns = list((job.detected.get("columns") if job else None) or [])
    if not columns and source.mapping:
        mapping = ColumnMapping.from_dict(source.mapping)
        columns = sorted(mapping.mapped_columns() | set(mapping.attributes) - {"*rest*"})
    return columns


@require_http_methods(["GET", "POST"])
def source_edit(request, public_id):
    require(access_for(request.user).can_edit_all)
    source = selectors.data_source_get(public_id)
    columns = _source_columns(source)
    initial = MappingForm.initial_for(ColumnMapping.from_dict(source.mapping)) if source.mapping else None
    form = DataSourceForm(request.POST or None, instance=source)
    mapping_form = (
        MappingForm(request.POST or None, columns=columns, initial=initial, prefix="map") if columns else None
    )
    if request.method == "POST" and form.is_valid() and (mapping_form is None or mapping_form.is_valid()):
        data = dict(form.cleaned_data)
        if mapping_form is not None:
            data["mapping"] = mapping_form.mapping().to_dict()
        services.data_source_update(actor=request.user, source=selectors.data_source_get(public_id), data=data)
        messages.success(request, _("Data source %(name)s saved.") % {"name": data["name"]})
        return redirect("feedback:source_detail", public_id=source.public_id)
    context = {"form": form, "mapping_form": mapping_form, "source": source}
    return render(request, "feedback/source_form.html", context)


# --- import: upload, preview, start -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def import_upload(request):
    access = access_for(request.user)
    require(access.can_edit_some)
    sources = selectors.sources_for_import(access)
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        sources=sources,
        max_bytes=importing.import_max_bytes(),
        initial={"source": request.GET.get("source")},
    )
    if request.method == "POST":
        require(_can_import(access, selectors.data_source_get_or_404(request.POST.get("source"))))
    if request.method == "POST" and form.is_valid():
        source = form.cleaned_data["source"]
        upload_id = importing.upload_store(form.cleaned_data["file"], source=source, user=request.user)
        return redirect("feedback:import_preview", upload_id=upload_id)
    context = {"form": form, "max_bytes": importing.import_max_bytes(), "has_sources": sources.exists()}
    return render(request, "feedback/import_upload.html", context)


def _upload(request, upload_id):
    note = importing.upload_load(upload_id)
    if note is None:
        raise Http404
    source = selectors.data_source_get(note["source"])
    require(_can_import(access_for(request.user), source))
    return note, source


@require_http_methods(["GET", "POST"])
def import_preview(request, upload_id):
    note, source = _upload(request, upload_id)
    context = {"note": note, "source": source}
    try:
        plan = importing.preview_plan(note["path"], note["filename"], source=source,
                                      max_bytes=importing.import_max_bytes())  # fmt: skip
    except IngestError as error:
        context["problem"] = importing.ingest_message(error)
        return render(request, "feedback/import_preview.html", context, status=422)
    columns = plan.layout.columns
    initial = MappingForm.initial_for(plan.mapping)
    mapping_form = MappingForm(request.POST or None, columns=columns, initial=initial, prefix="map")
    options = ImportOptionsForm(request.POST or None, initial={"save_mapping": True})
    if request.method == "POST" and mapping_form.is_valid() and options.is_valid():
        job = _start_import(request, note, source, plan, mapping_form.mapping(), options.cleaned_data)
        return redirect("feedback:job", public_id=job.public_id)
    context |= {
        "plan": plan,
        "detected": plan.detected,
        "columns": list(zip(columns, plan.layout.labels, strict=False)),
        "rows": importing.preview_rows(plan),
        "mapping_form": mapping_form,
        "options": options,
    }
    return render(request, "feedback/import_preview.html", context)


def _start_import(request, note, source, plan, mapping, options):
    detected = plan.detected | {"columns": plan.layout.columns}
    if options["save_mapping"] and not options["dry_run"] and access_for(request.user).can_edit_all:
        services.data_source_update(
            actor=request.user, source=source, data={"mapping": mapping.to_dict(), "layout": plan.layout.name}
        )
    return services.import_job_create(
        actor=request.user, source=source, stored_file=note["path"], filename=note["filename"],
        mapping=mapping.to_dict(), detected=detected, dry_run=options["dry_run"], partial=options["partial"],
    )  # fmt: skip


# --- import jobs --------------------------------------------------------------------------------------------


@require_GET
def job_list(request):
    require(access_for(request.user).can_read)
    page = Paginator(selectors.import_job_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "feedback/job_list.html", {"page": page, "jobs": list(page.object_list)})


@require_GET
def job_detail(request, public_id):
    access = access_for(request.user)
    require(access.can_read)
    job = selectors.import_job_get(public_id)
    context = {
        "job": job,
        "running": job.status in (JobStatus.QUEUED, JobStatus.RUNNING),
        "errors": job.errors[:SHOWN_ERRORS],
        "percent": _percent(job),
        "can_rerun": job.status == JobStatus.FAILED and _can_import(access, job.source),
    }
    if request.htmx:
        return render(request, "feedback/job_detail.html#progress", context)
    return render(request, "feedback/job_detail.html", context)


def _percent(job) -> int:
    if job.status == JobStatus.DONE:
        return 100
    if job.phase != "writing" or not job.rows_total:
        return 0
    return min(99, int(100 * (job.imported + job.updated + job.unchanged) / job.rows_total))


@require_POST
def job_rerun(request, public_id):
    job = selectors.import_job_get(public_id)
    require(_can_import(access_for(request.user), job.source))
    if job.status == JobStatus.FAILED:
        services.import_job_requeue(actor=request.user, job=job)
        messages.success(request, _("The import was queued again."))
    return redirect("feedback:job", public_id=job.public_id)


# --- customers ----------------------------------------------------------------------------------------------


@require_GET
def customer_detail(request, public_id):
    access = access_for(request.user)
    require(access.can_read)
    customer = selectors.customer_get(public_id)
    context = {
        "customer": customer,
        "feedback": list(selectors.customer_feedback(customer)),
        "contact": selectors.customer_contact(customer) if access.can_edit_all else None,
        "can_see_contact": access.can_edit_all,
        "can_erase": access.can_manage_org,
    }
    return render(request, "feedback/customer_detail.html", context)


@require_http_methods(["GET", "POST"])
def customer_erase(request, public_id):
    require(access_for(request.user).can_manage_org)
    customer = selectors.customer_get(public_id)
    if request.method == "GET":
        return render(request, "feedback/customer_erase.html", {"customer": customer})
    detached = services.customer_erase(actor=request.user, customer=customer)
    messages.success(request, _("The customer was erased; %(count)s feedback records were anonymised.")
                     % {"count": detached})  # fmt: skip
    return redirect("feedback:sources")
