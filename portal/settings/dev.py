from .base import *  # noqa: F401,F403
from .env import env_list, env_str

DEBUG = True
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

from .base import STATIC_ROOT

# WhiteNoise serves from STATIC_ROOT; in development the finders serve the files instead.
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
