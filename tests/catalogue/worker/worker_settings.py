"""Settings of the ``run_worker`` processes the worker tests start.

The test settings, with the database backend on the "db" alias, SMTP to the test's own
server on loopback (``TEST_SMTP_PORT``), and no periodic work unless a test asks. The
database is the test's (``DATABASE_URL``); the timeouts come from the environment as in
production (``EMAIL_TIMEOUT``, ``TASK_WORKER_HEARTBEAT_TIMEOUT``).
"""

from site_config.settings.test import *  # noqa: F403
from site_config.settings.test import env

TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "db": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = env.int("TEST_SMTP_PORT", default=25)
EMAIL_HOST_USER = EMAIL_HOST_PASSWORD = ""
EMAIL_USE_TLS = EMAIL_USE_SSL = False
TASK_SCHEDULE = {}
