"""Product versions and their files (catalogue.releases): the main file mirrored from
ProductPage.file, extra files, new versions, storage (quota, clean-up, deletion) and the
buyers' update email, sent once per buyer however often the task runs."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.utils import timezone

from catalogue import releases
from catalogue.files import delete_orphan_files, referenced_private_files
from catalogue.models import OrderStatus, ProductFile, ProductRelease, ReleaseNotice
from catalogue.quota import storage_used
from catalogue.storage import get_private_storage
from tests.factories import (
    PDF_BYTES,
    CustomerFactory,
    OrderFactory,
    ProductPageFactory,
    add_product_files,
    product_upload,
)

pytestmark = pytest.mark.django_db


def test_a_new_product_is_version_1_holding_its_file_and_a_replaced_file_replaces_it(site_tree):
    product = ProductPageFactory()
    [release] = ProductRelease.objects.filter(product=product)
    assert (release.number, release.superseded_at, release.notified_at is not None) == (1, None, True)
    [main] = release.files.all()
    assert (main.file.name, main.name, main.size) == (product.file.name, "product.pdf", len(PDF_BYTES))

    product.file = ContentFile(PDF_BYTES + b"% v2\n", name="guide-v2.pdf")
    product.save()
    [main] = ProductRelease.objects.get(product=product).files.all()
    assert (main.file.name, main.name, main.content_type) == (product.file.name, "guide-v2.pdf", "application/pdf")


def test_publishing_a_version_supersedes_the_old_one_and_points_the_product_at_its_main_file(
    site_tree, django_capture_on_commit_callbacks
):
    product = ProductPageFactory()
    old_main = product.file.name
    [extra] = add_product_files(product, "extras.pdf")
    product.save_revision()  # the form edits the latest revision: it must not bring the old file back
    with django_capture_on_commit_callbacks(execute=True):
        release = releases.publish_release(
            product, note="Two new chapters.", uploads=[product_upload("book-v2.pdf")], carried=[extra]
        )
    product.refresh_from_db()
    assert release.number == 2 and release.note == "Two new chapters."
    assert [item.name for item in release.files.all()] == ["extras.pdf", "book-v2.pdf"]
    assert product.file.name == extra.file.name and product.file_name == "extras.pdf"
    assert product.get_latest_revision_as_object().file.name == extra.file.name
    old = ProductRelease.objects.get(product=product, number=1)
    assert old.superseded_at is not None and old.kept
    assert get_private_storage().exists(old_main)
    # Saving the product (as the form does) changes nothing about the new version.
    product.get_latest_revision_as_object().save_revision().publish()
    assert [item.name for item in ProductRelease.objects.current().get(product=product).files.all()] == [
        "extras.pdf",
        "book-v2.pdf",
    ]


def test_an_old_version_not_kept_loses_its_files_after_the_commit_but_not_carried_ones(
    site_tree, django_capture_on_commit_callbacks
):
    product = ProductPageFactory()
    dropped, carried = add_product_files(product, "dropped.pdf", "carried.pdf")
    storage = get_private_storage()
    with django_capture_on_commit_callbacks(execute=True):
        releases.publish_release(product, note="Slimmer.", carried=[carried], keep_previous=False)
    old = ProductRelease.objects.get(product=product, number=1)
    assert not old.kept and not old.files.exists()
    assert not storage.exists(dropped.file.name)
    assert storage.exists(carried.file.name)


def test_quota_cleanup_and_deletion_know_every_release_file(site_tree, settings, django_capture_on_commit_callbacks):
    product = ProductPageFactory()
    [extra] = add_product_files(product, "extra.pdf")
    assert storage_used(product.seller_id) == 2 * len(PDF_BYTES)
    # Replacing the main file leaves the extra file counted.
    assert storage_used(product.seller_id, exclude_product_id=product.pk) == len(PDF_BYTES)
    assert extra.file.name in referenced_private_files()
    storage = get_private_storage()
    orphan = storage.save("products/orphan/orphan.pdf", ContentFile(PDF_BYTES))
    result = delete_orphan_files(older_than=timedelta(0))
    assert storage.exists(extra.file.name) and not storage.exists(orphan)
    assert result.deleted == 1

    with django_capture_on_commit_callbacks(execute=True):
        product.delete()
    assert not storage.exists(extra.file.name)
    assert not ProductFile.objects.exists()


def _buyers(product):
    first, second = CustomerFactory(email="First@example.com"), CustomerFactory()
    OrderFactory(customer=first, product=product)
    OrderFactory(customer=first, product=product)  # bought twice: still one email
    OrderFactory(customer=second, product=product)
    OrderFactory(product=product, status=OrderStatus.REFUNDED)
    OrderFactory(product=product, status=OrderStatus.PENDING, paid_at=None)
    OrderFactory(product=ProductPageFactory())  # another product's buyer
    return {"first@example.com", second.email.lower()}


def test_every_paid_buyer_is_emailed_once_in_batches_even_when_the_task_runs_again(
    site_tree, django_capture_on_commit_callbacks, monkeypatch
):
    product = ProductPageFactory(title="Watercolour course")
    expected = _buyers(product)
    # One buyer per run: the task enqueues itself for the next (immediate backend here).
    monkeypatch.setattr(releases, "RELEASE_EMAIL_BATCH_SIZE", 1)
    with django_capture_on_commit_callbacks(execute=True):
        release = releases.publish_release(product, note="New lesson on glazing.", uploads=[product_upload("v2.pdf")])
    assert sorted(address for message in mail.outbox for address in message.to) == sorted(expected)
    assert "Watercolour course" in mail.outbox[0].subject and "New lesson on glazing." in mail.outbox[0].body
    release.refresh_from_db()
    assert release.notified_at is not None

    # The task run again (a worker died after sending): nobody hears twice.
    releases.notify_release_buyers.enqueue(release.pk, batch_size=1)
    ProductRelease.objects.filter(pk=release.pk).update(notified_at=None)
    releases.notify_release_buyers.enqueue(release.pk, batch_size=1)
    assert len(mail.outbox) == len(expected)
    assert ReleaseNotice.objects.filter(release=release).count() == len(expected)


def test_a_failed_send_records_nothing_so_the_next_run_sends_it(site_tree, monkeypatch):
    product = ProductPageFactory()
    expected = _buyers(product)
    release = releases.publish_release(product, note="Fixes.", uploads=[product_upload("v2.pdf")])
    mail.outbox.clear()
    ReleaseNotice.objects.filter(release=release).delete()
    ProductRelease.objects.filter(pk=release.pk).update(notified_at=None)
    calls = []

    def refuse(*args, **kwargs):
        calls.append(1)
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(releases, "send_templated_email", refuse)
    with pytest.raises(ConnectionRefusedError):
        releases.send_release_emails(release.pk)
    assert calls == [1] and not ReleaseNotice.objects.exists()
    monkeypatch.undo()
    assert releases.send_release_emails(release.pk) == (len(expected), True)
    assert len(mail.outbox) == len(expected)


def test_entitlement_to_kept_versions_follows_when_the_order_was_paid(site_tree):
    product = ProductPageFactory()
    early = OrderFactory(product=product, paid_at=timezone.now() - timedelta(days=3))
    v2 = releases.publish_release(product, note="v2", uploads=[product_upload("v2.pdf")])
    late = OrderFactory(product=product, paid_at=timezone.now() + timedelta(seconds=1))
    v1 = ProductRelease.objects.get(product=product, number=1)
    assert releases.entitled(early, v1) and releases.entitled(early, v2)
    assert not releases.entitled(late, v1) and releases.entitled(late, v2)
    ProductRelease.objects.filter(pk=v1.pk).update(kept=False)
    v1.refresh_from_db()
    assert not releases.entitled(early, v1)


def test_on_the_database_queue_a_rerun_task_neither_emails_twice_nor_forks_the_batches(
    site_tree, settings, django_capture_on_commit_callbacks
):
    from django_tasks import TaskContext
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
        "db": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    }
    product = ProductPageFactory()
    expected = _buyers(product)
    with django_capture_on_commit_callbacks(execute=True):
        release = releases.publish_release(product, note="v2", uploads=[product_upload("v2.pdf")])
    [row] = DBTaskResult.objects.ready()
    row.args_kwargs = {**row.args_kwargs, "kwargs": {"batch_size": 1}}
    row.save(update_fields=["args_kwargs"])

    def run(row, times=1):
        row.claim("test-worker")
        result = row.task_result
        for _ in range(times):
            row.task.call(TaskContext(task_result=result), *result.args, **result.kwargs)
        row.set_successful(None)

    run(row, times=2)  # its worker died after the first run: the same task result runs again
    while (ready := DBTaskResult.objects.ready().first()) is not None:
        run(ready)
    assert sorted(address for message in mail.outbox for address in message.to) == sorted(expected)
    assert DBTaskResult.objects.count() == 2  # the next batch was enqueued once
    release.refresh_from_db()
    assert release.notified_at is not None


def test_the_data_migration_makes_release_1_of_each_products_file(site_tree):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("catalogue.migrations.0015_product_files")
    products = ProductPageFactory.create_batch(2)
    ProductRelease.objects.all().delete()  # as before the migration
    migration.make_first_releases(apps, None)
    for product in products:
        [release] = ProductRelease.objects.filter(product=product)
        [main] = release.files.all()
        assert (release.number, main.file.name, main.name, main.size) == (
            1,
            product.file.name,
            product.file_name,
            product.file_size,
        )
        assert release.created_at == product.first_published_at and release.notified_at is not None
