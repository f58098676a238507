"""The seller's storefront profile in the portal (seller_portal/profile.py): always their
own, checked (slug, http(s) links), errors beside the fields with the input kept."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage

from catalogue.models import SellerProfile
from tests.factories import CustomerFactory, ProductPageFactory, SellerProfileFactory

pytestmark = pytest.mark.django_db

URL = "/seller/profile/"


def png_upload(name="me.png"):
    buffer = io.BytesIO()
    PILImage.new("RGB", (400, 400), "#4338ca").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def profile_data(**overrides):
    data = {
        "shop_name": "Maya Makes",
        "slug": "maya-makes",
        "bio": "I bake and write.\nMostly bake.",
        "website": "https://maya.example.com",
        "link_label_1": "Newsletter",
        "link_url_1": "https://news.example.com/maya",
        "link_label_2": "",
        "link_url_2": "",
        "link_label_3": "",
        "link_url_3": "",
    }
    data.update(overrides)
    return data


def test_the_seller_edits_their_storefront(seller_client, seller, site_tree):
    page = seller_client.get(URL)
    assert page.status_code == 200
    assert "Storefront" in page.content.decode()
    response = seller_client.post(URL, {**profile_data(slug="Maya-Makes"), "avatar_upload": png_upload()})
    assert response.status_code == 302
    profile = SellerProfile.objects.get(user=seller)
    assert (profile.shop_name, profile.slug) == ("Maya Makes", "maya-makes")
    assert profile.bio.replace("\r\n", "\n") == "I bake and write.\nMostly bake."
    assert profile.links == [{"label": "Newsletter", "url": "https://news.example.com/maya"}]
    assert profile.avatar is not None and profile.avatar.uploaded_by_user == seller
    ProductPageFactory(seller=seller)
    storefront = seller_client.get("/sellers/maya-makes/").content.decode()
    assert "Maya Makes" in storefront and "Newsletter" in storefront


def test_bad_input_is_explained_beside_the_field_and_kept(seller_client, seller, other_seller, site_tree):
    SellerProfileFactory(user=other_seller, slug="taken")
    data = profile_data(
        slug="taken",
        website="ftp://files.example.com",
        link_label_1="Click me",
        link_url_1="javascript:alert(1)",
        link_label_2="No address",
        link_url_2="",
    )
    response = seller_client.post(URL, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "Another seller has this address" in str(form.errors["slug"])
    assert "http:// or https://" in str(form.errors["website"])
    assert "http:// or https://" in str(form.errors["link_url_1"])
    assert "Add the address" in str(form.errors["link_url_2"])
    html = response.content.decode()
    assert 'value="Click me"' in html and 'value="Maya Makes"' in html  # input kept
    # Nothing saved; the "view storefront" link still points at the real address.
    profile = SellerProfile.objects.get(user=seller)
    assert profile.shop_name == "" and profile.links == []
    assert f'href="/sellers/{profile.slug}/"' in html

    bad_slug = seller_client.post(URL, profile_data(slug="no spaces/or slashes"))
    assert "slug" in bad_slug.context["form"].errors


def test_a_script_bio_is_stored_as_text_and_shown_escaped(seller_client, seller, site_tree):
    data = profile_data(bio="<script>alert(1)</script>")
    assert seller_client.post(URL, data).status_code == 302
    ProductPageFactory(seller=seller)
    html = seller_client.get("/sellers/maya-makes/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_only_sellers_have_a_storefront_profile(client, site_tree):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
    client.force_login(CustomerFactory())
    assert client.get(URL).status_code == 403
    assert not SellerProfile.objects.exists()
