"""Settings: production refuses to start without its secrets and passes Django's deployment checklist."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.settings import env

ROOT = Path(__file__).resolve().parents[2]
GOOD_PRODUCTION_ENV = {
    "SECRET_KEY": "k" * 20 + "-production-secret-with-plenty-of-entropy-0123456789",
    "ALLOWED_HOSTS": "zfpx.example.gov.cn",
    "DATABASE_URL": "postgres://portal@127.0.0.1:5432/portal",
}


def run_manage(*args: str, extra_env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}}
    clean.update(extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", *args, "--settings=portal.settings.production"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_passes_check_deploy_cleanly():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", extra_env=GOOD_PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without_required_variable(missing):
    env_vars = {k: v for k, v in GOOD_PRODUCTION_ENV.items() if k != missing}
    result = run_manage("check", extra_env=env_vars)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_language_and_time_zone(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _label in settings.LANGUAGES] == ["zh-hans", "en"]
    assert settings.TIME_ZONE == "Asia/Shanghai"


def test_no_broker_means_eager_tasks():
    from portal.celery import app

    assert app.conf.task_always_eager is True


@pytest.mark.parametrize("raw,expected", [("true", True), ("0", False), ("Yes", True), ("off", False)])
def test_env_bool_parses_strictly(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert env.env_bool("SOME_FLAG") is expected


def test_env_bool_rejects_garbage(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured):
        env.env_bool("SOME_FLAG")


def test_env_int_rejects_garbage(monkeypatch):
    monkeypatch.setenv("SOME_NUMBER", "12abc")
    with pytest.raises(ImproperlyConfigured):
        env.env_int("SOME_NUMBER", 1)


def test_database_url_selects_postgres(monkeypatch):
    """DATABASE_URL=postgres://… selects PostgreSQL; without it the embedded default is a SQLite file."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='portal.settings.dev';"
        "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    )
    clean = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    sqlite = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)
    pg = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DATABASE_URL": "postgres://u@127.0.0.1:5432/x"},
        capture_output=True,
        text=True,
    )
    assert sqlite.stdout.strip() == "django.db.backends.sqlite3"
    assert pg.stdout.strip() == "django.db.backends.postgresql"
