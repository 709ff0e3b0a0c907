"""Reads of import jobs: a user sees their own jobs; a superuser sees every job."""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.fields.json import KT

from portal.models import ImportJob


def import_jobs_visible_to(*, user) -> QuerySet[ImportJob]:
    jobs = ImportJob.objects.select_related("created_by").order_by("-created_at", "-pk")
    if getattr(user, "is_superuser", False):
        return jobs
    return jobs.filter(created_by=user)


def import_job_history(*, user) -> QuerySet[ImportJob]:
    """The job list: counts read inside the database, without loading each job's (possibly long) error list."""
    return (
        import_jobs_visible_to(user=user)
        .defer("result")
        .annotate(created_count=KT("result__created"), updated_count=KT("result__updated"),
                  skipped_count=KT("result__skipped"))
    )
