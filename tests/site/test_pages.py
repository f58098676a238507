"""The site's skeleton: pages render in the site's look, error pages, the user model."""

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError
from django.template.loader import render_to_string
from wagtail.models import Page, Site

from catalogue.models import CatalogueIndexPage
from home.models import HomePage

pytestmark = pytest.mark.django_db


def test_home_page_is_the_site_root(client, site_tree):
    home, _ = site_tree
    assert Site.objects.get(is_default_site=True).root_page_id == home.pk
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Digital goods from independent makers" in html
    assert 'rel="canonical" href="http://testserver/"' in html
    assert 'property="og:title"' in html


def test_catalogue_index_lives_at_catalogue(client, site_tree):
    _, index = site_tree
    assert index.url == "/catalogue/"
    response = client.get("/catalogue/")
    assert response.status_code == 200
    assert b"<h1>Catalogue</h1>" in response.content


def test_unknown_path_renders_the_site_404(client, site_tree):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"find that page" in response.content
    assert b"site-header" in response.content


def test_wrong_role_gets_the_site_403(client, site_tree, customer):
    client.force_login(customer)
    response = client.get("/seller/")
    assert response.status_code == 403
    assert b"available to your account" in response.content


def test_500_template_renders_without_a_request():
    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html


def test_admin_login_is_served(client, site_tree):
    response = client.get("/admin/login/")
    assert response.status_code == 200


def test_site_tree_is_idempotent(site_tree):
    from home.site_tree import ensure_site_tree

    before = Page.objects.count()
    ensure_site_tree()
    assert Page.objects.count() == before
    assert HomePage.objects.count() == 1
    assert CatalogueIndexPage.objects.count() == 1


def test_email_is_unique_regardless_of_case():
    User = get_user_model()
    User.objects.create_user("Ada@Example.com", "x")
    assert User.objects.get(email="ada@example.com")
    with pytest.raises(IntegrityError):
        User.objects.create_user("ADA@example.com", "x")


def test_user_model_is_custom_with_roles(settings):
    assert settings.AUTH_USER_MODEL == "accounts.User"
    user = get_user_model()(email="x@example.com")
    assert user.is_customer is False and user.is_seller is False
