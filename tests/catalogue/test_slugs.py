"""Slugs: the pure helpers, and the pre_save hooks that fill empty category and product slugs."""

import re
from itertools import cycle

import pytest

from catalogue import slugs
from catalogue.models import ProductCategory, ProductPage
from tests.factories import ProductCategoryFactory, ProductPageFactory, SellerFactory

SUFFIX = r"[a-z0-9]{6}"


# PURE HELPERS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Intro to Rust", "intro-to-rust"),
        ("Привет мир: книга", "privet-mir-kniga"),
        ("Ça va été", "ca-va-ete"),
        ("Straße", "strasse"),
        ("🦀 Rust 🚀", "crab-rust-rocket"),
        ("!!!", "fallback"),
        ("   ", "fallback"),
        ("", "fallback"),
        (None, "fallback"),
    ],
)
def test_slug_base_transliterates_and_falls_back(text, expected):
    assert slugs.slug_base(text, max_length=50, fallback="fallback") == expected


def test_slug_base_cuts_long_text_at_a_word():
    slug = slugs.slug_base("The complete and utterly exhaustive guide to sourdough", max_length=30, fallback="x")
    assert slug == "the-complete-and-utterly"
    assert len(slug) <= 30 and not slug.endswith("-")


def test_slug_base_cuts_one_long_word_hard():
    assert slugs.slug_base("a" * 80, max_length=40, fallback="x") == "a" * 40


def test_random_suffix_is_six_lowercase_alphanumerics():
    suffixes = {slugs.random_suffix() for _ in range(50)}
    assert all(re.fullmatch(SUFFIX, suffix) for suffix in suffixes)
    assert len(suffixes) > 45  # random, not a counter


def test_product_slug_is_title_prefix_plus_suffix():
    assert slugs.product_slug("Intro to Rust", "k3f9q2") == "intro-to-rust-k3f9q2"
    assert re.fullmatch(rf"intro-to-rust-{SUFFIX}", slugs.product_slug("Intro to Rust"))


def test_product_slug_keeps_a_short_prefix_of_long_titles():
    slug = slugs.product_slug("A very long product title that goes on and on about everything it contains", "abc123")
    assert slug == "a-very-long-product-title-that-goes-on-abc123"
    assert len(slug) <= slugs.PRODUCT_PREFIX_MAX_LENGTH + 7


@pytest.mark.parametrize(
    ("title", "prefix"),
    [("日本語の本", "ribenyunoben"), ("🦀🚀", "crab-rocket"), ("???", "product"), ("", "product")],
)
def test_product_slug_unicode_and_emoji_stay_readable(title, prefix):
    assert slugs.product_slug(title, "k3f9q2") == f"{prefix}-k3f9q2"


def test_unique_product_slug_redraws_on_collision():
    taken = {"intro-to-rust-aaaaaa", "intro-to-rust-bbbbbb"}
    suffixes = iter(["aaaaaa", "bbbbbb", "cccccc"])
    assert slugs.unique_product_slug("Intro to Rust", taken.__contains__, suffixes) == "intro-to-rust-cccccc"


def test_unique_product_slug_gives_up_when_everything_is_taken():
    with pytest.raises(RuntimeError):
        slugs.unique_product_slug("x", lambda slug: True, cycle(["aaaaaa"]))


def test_unique_category_slug_numbers_duplicates():
    taken = {"ebooks", "ebooks-2"}
    assert slugs.unique_category_slug("E-books!", lambda slug: False) == "e-books"
    assert slugs.unique_category_slug("Ebooks", taken.__contains__) == "ebooks-3"
    assert slugs.unique_category_slug("🙂", lambda slug: False) == "slight-smile"
    assert slugs.unique_category_slug("...", lambda slug: False) == "category"


# CATEGORY HOOK


@pytest.mark.django_db
def test_category_slug_is_filled_from_the_name_and_made_unique():
    first = ProductCategory.objects.create(name="Ebooks")
    second = ProductCategory.objects.create(name="eBooks")
    third = ProductCategory.objects.create(name="EBOOKS")
    assert [first.slug, second.slug, third.slug] == ["ebooks", "ebooks-2", "ebooks-3"]


@pytest.mark.django_db
def test_category_slug_fallback_and_explicit_slug_kept():
    assert ProductCategory.objects.create(name="!!!").slug == "category"
    assert ProductCategory.objects.create(name="Audio", slug="sound").slug == "sound"


@pytest.mark.django_db
def test_category_resaved_keeps_its_slug_and_blank_slug_is_refilled():
    category = ProductCategoryFactory(name="Templates")
    category.name = "Design templates"
    category.save()
    assert category.slug == "templates"
    category.slug = ""
    category.save()
    # Its own old slug is not a collision with itself.
    assert category.slug == "design-templates"


# PRODUCT HOOK


@pytest.mark.django_db
def test_product_slug_filled_on_create(site_tree):
    product = ProductPageFactory(title="Intro to Rust")
    assert re.fullmatch(rf"intro-to-rust-{SUFFIX}", product.slug)
    assert product.url_path == f"/home/catalogue/{product.slug}/"
    assert product.url == f"/catalogue/{product.slug}/"


@pytest.mark.django_db
def test_product_slug_filled_for_a_draft(site_tree):
    _, index = site_tree
    product = ProductPageFactory.build(
        title="Draft product", slug="", live=False, seller=SellerFactory(), category=ProductCategoryFactory()
    )
    index.add_child(instance=product)
    assert re.fullmatch(rf"draft-product-{SUFFIX}", product.slug)


@pytest.mark.django_db
def test_explicit_product_slug_is_kept(site_tree):
    assert ProductPageFactory(title="Intro to Rust", slug="rust").slug == "rust"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("title", "prefix"),
    [("Привет мир", "privet-mir"), ("🦀🚀", "crab-rocket"), ("!!!", "product"), ("日本語の本", "ribenyunoben")],
)
def test_product_slug_unicode_titles(site_tree, title, prefix):
    assert re.fullmatch(rf"{prefix}-{SUFFIX}", ProductPageFactory(title=title).slug)


@pytest.mark.django_db
def test_product_slug_retries_on_collision_among_siblings(site_tree, monkeypatch):
    existing = ProductPageFactory(title="Intro to Rust", slug="intro-to-rust-aaaaaa")
    suffixes = iter(["aaaaaa", "aaaaaa", "bbbbbb"])
    monkeypatch.setattr(slugs, "random_suffix", lambda length=6: next(suffixes))
    product = ProductPageFactory(title="Intro to Rust")
    assert product.slug == "intro-to-rust-bbbbbb"
    assert existing.slug != product.slug


@pytest.mark.django_db
def test_pre_save_hook_fills_an_empty_slug_on_an_unvalidated_save(site_tree):
    product = ProductPageFactory(title="Intro to Rust")
    product.slug = ""
    # clean=False skips full_clean, so only the pre_save receiver can fill the slug.
    product.save(clean=False)
    product.refresh_from_db()
    assert re.fullmatch(rf"intro-to-rust-{SUFFIX}", product.slug)
    assert product.url_path == f"/home/catalogue/{product.slug}/"


@pytest.mark.django_db
def test_slug_made_before_the_parent_is_known_is_checked_again(site_tree, monkeypatch):
    _, index = site_tree
    ProductPageFactory(title="Intro to Rust", slug="intro-to-rust-aaaaaa")
    suffixes = iter(["aaaaaa", "cccccc"])
    monkeypatch.setattr(slugs, "random_suffix", lambda length=6: next(suffixes))
    product = ProductPageFactory.build(
        title="Intro to Rust", slug="", seller=SellerFactory(), category=ProductCategoryFactory()
    )
    # A form validates before the page has a place in the tree (seller portal).
    product.ensure_slug()
    assert product.slug == "intro-to-rust-aaaaaa"
    index.add_child(instance=product)
    assert product.slug == "intro-to-rust-cccccc"
    assert ProductPage.objects.filter(slug="intro-to-rust-aaaaaa").count() == 1
