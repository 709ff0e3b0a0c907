"""Changes to the portal's own records: spreadsheet import jobs run from the admin (DESIGN §5.1)."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from portal.errors import ApplicationError
from portal.imports import ImportRefused, build_error_workbook, get_kind, run_import
from portal.imports.engine import refused_result_dict

from .models import ImportJob

logger = logging.getLogger(__name__)

ALLOWED_EXTENSIONS = ("xlsx", "csv")


def _extension(name: str) -> str:
    return name.lower().rsplit(".", 1)[-1] if "." in name else ""


@transaction.atomic
def import_job_create(*, kind: str, uploaded_file, actor, dry_run: bool = False) -> ImportJob:
    """Store an upload as a pending job and queue it on Celery once the job is committed (R16: logged)."""
    import_kind = get_kind(kind)
    if not import_kind.user_may_import(actor):
        raise ApplicationError(_("您没有导入「%(kind)s」的权限") % {"kind": import_kind.label})
    extension = _extension(uploaded_file.name)
    if extension not in ALLOWED_EXTENSIONS:
        raise ApplicationError(_("仅支持 .xlsx 和 .csv 文件"), extra={"field": "file"})
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if uploaded_file.size > limit:
        raise ApplicationError(
            _("文件不能超过 %(limit)d MB") % {"limit": limit // (1024 * 1024)}, extra={"field": "file"}
        )
    job = ImportJob(kind=import_kind.name, original_name=uploaded_file.name[:255], dry_run=dry_run, created_by=actor)
    # The stored name is random: the original name is kept apart and never reaches the file system.
    job.file.save(f"{uuid.uuid4().hex}.{extension}", uploaded_file, save=False)
    job.save()
    log(job, "wagtail.create", user=actor, data={"kind": job.kind, "file": job.original_name, "dry_run": dry_run})

    from .tasks import run_import_job  # the task module imports this one

    transaction.on_commit(lambda: run_import_job.delay(job.pk))
    return job


def import_job_claim(*, job_id: int) -> ImportJob | None:
    """Move a pending job to running; only one caller ever wins, so a redelivered task does nothing."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.RUNNING
    )
    if not claimed:
        return None
    return ImportJob.objects.select_related("created_by").get(pk=job_id)


def _uploader_language(job: ImportJob) -> str | None:
    """The admin language of the user who uploaded the file, whose screens will show the job's messages."""
    profile = getattr(job.created_by, "wagtail_userprofile", None) if job.created_by_id else None
    return profile.get_preferred_language() if profile is not None else None


def import_job_run(*, job: ImportJob) -> ImportJob:
    """Run a claimed job through the import engine and record its outcome and error workbook.

    The messages are stored as text, so they are written in the uploader's admin language: a
    Celery worker would otherwise write them in the default language whatever the user reads.
    """
    language = _uploader_language(job)
    if language is None:
        return _import_job_run(job)
    with translation.override(language):
        return _import_job_run(job)


def _import_job_run(job: ImportJob) -> ImportJob:
    def progress(processed: int, total: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=processed, total_rows=total)

    status = ImportJob.Status
    try:
        with job.file.open("rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        logger.exception("Import job %s could not read its file", job.pk)
        return _import_job_finish(job, status.FAILED, refused_result_dict(_("上传的文件已丢失或无法读取，请重新上传")))
    try:
        outcome = run_import(
            kind=job.kind,
            data=data,
            filename=job.original_name,
            actor=job.created_by,
            dry_run=job.dry_run,
            progress=progress,
        )
    except ImportRefused as exc:
        return _import_job_finish(job, status.FAILED, refused_result_dict(exc.message))
    except Exception:
        # A background job must end in a state the user can see, never stay "running" forever.
        logger.exception("Import job %s failed unexpectedly", job.pk)
        return _import_job_finish(
            job, status.FAILED, refused_result_dict(_("导入时发生意外错误，未写入任何数据，请联系系统管理员"))
        )
    job.total_rows = len(outcome.table.rows) if outcome.table else 0
    if outcome.errors:
        workbook = build_error_workbook(result=outcome)
        job.error_file.save(f"{uuid.uuid4().hex}.xlsx", ContentFile(workbook), save=False)
        return _import_job_finish(job, status.INVALID, outcome.as_dict())
    return _import_job_finish(job, status.SUCCEEDED, outcome.as_dict())


def _import_job_finish(job: ImportJob, status: str, result: dict) -> ImportJob:
    job.status, job.result = status, result
    job.processed_rows = job.total_rows
    job.finished_at = timezone.now()
    job.save()
    return job


def import_jobs_fail_stale(*, older_than_seconds: int | None = None) -> int:
    """Mark jobs whose worker died mid-run as failed, so nobody waits on a progress bar for ever.

    A job still running after the task time limit can no longer be running: the worker that
    claimed it was killed. The import itself wrote nothing (it is one transaction), so the user
    is simply asked to upload again. One bulk update; safe to run any number of times.
    """
    seconds = older_than_seconds if older_than_seconds is not None else settings.CELERY_TASK_TIME_LIMIT + 300
    cutoff = timezone.now() - dt.timedelta(seconds=seconds)
    return ImportJob.objects.filter(
        status__in=(ImportJob.Status.PENDING, ImportJob.Status.RUNNING), created_at__lt=cutoff
    ).update(
        status=ImportJob.Status.FAILED,
        finished_at=timezone.now(),
        result=refused_result_dict(_("导入任务处理超时，未写入任何数据，请重新上传")),
    )
