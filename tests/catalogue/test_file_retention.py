"""Product files stay while anything names them (a product, any revision, an order's
product); deleting a product releases its files; ``delete_orphan_files`` and
``manage.py cleanup_files`` remove private files nothing names, after a grace period."""

import os
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from catalogue.files import delete_orphan_files, product_file_is_referenced
from catalogue.storage import get_private_storage
from catalogue.support import services as support
from tests.factories import PDF_BYTES, CustomerFactory, OrderFactory, ProductPageFactory

pytestmark = pytest.mark.django_db

FIRST_EDITION = PDF_BYTES
SECOND_EDITION = PDF_BYTES.replace(b"%%EOF", b"% second edition\n%%EOF")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def stored(name):
    return get_private_storage().exists(name)


def store(name, content=PDF_BYTES, hours_old=48):
    """Put a file straight into private storage, last modified ``hours_old`` ago."""
    storage = get_private_storage()
    name = storage.save(name, ContentFile(content))
    moment = time.time() - hours_old * 3600
    os.utime(storage.path(name), (moment, moment))
    return name


def age(name, hours_old=48):
    moment = time.time() - hours_old * 3600
    os.utime(get_private_storage().path(name), (moment, moment))


@pytest.fixture
def two_editions(site_tree, django_capture_on_commit_callbacks):
    """A product published with the first edition, then with the second: (product, first
    revision, first file name, second file name)."""
    with django_capture_on_commit_callbacks(execute=True):
        product = ProductPageFactory(title="Budget Planner", file=ContentFile(FIRST_EDITION, name="first.pdf"))
        first = product.save_revision()
        first.publish()
        product.file = ContentFile(SECOND_EDITION, name="second.pdf")
        product.save_revision().publish()
    product.refresh_from_db()
    return product, first, first.content["file"], product.file.name


# RETENTION


def test_a_replaced_file_stays_and_an_old_revision_sells_it_again(
    two_editions, client, django_capture_on_commit_callbacks
):
    product, first, first_name, second_name = two_editions
    assert first_name != second_name
    assert stored(first_name) and stored(second_name)
    assert product.file_name == "second.pdf"

    with django_capture_on_commit_callbacks(execute=True):
        first.publish()
    product.refresh_from_db()
    assert product.live
    assert product.file.name == first_name and product.file_name == "first.pdf"
    # Going back did not delete the second edition either: a revision names it.
    assert stored(second_name)

    customer = CustomerFactory()
    order = OrderFactory(customer=customer, product=product)
    client.force_login(customer)
    response = client.get(reverse("portal:download", args=[order.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == FIRST_EDITION
    assert response["Content-Disposition"] == 'attachment; filename="first.pdf"'


def test_a_file_named_by_a_revision_only_is_referenced(two_editions):
    product, first, first_name, second_name = two_editions
    assert product_file_is_referenced(first_name)
    assert product_file_is_referenced(second_name)
    assert not product_file_is_referenced("products/nothing/names-this.pdf")


def test_deleting_a_product_removes_its_file_and_its_revisions_files(two_editions, django_capture_on_commit_callbacks):
    product, first, first_name, second_name = two_editions
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        product.delete()
    # Nothing goes before the commit.
    assert stored(first_name) and stored(second_name)
    for callback in callbacks:
        callback()
    assert not stored(first_name) and not stored(second_name)


def test_deleting_a_product_keeps_a_file_another_products_revision_names(
    two_editions, django_capture_on_commit_callbacks
):
    product, first, first_name, second_name = two_editions
    other = ProductPageFactory()
    other.file.name = first_name
    other.save_revision()  # a draft of another product names the first edition
    with django_capture_on_commit_callbacks(execute=True):
        product.delete()
    assert stored(first_name)
    assert not stored(second_name)


# ORPHANS


def test_an_old_orphan_goes_and_a_young_one_stays(site_tree):
    old = store("products/aaaa/old.pdf", hours_old=48)
    young = store("products/bbbb/young.pdf", hours_old=1)
    result = delete_orphan_files(older_than=timedelta(hours=24))
    assert not stored(old)
    assert stored(young)
    assert (result.deleted, result.kept, result.failed) == (1, 1, 0)


def test_the_default_grace_is_the_setting(site_tree, settings):
    settings.ORPHAN_FILE_GRACE_HOURS = 3
    two_hours = store("products/aaaa/two.pdf", hours_old=2)
    four_hours = store("support/bbbb/four.png", PNG, hours_old=4)
    result = delete_orphan_files()
    assert stored(two_hours) and not stored(four_hours)
    assert (result.deleted, result.kept) == (1, 1)


def test_files_something_names_are_kept(two_editions):
    product, first, first_name, second_name = two_editions
    # A live product's file, a file only an old revision names, an ordered product's file.
    ordered = OrderFactory().product
    upload = SimpleUploadedFile("screen.png", PNG, content_type="image/png")
    ticket = support.open_ticket(CustomerFactory(), product, "Look", "See", attachment=upload)
    attachment = ticket.messages.get().attachment.name
    named = [first_name, second_name, ordered.file.name, attachment]
    for name in named:
        age(name)
    orphan = store("support/cccc/orphan.png", PNG)

    result = delete_orphan_files(older_than=timedelta(hours=24))

    assert all(stored(name) for name in named)
    assert not stored(orphan)
    assert (result.deleted, result.failed) == (1, 0)
    assert result.kept == len(named)


def test_a_dry_run_deletes_nothing_and_counts(site_tree):
    orphan = store("products/aaaa/old.pdf")
    result = delete_orphan_files(older_than=timedelta(hours=24), dry_run=True)
    assert stored(orphan)
    assert result.dry_run and result.deleted == 1


def test_empty_storage_is_fine(site_tree):
    result = delete_orphan_files()
    assert (result.kept, result.deleted, result.failed) == (0, 0, 0)


def test_a_file_that_cannot_be_deleted_is_counted_and_the_rest_go_on(site_tree, monkeypatch, caplog):
    first = store("products/aaaa/one.pdf")
    second = store("products/bbbb/two.pdf")
    storage = get_private_storage()
    real_delete = storage.delete

    def delete(name):
        if name == first:
            raise PermissionError("read-only")
        real_delete(name)

    monkeypatch.setattr(storage, "delete", delete)
    result = delete_orphan_files()
    assert (result.deleted, result.failed) == (1, 1)
    assert stored(first) and not stored(second)
    assert f"Private file {first}: could not check or delete" in caplog.text


def test_cleanup_files_command(site_tree):
    orphan = store("products/aaaa/old.pdf")
    young = store("products/bbbb/young.pdf", hours_old=0)

    out = StringIO()
    call_command("cleanup_files", "--dry-run", stdout=out)
    assert stored(orphan)
    assert "Dry run" in out.getvalue() and "1 would be deleted, 1 kept" in out.getvalue()

    out = StringIO()
    call_command("cleanup_files", stdout=out)
    assert not stored(orphan) and stored(young)
    assert "1 deleted, 1 kept, 0 failed" in out.getvalue()


def test_the_walk_uses_only_the_storage_api_so_object_storage_works(monkeypatch):
    moto = pytest.importorskip("moto")
    import boto3

    from catalogue.files import walk_storage
    from catalogue.storage import PrivateS3Storage

    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(variable, "testing")
    with moto.mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="private-files")
        storage = PrivateS3Storage(bucket_name="private-files", region_name="us-east-1")
        for name in ("products/a/1.pdf", "products/a/2.pdf", "products/b/3.pdf", "support/c/4.png"):
            storage.save(name, ContentFile(b"x"))
        assert sorted(walk_storage(storage, "products")) == ["products/a/1.pdf", "products/a/2.pdf", "products/b/3.pdf"]
        assert list(walk_storage(storage, "support")) == ["support/c/4.png"]
        assert list(walk_storage(storage, "nothing-here")) == []
        assert storage.get_modified_time("products/a/1.pdf").tzinfo is not None
