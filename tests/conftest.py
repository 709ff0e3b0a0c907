"""Fixtures shared by the whole suite, and the rules for which tests run where.

The suite runs twice under CI=true: on SQLite, and on PostgreSQL (TEST_DATABASE_URL).
Tests marked `postgres` run only in the PostgreSQL pass; they are deselected, not skipped,
from the SQLite pass. Under CI a missing PostgreSQL or Redis is a failure, never a skip.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

from personnel.models import Role, UnitKind
from personnel.services import role_assign
from tests.factories import PersonFactory, UnitFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() == "true"
ON_POSTGRES = bool(os.environ.get("TEST_DATABASE_URL"))


def pytest_collection_modifyitems(config, items):
    if ON_POSTGRES:
        return
    keep, drop = [], []
    for item in items:
        (drop if item.get_closest_marker("postgres") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def service_reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    if not service_reachable(url, 6379):
        if IN_CI:
            pytest.fail(f"Redis is required under CI but is not reachable at {url}")
        pytest.skip(f"Redis not reachable at {url}")
    return url


@pytest.fixture
def city(db):
    """A small city: region → two districts, each with a department (with an office) and a township."""
    region = UnitFactory(code="120000", name="示例市", kind=UnitKind.REGION)
    east = UnitFactory(code="120101", name="东区", kind=UnitKind.REGION, parent=region)
    west = UnitFactory(code="120102", name="西区", kind=UnitKind.REGION, parent=region)
    east_dept = UnitFactory(code="12010101", name="东区市场监管局", kind=UnitKind.DEPARTMENT, parent=east)
    east_office = UnitFactory(code="1201010101", name="东区市场监管局法规科", kind=UnitKind.OFFICE, parent=east_dept)
    east_town = UnitFactory(code="12010102", name="东区东湖街道", kind=UnitKind.TOWNSHIP, parent=east)
    west_dept = UnitFactory(code="12010201", name="西区市场监管局", kind=UnitKind.DEPARTMENT, parent=west)
    for unit in (region, east, west, east_dept):
        unit.refresh_from_db()
    return {
        "region": region,
        "east": east,
        "west": west,
        "east_dept": east_dept,
        "east_office": east_office,
        "east_town": east_town,
        "west_dept": west_dept,
    }


@pytest.fixture
def make_user(db):
    """make_user(role, unit) → a login account holding that role over the unit's subtree."""

    def _make(role: str | None = None, unit=None, **kwargs):
        user = UserFactory(**kwargs)
        if role:
            role_assign(user=user, role=role, unit=unit)
        return user

    return _make


@pytest.fixture
def east_hr(city, make_user):
    return make_user(Role.HR_ADMIN, city["east"], username="east_hr")


@pytest.fixture
def west_hr(city, make_user):
    return make_user(Role.HR_ADMIN, city["west"], username="west_hr")


@pytest.fixture
def east_head(city, make_user):
    return make_user(Role.DEPARTMENT_HEAD, city["east"], username="east_head")


@pytest.fixture
def east_authority(city, make_user):
    return make_user(Role.ISSUING_AUTHORITY, city["east"], username="east_authority")


@pytest.fixture
def superuser(db):
    return UserFactory(username="root_admin", is_superuser=True, is_staff=True)


@pytest.fixture
def person_factory(db):
    return PersonFactory


@pytest.fixture
def celery_worker_process(redis_url, transactional_db, settings):
    """A real `celery worker` process on Redis, sharing the PostgreSQL test database.

    The worker consumes a queue unique to this test, so stale messages from an earlier run
    cannot reach it, and the test process publishes to that queue instead of running eagerly.
    """
    import subprocess
    import sys
    import time
    import uuid
    from pathlib import Path

    from django.db import connection

    from portal.celery import app

    from django.contrib.contenttypes.models import ContentType

    # An earlier transactional test flushed the tables and post_migrate recreated the content
    # types under new ids; the process-wide cache still holds the old ones.
    ContentType.objects.clear_cache()
    if connection.vendor != "postgresql":
        pytest.fail("The Celery worker test needs the PostgreSQL test database (mark it `postgres`).")
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    queue = f"test-{uuid.uuid4().hex[:12]}"
    root = Path(__file__).resolve().parents[1]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    log_path = Path(settings.MEDIA_ROOT) / f"{queue}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_file = open(log_path, "w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "-Q", queue, "--pool=solo",
         "--without-heartbeat", "--without-mingle", "--without-gossip", "--loglevel=INFO"],
        cwd=root, env=env, stdout=log_file, stderr=subprocess.STDOUT,
    )
    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager", "task_default_queue")}
    app.conf.update(broker_url=redis_url, result_backend=redis_url, task_always_eager=False, task_default_queue=queue)
    # An eager .delay() earlier in the session cached the routing (default queue) in app.amqp.
    vars(app).pop("amqp", None)
    try:
        deadline = time.monotonic() + 60
        while "ready" not in log_path.read_text():
            if worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Celery worker did not start:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield {"queue": queue, "process": worker, "log": log_path}
    finally:
        app.conf.update(**saved)
        # Drop the connections to the test broker so the next test builds fresh pools.
        from kombu import pools

        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None
        vars(app).pop("amqp", None)
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        log_file.close()
