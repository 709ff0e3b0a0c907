from .base import *  # noqa: F401,F403
from .base import DATABASES
from .env import env_str

import dj_database_url

DEBUG = False
SECRET_KEY = "test-only-key"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# TEST_DATABASE_URL runs the suite on PostgreSQL (make test does so when CI=true).
_test_db = env_str("TEST_DATABASE_URL", "")
if _test_db:
    DATABASES = {"default": dj_database_url.parse(_test_db)}
    DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", "test_portal")}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
CELERY_BROKER_URL = ""
CELERY_RESULT_BACKEND = ""
CELERY_TASK_ALWAYS_EAGER = True
WAGTAILADMIN_BASE_URL = "http://testserver"

import tempfile
from pathlib import Path

# Uploaded files of the test run stay out of the checkout.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="portal-test-media-"))
STATIC_ROOT = MEDIA_ROOT / "static"
STATIC_ROOT.mkdir(exist_ok=True)
