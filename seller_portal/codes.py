"""Short-link codes: how random ones are drawn and which chosen ones are allowed.

A code is the last part of ``/s/<code>/``. Random codes use an alphabet without the
characters people confuse when they copy a link by hand (0/O/o, 1/l/I/i). Chosen codes
are letters, digits and dashes; they are unique whatever their case ("Spring-Sale" and
"spring-sale" are the same link), and words that name parts of the site are refused so a
short link never looks like one of our own pages.
"""

import re
import secrets

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Lower case only: a random code is case-insensitive anyway, and lower case reads best.
RANDOM_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
RANDOM_LENGTH = 8
CODE_MIN_LENGTH = 3
CODE_MAX_LENGTH = 40
CODE_PATTERN = re.compile(rf"^[A-Za-z0-9-]{{{CODE_MIN_LENGTH},{CODE_MAX_LENGTH}}}$")

# Words a seller may not take: the site's own sections and words that suggest the link
# comes from the marketplace itself rather than from a seller.
RESERVED_CODES = frozenset(
    {
        "about",
        "account",
        "accounts",
        "admin",
        "api",
        "brightshelf",
        "cart",
        "catalogue",
        "checkout",
        "dashboard",
        "documents",
        "dodo",
        "help",
        "home",
        "login",
        "logout",
        "media",
        "official",
        "password",
        "payment",
        "payments",
        "register",
        "s",
        "search",
        "security",
        "seller",
        "sellers",
        "signin",
        "signup",
        "static",
        "staff",
        "support",
        "webhook",
        "webhooks",
    }
)


def random_code(length=RANDOM_LENGTH):
    """A new random code, e.g. ``"k7dq2mxa"`` (31⁸ ≈ 850 billion possibilities).

    Never a reserved word ("payments" can be spelt with this alphabet).
    """
    while True:
        code = "".join(secrets.choice(RANDOM_ALPHABET) for _ in range(length))
        if code not in RESERVED_CODES:
            return code


def normalize_code(code):
    """The form codes are compared in: stripped and lower case."""
    return (code or "").strip().lower()


def validate_code(code):
    """Refuse a chosen code that has the wrong characters or length, or is reserved.

    Uniqueness needs the database and is checked by the form (and by the unique
    constraint, should two sellers pick the same code at the same moment).
    """
    if not CODE_PATTERN.match(code or ""):
        raise ValidationError(
            _("Use %(min)d to %(max)d letters, digits or dashes (no spaces or other characters)."),
            code="invalid_code",
            params={"min": CODE_MIN_LENGTH, "max": CODE_MAX_LENGTH},
        )
    if normalize_code(code) in RESERVED_CODES:
        raise ValidationError(
            _("“%(code)s” is reserved by the marketplace. Choose another code."),
            code="reserved_code",
            params={"code": code},
        )
