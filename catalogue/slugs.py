"""Slug helpers for categories and products: pure functions, no database access.

Slugs end up in URLs that people share, so they are plain ASCII: titles in any script
are transliterated with ``anyascii`` ("Привет мир" -> "privet-mir", an emoji becomes its
name), and a text that leaves nothing behind (punctuation only) falls back to a word.
"""

import secrets
import string

from anyascii import anyascii
from django.utils.text import slugify

# Lower-case letters and digits: readable, URL-safe, 36**6 (about 2.2 billion) suffixes.
SUFFIX_ALPHABET = string.ascii_lowercase + string.digits
SUFFIX_LENGTH = 6
# A product slug keeps at most this much of its title, so URLs stay short.
PRODUCT_PREFIX_MAX_LENGTH = 40
CATEGORY_SLUG_MAX_LENGTH = 100
# How many random suffixes to try before giving up on a crowded parent (in practice: one).
MAX_ATTEMPTS = 20


def slug_base(text, *, max_length, fallback):
    """``text`` as an ASCII slug of at most ``max_length`` characters, never empty.

    Cuts at a hyphen when it can, so a long title does not end mid-word.
    """
    # anyascii turns emoji into ":name:" (names may hold "_"); spaces keep words apart.
    ascii_text = anyascii(text or "").replace(":", " ").replace("_", " ")
    slug = slugify(ascii_text)
    if len(slug) > max_length:
        cut = slug[:max_length]
        # Prefer the last whole word when that keeps at least half the room.
        if "-" in cut and cut.rfind("-") >= max_length // 2:
            cut = cut[: cut.rfind("-")]
        slug = cut.strip("-")
    return slug or fallback


def random_suffix(length=SUFFIX_LENGTH):
    """A random lower-case alphanumeric string, e.g. ``k3f9q2``."""
    return "".join(secrets.choice(SUFFIX_ALPHABET) for _ in range(length))


def product_slug(title, suffix=None):
    """A product slug: a prefix of the slugified title plus a random suffix.

    ``"Intro to Rust"`` -> ``"intro-to-rust-k3f9q2"``; an emoji-only or punctuation-only
    title still gives something readable (``"crab-k3f9q2"``, ``"product-k3f9q2"``).
    """
    prefix = slug_base(title, max_length=PRODUCT_PREFIX_MAX_LENGTH, fallback="product")
    return f"{prefix}-{suffix or random_suffix()}"


def unique_product_slug(title, is_taken, suffixes=None):
    """A product slug for ``title`` that ``is_taken(slug)`` says is free.

    ``suffixes`` (an iterator of strings) lets tests force collisions; by default each
    attempt draws a fresh random suffix. Raises ``RuntimeError`` if every attempt collides,
    which only a broken ``is_taken`` can cause.
    """
    for _ in range(MAX_ATTEMPTS):
        candidate = product_slug(title, next(suffixes) if suffixes is not None else None)
        if not is_taken(candidate):
            return candidate
    raise RuntimeError(f"No free product slug for {title!r} after {MAX_ATTEMPTS} attempts")


def unique_category_slug(name, is_taken):
    """A category slug from ``name``, numbered when taken: ``ebooks``, ``ebooks-2``, ..."""
    base = slug_base(name, max_length=CATEGORY_SLUG_MAX_LENGTH, fallback="category")
    candidate = base
    number = 1
    while is_taken(candidate):
        number += 1
        candidate = f"{base}-{number}"
    return candidate
