"""Glue for django-axes, the brute-force lockout (configured in the settings' AUTH section)."""


def get_lockout_username(request, credentials=None):
    """The account an attempt is counted against: the email, trimmed and lower-cased.

    Sign-in ignores case and surrounding spaces, so the lockout must too, or an attacker
    would get a fresh quota for every spelling of the same address. Axes calls this with
    the ``authenticate()`` credentials when it has them, else with the login request.
    """
    if credentials:
        username = credentials.get("username")
    else:
        username = getattr(request, "POST", {}).get("username")
    username = (username or "").strip().lower()
    return username or None
