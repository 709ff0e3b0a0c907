"""A real Celery worker on Redis runs an admin import against the PostgreSQL test database."""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from personnel.models import Person, Unit
from portal.models import ImportJob
from portal.services import import_job_create
from tests.import_files import sample

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def wait_for_job(job_id: int, *, timeout: float = 60) -> ImportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = ImportJob.objects.get(pk=job_id)
        if job.status not in (ImportJob.Status.PENDING, ImportJob.Status.RUNNING):
            return job
        time.sleep(0.2)
    raise AssertionError(f"import job {job_id} still {job.status} after {timeout}s")


def test_worker_process_runs_queued_imports_and_writes_to_the_shared_database(celery_worker_process, superuser):
    units_job = import_job_create(
        kind="units", uploaded_file=SimpleUploadedFile("units.xlsx", sample("units.xlsx")), actor=superuser
    )
    # The job is only queued on commit; under transactional_db there is no outer transaction,
    # so it is already on Redis. Nothing ran in this process: the status is still pending.
    assert ImportJob.objects.get(pk=units_job.pk).status in (ImportJob.Status.PENDING, ImportJob.Status.RUNNING)

    units_job = wait_for_job(units_job.pk)
    assert units_job.status == ImportJob.Status.SUCCEEDED, units_job.result
    assert units_job.result["created"] == 6
    assert Unit.objects.count() == 6

    people_job = import_job_create(
        kind="personnel",
        uploaded_file=SimpleUploadedFile("personnel_gbk.csv", sample("personnel_gbk.csv")),
        actor=superuser,
    )
    people_job = wait_for_job(people_job.pk)
    assert people_job.status == ImportJob.Status.SUCCEEDED, people_job.result
    assert Person.objects.count() == 6
    assert "run_import_job" in celery_worker_process["log"].read_text()


def test_redelivered_task_does_not_run_a_job_twice(celery_worker_process, superuser):
    from portal.tasks import run_import_job

    job = import_job_create(
        kind="units", uploaded_file=SimpleUploadedFile("units.xlsx", sample("units.xlsx")), actor=superuser
    )
    run_import_job.delay(job.pk)
    run_import_job.delay(job.pk)
    job = wait_for_job(job.pk)
    assert job.status == ImportJob.Status.SUCCEEDED
    # Give the duplicate deliveries time to reach the worker, then check they changed nothing.
    time.sleep(1.5)
    job.refresh_from_db()
    assert job.result["created"] == 6
    assert Unit.objects.count() == 6
