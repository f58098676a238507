"""Configuration: production refuses to start without secrets and passes check --deploy."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

REAL_LOOKING_ENV = {
    "DJANGO_SETTINGS_MODULE": "site_config.settings.production",
    "SECRET_KEY": "k7#Qp2!vZ9xL0mW4rT8yB1nC6dF3gH5jK0pL2qR7sT9uV1wX4yZ8aB3cD6eF9gH2",
    "ALLOWED_HOSTS": "shop.example.com",
    "DATABASE_URL": "sqlite:///:memory:",
    "SITE_URL": "https://shop.example.com",
    "DODO_PAYMENTS_API_KEY": "sk_live_example",
    "DODO_PAYMENTS_WEBHOOK_KEY": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "DODO_PAYMENTS_ENVIRONMENT": "live_mode",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.com:587",
    "DEFAULT_FROM_EMAIL": "Brightshelf <orders@shop.example.com>",
    # Shared by every process: the Dodo rate limit is kept there (dodo.W004 otherwise).
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    # Encrypts sellers' payout details (catalogue.E020 otherwise).
    "PAYOUT_DETAILS_KEY": "rfOlHcTURy2P5Y8-MATM9nOaCjR7RxzfLIIBRe6blwk=",
}


def _manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DODO_", "DJANGO_", "SECRET_KEY", "DEBUG"))}
    clean.update(env)
    return subprocess.run(  # noqa: S603  (our own manage.py, fixed arguments)
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_secret_key():
    env = dict(REAL_LOOKING_ENV)
    del env["SECRET_KEY"]
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_production_check_deploy_is_clean():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=REAL_LOOKING_ENV)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output


def test_production_turns_on_transport_security():
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, s.DEBUG)"
    )
    result = _manage("shell", "--no-imports", "-c", code, env=REAL_LOOKING_ENV)
    assert result.stdout.split() == ["True", "True", "True", "True", "False"], result.stderr


def test_base_defaults_match_the_design():
    names = ["DEBUG", "ALLOWED_HOSTS", "SITE_URL", "DODO_PAYMENTS_ENVIRONMENT", "MARKETPLACE_CURRENCY", "EMAIL_BACKEND"]
    code = f"import json; from django.conf import settings as s; print(json.dumps([getattr(s, n) for n in {names!r}]))"
    env = {"DJANGO_SETTINGS_MODULE": "site_config.settings.base", "SECRET_KEY": "x" * 60}
    result = _manage("shell", "--no-imports", "-c", code, env=env)
    assert json.loads(result.stdout) == [
        False,
        ["localhost", "127.0.0.1"],
        "http://127.0.0.1:8000",
        "test_mode",
        "USD",
        "django.core.mail.backends.console.EmailBackend",
    ], result.stderr


def test_env_example_lists_every_design_variable():
    text = (ROOT / ".env.example").read_text()
    for name in [
        "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "EMAIL_URL", "DEFAULT_FROM_EMAIL",
        "SITE_URL", "DODO_PAYMENTS_API_KEY", "DODO_PAYMENTS_WEBHOOK_KEY",
        "DODO_PAYMENTS_ENVIRONMENT", "DODO_PAYMENTS_BASE_URL", "MARKETPLACE_CURRENCY",
    ]:
        assert f"{name}=" in text, name


def test_requirements_are_pinned_exactly():
    for filename in ("requirements.txt", "requirements-test.txt"):
        for line in (ROOT / filename).read_text().splitlines():
            line = line.strip()
            if not line or line.startswith(("#", "-r")):
                continue
            assert "==" in line, f"{filename}: {line} is not pinned"
