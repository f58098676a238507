"""``accounts.W001``: production must not send email to the console (or into memory)."""

from accounts.checks import check_email_backend_delivers
from tests.site.test_settings import REAL_LOOKING_ENV, _manage


def test_production_with_the_default_console_email_warns():
    env = dict(REAL_LOOKING_ENV)
    del env["EMAIL_URL"]  # the default, consolemail://
    result = _manage("check", "--deploy", env=env)
    output = result.stdout + result.stderr
    assert "accounts.W001" in output, output
    assert "activation links would be printed into logs" in output


def test_the_check_warns_only_without_debug_for_undelivering_backends(settings):
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    assert [w.id for w in check_email_backend_delivers()] == ["accounts.W001"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert [w.id for w in check_email_backend_delivers()] == ["accounts.W001"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert check_email_backend_delivers() == []
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    assert check_email_backend_delivers() == []


def test_email_timeout_comes_from_the_environment():
    result = _manage("shell", "--no-imports", "-c", "from django.conf import settings; print(settings.EMAIL_TIMEOUT)",
                     env={**REAL_LOOKING_ENV, "EMAIL_TIMEOUT": "7.5"})  # fmt: skip
    assert result.stdout.split() == ["7.5"], result.stderr
