"""Celery tasks of the portal. Each takes ids, claims its work, and calls a service."""

from celery import shared_task

from .services import import_job_claim, import_job_run, import_jobs_fail_stale


@shared_task
def run_import_job(job_id: int) -> None:
    """Run one admin import (DESIGN §5.1). A second delivery finds the job claimed and does nothing."""
    job = import_job_claim(job_id=job_id)
    if job is not None:
        import_job_run(job=job)


@shared_task
def fail_stale_import_jobs() -> int:
    """Periodic: jobs abandoned by a dead worker end as failed instead of running for ever."""
    return import_jobs_fail_stale()
