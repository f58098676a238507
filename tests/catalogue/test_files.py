"""Product files: private storage, server-generated names, removal after commit only.

What a replaced file and orphans become: test_file_retention.py."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.test import RequestFactory
from django.views.static import serve

from catalogue import page_cache
from catalogue.files import delete_unused_product_file
from catalogue.storage import PrivateFileURLError, get_private_storage
from tests.factories import PDF_BYTES, ProductPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(site_tree):
    return ProductPageFactory(file=ContentFile(PDF_BYTES, name="My Great Book.pdf"))


def stored(name):
    return get_private_storage().exists(name)


def test_file_is_stored_privately_under_a_generated_name(product):
    name = product.file.name
    assert name.startswith("products/") and name.endswith(".pdf")
    assert "great" not in name.lower()
    # products/<32 hex>/<32 hex>.pdf
    folder, filename = name.split("/")[1:]
    assert len(folder) == 32 and len(filename) == 32 + len(".pdf")
    assert product.file_name == "My Great Book.pdf"
    assert product.file_size == len(PDF_BYTES)
    path = Path(get_private_storage().path(name))
    assert path.read_bytes() == PDF_BYTES
    assert Path(settings.PRIVATE_MEDIA_ROOT) in path.parents
    assert Path(settings.MEDIA_ROOT) not in path.parents


def test_private_file_is_not_reachable_under_media_url(product, client):
    with pytest.raises(PrivateFileURLError):
        _ = product.file.url
    # Nothing is in the public media folder, so MEDIA_URL cannot serve it (this is the
    # view that serves MEDIA_URL in development)...
    request = RequestFactory().get(settings.MEDIA_URL + product.file.name)
    with pytest.raises(Http404):
        serve(request, product.file.name, document_root=settings.MEDIA_ROOT)
    # ...and the site answers 404 for it.
    assert client.get(settings.MEDIA_URL + product.file.name).status_code == 404


def test_storage_alias_is_pluggable(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "catalogue.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "elsewhere")},
        },
    }
    assert get_private_storage().location == str(tmp_path / "elsewhere")


def test_storage_refuses_a_public_base_url(tmp_path):
    from catalogue.storage import PrivateFileSystemStorage

    storage = PrivateFileSystemStorage(location=str(tmp_path), base_url="/media/")
    with pytest.raises(PrivateFileURLError):
        storage.url("x.pdf")


def test_replacing_the_file_keeps_the_old_one(product, django_capture_on_commit_callbacks):
    # Earlier revisions may still name the old file (see test_file_retention.py).
    old = product.file.name
    product.file = ContentFile(PDF_BYTES, name="second edition.pdf")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        product.save()
    # The only work left for the commit is expiring the anonymous page cache: no deletion.
    assert [callback for callback in callbacks if callback is not page_cache._bump] == []
    assert product.file_name == "second edition.pdf"
    assert stored(old) and stored(product.file.name)


def test_a_rolled_back_replacement_leaves_the_old_file(product, django_capture_on_commit_callbacks):
    old = product.file.name
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            product.file = ContentFile(PDF_BYTES, name="second edition.pdf")
            product.save()
            raise RuntimeError("roll back")
    assert callbacks == []
    assert stored(old)


def test_saving_without_a_new_file_keeps_it(product, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        product.title = "New title"
        product.save()
        product.save_revision()  # a draft save writes only some fields
    assert stored(product.file.name)


def test_deleting_the_product_removes_its_file_after_commit(product, django_capture_on_commit_callbacks):
    name = product.file.name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        product.delete()
    assert stored(name)
    for callback in callbacks:
        callback()
    assert not stored(name)


def test_a_rolled_back_delete_leaves_the_file(product, django_capture_on_commit_callbacks):
    name = product.file.name
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            product.delete()
            raise RuntimeError("roll back")
    assert callbacks == []
    assert stored(name)


def test_a_file_shared_by_a_copy_stays_until_the_last_product_goes(product, django_capture_on_commit_callbacks):
    copy = product.copy(update_attrs={"slug": "a-copy", "title": "A copy"})
    assert copy.file.name == product.file.name
    with django_capture_on_commit_callbacks(execute=True):
        copy.delete()
    assert stored(product.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        product.delete()
    assert not stored(product.file.name)


def test_a_file_attached_in_a_draft_is_stored_before_the_revision_names_it(
    product, django_capture_on_commit_callbacks
):
    old = product.file.name
    product.file = ContentFile(PDF_BYTES, name="draft edition.pdf")
    revision = product.save_revision()
    name = revision.content["file"]
    assert name.startswith("products/") and stored(name)
    assert revision.content["file_name"] == "draft edition.pdf"
    # The live product still sells the old file until the draft is published...
    assert stored(old)
    with django_capture_on_commit_callbacks(execute=True):
        revision.publish()
    product.refresh_from_db()
    assert product.file.name == name and product.file_name == "draft edition.pdf"
    # ...which replaces it; the old file stays for the earlier revisions.
    assert stored(old)


def test_a_storage_failure_is_logged_not_raised(product, monkeypatch, caplog):
    def fail(name):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(get_private_storage(), "delete", fail)
    assert delete_unused_product_file("products/gone/x.pdf") is False
    assert "Product file products/gone/x.pdf: could not delete it" in caplog.text


def test_system_check_refuses_private_files_inside_media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "media" / "private")
    assert "catalogue.E002" in {error.id for error in run_checks()}
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    assert "catalogue.E002" not in {error.id for error in run_checks()}
