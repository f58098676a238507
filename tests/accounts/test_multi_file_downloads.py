"""Several files per product in the customer's library: the file list, one file at a time,
every file as one streamed ZIP (bounded memory, also from object storage), earlier kept
versions, the "Updated" badge, and who may download what."""

import io
import os
import tracemalloc
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalogue import releases
from catalogue.models import Download, OrderStatus, ProductRelease
from catalogue.storage import get_private_storage
from catalogue.zipstream import iter_stored_file, stream_zip
from tests.factories import (
    PDF_BYTES,
    CustomerFactory,
    OrderFactory,
    ProductPageFactory,
    add_product_files,
    product_upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer(client, customer):
    client.force_login(customer)
    return customer


def _zip_of(response):
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_library_lists_every_file_with_a_zip_button_and_marks_updates(client, buyer, site_tree):
    product = ProductPageFactory(title="Brush pack")
    add_product_files(product, "Bonus brushes.pdf")
    order = OrderFactory(customer=buyer, product=product, paid_at=timezone.now() - timedelta(days=2))
    html = client.get(reverse("portal:products")).content.decode()
    assert "product.pdf" in html and "Bonus brushes.pdf" in html and "PDF" in html
    assert reverse("portal:download_zip", args=(order.pk,)) in html and "Download all (ZIP)" in html
    assert "Updated" not in html

    releases.publish_release(product, note="Thirty new brushes.", uploads=[product_upload("Brushes v2.pdf")])
    html = client.get(reverse("portal:products")).content.decode()
    assert "Updated" in html and "Thirty new brushes." in html and "Brushes v2.pdf" in html
    # The old version is kept: under "Earlier version", with its two files.
    assert "Earlier version" in html and "Bonus brushes.pdf" in html

    # Downloading the new version is "seen": the badge goes.
    [new_file] = ProductRelease.objects.current().get(product=product).files.all()
    assert client.get(reverse("portal:download_file", args=(order.pk, new_file.pk))).status_code == 200
    assert "Updated" not in client.get(reverse("portal:products")).content.decode()


def _count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as context:
        client.get(url)
    return len(context.captured_queries)


def _bought_with_versions(buyer):
    product = ProductPageFactory()
    add_product_files(product, "a.pdf", "b.pdf")
    OrderFactory(customer=buyer, product=product, paid_at=timezone.now() - timedelta(days=1))
    releases.publish_release(product, note="v2", uploads=[product_upload("c.pdf")])


def test_the_library_query_count_does_not_grow_with_products_files_or_versions(client, buyer, site_tree):
    url = reverse("portal:products")
    _bought_with_versions(buyer)
    few = _count_queries(client, url)
    for _ in range(4):
        _bought_with_versions(buyer)
    assert _count_queries(client, url) == few <= 9


def test_each_file_downloads_by_itself_and_counts_as_a_download(client, buyer, site_tree):
    product = ProductPageFactory()
    [extra] = add_product_files(product, 'Notes "draft".pdf')
    order = OrderFactory(customer=buyer, product=product)
    response = client.get(reverse("portal:download_file", args=(order.pk, extra.pk)))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;") and "Notes" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff" and response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert Download.objects.filter(order=order).count() == 1


def test_who_may_not_download_gets_a_404_or_the_gone_page(client, buyer, site_tree):
    product = ProductPageFactory()
    [extra] = add_product_files(product, "extra.pdf")
    mine = OrderFactory(customer=buyer, product=ProductPageFactory())
    others = OrderFactory(customer=CustomerFactory(), product=product)
    refunded = OrderFactory(customer=buyer, product=product, status=OrderStatus.REFUNDED)
    pending = OrderFactory(customer=buyer, product=product, status=OrderStatus.PENDING, paid_at=None)
    # Another customer's order, even of the right product: 404.
    assert client.get(reverse("portal:download_file", args=(others.pk, extra.pk))).status_code == 404
    assert client.get(reverse("portal:download_zip", args=(others.pk,))).status_code == 404
    # A non-buyer of the product: their own order of something else does not reach its files.
    assert client.get(reverse("portal:download_file", args=(mine.pk, extra.pk))).status_code == 404
    assert (
        client.get(reverse("portal:download_zip", args=(mine.pk,)) + f"?version={extra.release_id}").status_code == 404
    )
    # Unpaid: 404; refunded: the "access ended" page (410), as for the main download.
    assert client.get(reverse("portal:download_file", args=(pending.pk, extra.pk))).status_code == 404
    response = client.get(reverse("portal:download_file", args=(refunded.pk, extra.pk)))
    assert response.status_code == 410 and not hasattr(response, "streaming_content")
    assert client.get(reverse("portal:download_zip", args=(refunded.pk,))).status_code == 410
    assert not Download.objects.exists()
    client.logout()
    response = client.get(reverse("portal:download_zip", args=(others.pk,)))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_kept_versions_download_only_to_buyers_who_paid_before_they_were_replaced(client, buyer, site_tree):
    product = ProductPageFactory()
    [old_extra] = add_product_files(product, "old-extra.pdf")
    early = OrderFactory(customer=buyer, product=product, paid_at=timezone.now() - timedelta(days=5))
    releases.publish_release(product, note="v2", uploads=[product_upload("new.pdf")], keep_previous=True)
    late = OrderFactory(customer=buyer, product=product, paid_at=timezone.now() + timedelta(seconds=1))
    old_release = ProductRelease.objects.get(product=product, number=1)

    response = client.get(reverse("portal:download_zip", args=(early.pk,)) + f"?version={old_release.pk}")
    assert response.status_code == 200
    assert sorted(name.split("/")[-1] for name in _zip_of(response).namelist()) == ["old-extra.pdf", "product.pdf"]
    assert client.get(reverse("portal:download_file", args=(early.pk, old_extra.pk))).status_code == 200
    assert client.get(reverse("portal:download_file", args=(late.pk, old_extra.pk))).status_code == 404
    assert client.get(reverse("portal:download_zip", args=(late.pk,)) + f"?version={old_release.pk}").status_code == 404

    # Not kept any more: nobody gets it.
    ProductRelease.objects.filter(pk=old_release.pk).update(kept=False)
    assert client.get(reverse("portal:download_file", args=(early.pk, old_extra.pk))).status_code == 404


def test_the_zip_holds_every_file_of_the_current_version(client, buyer, site_tree):
    product = ProductPageFactory(title="Field Guide")
    add_product_files(product, "maps.pdf", "product.pdf")  # a repeated name gets " (2)"
    order = OrderFactory(customer=buyer, product=product)
    response = client.get(reverse("portal:download_zip", args=(order.pk,)))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="field-guide-v1.zip"'
    assert response["Cache-Control"] == "private, no-store"
    archive = _zip_of(response)
    assert archive.namelist() == [
        "field-guide-v1/product.pdf",
        "field-guide-v1/maps.pdf",
        "field-guide-v1/product (2).pdf",
    ]
    assert archive.testzip() is None
    assert all(archive.read(name) == PDF_BYTES for name in archive.namelist())
    assert Download.objects.filter(order=order).count() == 1


def test_a_zip_with_a_file_missing_from_storage_is_the_404_page_and_counts_nothing(client, buyer, site_tree):
    product = ProductPageFactory()
    [extra] = add_product_files(product, "lost.pdf")
    get_private_storage().delete(extra.file.name)
    order = OrderFactory(customer=buyer, product=product)
    response = client.get(reverse("portal:download_zip", args=(order.pk,)))
    assert response.status_code == 404 and b"lost.pdf" in response.content
    assert not Download.objects.exists()


def test_the_zip_streams_from_object_storage(s3_storage, client, buyer, site_tree):
    product = ProductPageFactory()
    big = os.urandom(700 * 1024)  # several chunks of the object's body
    releases.add_files(product, [product_upload("big.pdf", PDF_BYTES + big)])
    order = OrderFactory(customer=buyer, product=product)
    response = client.get(reverse("portal:download_zip", args=(order.pk,)))
    assert response.status_code == 200
    archive = _zip_of(response)
    assert [archive.read(name) for name in archive.namelist()] == [PDF_BYTES, PDF_BYTES + big]


def _zero_files(storage, count, size, chunk=8 * 1024 * 1024):
    """``count`` files of ``size`` zero bytes in private storage, written in chunks (sparse
    on most file systems, so quick)."""
    names = []
    for index in range(count):
        name = f"products/big/part-{index}.bin"
        path = storage.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.truncate(size)
        names.append(name)
    return names


def test_a_200_mb_zip_streams_with_bounded_memory(tmp_path, site_tree):
    storage = get_private_storage()
    size = 100 * 1024 * 1024
    names = _zero_files(storage, 2, size)
    entries = [(f"part-{index}.bin", size, iter_stored_file(name)) for index, name in enumerate(names)]
    target = tmp_path / "all.zip"
    tracemalloc.start()
    try:
        with open(target, "wb") as out:
            for chunk in stream_zip(entries, folder="big"):
                out.write(chunk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # 200 MB went through; the generator held a few chunks at a time.
    assert peak < 5 * 1024 * 1024, f"peak traced memory {peak} bytes"
    with zipfile.ZipFile(target) as archive:
        assert [(info.filename, info.file_size) for info in archive.infolist()] == [
            ("big/part-0.bin", size),
            ("big/part-1.bin", size),
        ]
        assert archive.testzip() is None  # every CRC checks out
