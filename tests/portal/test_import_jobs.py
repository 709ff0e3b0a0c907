"""Import jobs abandoned by a dead worker end as failed (the periodic sweep)."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.utils import timezone

from portal.models import ImportJob
from portal.tasks import fail_stale_import_jobs


def make_job(*, status, age_minutes, user):
    job = ImportJob(kind="personnel", original_name="名单.xlsx", status=status, created_by=user)
    job.file.save("x.xlsx", ContentFile(b"x"), save=False)
    job.save()
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(minutes=age_minutes))
    return job


def test_sweep_fails_only_jobs_older_than_the_task_time_limit(superuser, settings):
    settings.CELERY_TASK_TIME_LIMIT = 30 * 60
    stale_running = make_job(status=ImportJob.Status.RUNNING, age_minutes=40, user=superuser)
    stale_pending = make_job(status=ImportJob.Status.PENDING, age_minutes=40, user=superuser)
    fresh_running = make_job(status=ImportJob.Status.RUNNING, age_minutes=30, user=superuser)
    old_done = make_job(status=ImportJob.Status.SUCCEEDED, age_minutes=600, user=superuser)

    assert fail_stale_import_jobs.delay().get() == 2

    for job in (stale_running, stale_pending, fresh_running, old_done):
        job.refresh_from_db()
    assert stale_running.status == stale_pending.status == ImportJob.Status.FAILED
    assert "超时" in stale_running.result["errors"][0]["message"]
    assert stale_running.finished_at is not None
    assert fresh_running.status == ImportJob.Status.RUNNING
    assert old_done.status == ImportJob.Status.SUCCEEDED
    # Running the sweep again changes nothing.
    assert fail_stale_import_jobs.delay().get() == 0


def test_sweep_is_on_the_beat_schedule(settings):
    entries = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "portal.tasks.fail_stale_import_jobs" in entries
