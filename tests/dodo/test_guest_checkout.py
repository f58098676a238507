"""Buying with only an email (issue 16, point 1), end to end through the emulator over HTTP.

A visitor who is not signed in types an email in the buy box: the checkout session is for
a Dodo customer with that email; the payment gives the order the account for the address
(made inactive, without a password, if there is none) and emails a single-use sign-in
link. Typing the email of an existing account never opens its library.
"""

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from catalogue.models import Order, OrderStatus
from dodo.models import DodoCustomer
from tests.accounts.helpers import link_from
from tests.dodo.purchase import event, post_webhook, sellable_product
from tests.factories import TEST_PASSWORD, CustomerFactory, ProductPageFactory, SellerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    def run(fn):
        with django_capture_on_commit_callbacks(execute=True):
            return fn()

    return run


def _buy_as_guest(client, product, email, **fields):
    # A client that enforces CSRF, as a browser without a token (the cached page has none).
    return client.post(reverse("dodo:checkout", args=(product.pk,)), {"email": email, **fields})


def _pay(client, commit, dodo_emulator, order):
    payment = dodo_emulator.pay(order.dodo_checkout_session_id)["payment"]
    assert commit(lambda: post_webhook(client, event("payment.succeeded", payment))).status_code == 200
    order.refresh_from_db()
    return payment


def _messages(response):
    return [str(m) for m in response.wsgi_request._messages]


def _last_message(response):
    return _messages(response)[-1]


def test_a_new_address_buys_gets_a_sign_in_link_and_opens_its_library(site_tree, commit, dodo_settings, dodo_emulator):
    visitor = Client(enforce_csrf_checks=True)
    product = sellable_product(commit, price=Decimal("12.00"))
    requests_before = len(dodo_emulator.requests())

    response = _buy_as_guest(visitor, product, "  New.Buyer@Example.com ")

    order = Order.objects.get(product=product)
    assert order.customer is None and order.guest_email == "new.buyer@example.com"
    assert order.status == OrderStatus.PENDING
    assert response.status_code == 302 and response["Location"] == order.dodo_checkout_url
    assert not get_user_model().objects.filter(email="new.buyer@example.com").exists()  # nothing before payment
    [create] = [r for r in dodo_emulator.requests()[requests_before:] if r["path"] == "/checkouts"]
    assert create["json"]["customer"] == {"email": "new.buyer@example.com"}
    assert "user_id" not in create["json"]["metadata"]
    return_url = create["json"]["return_url"]

    payment = _pay(visitor, commit, dodo_emulator, order)

    assert payment["customer"]["email"] == "new.buyer@example.com"  # the emulator's customer, as Dodo reports it
    user = order.customer
    assert order.status == OrderStatus.PAID and user.email == "new.buyer@example.com"
    assert not user.is_active and not user.has_usable_password() and user.is_customer
    # Its Dodo customer is the one the checkout made: no second customer was created for it.
    assert DodoCustomer.objects.get(user=user).customer_id == payment["customer"]["customer_id"]
    assert not [r for r in dodo_emulator.requests()[requests_before:] if r["path"] == "/customers"]
    # A receipt and the sign-in link, both to the address; no activation email.
    assert len([m for m in mail.outbox if m.to == ["new.buyer@example.com"]]) == 2
    link_emails = [m for m in mail.outbox if "/accounts/sign-in/" in m.body]
    assert [m.to for m in link_emails] == [["new.buyer@example.com"]]
    assert not [m for m in mail.outbox if "/accounts/activate/" in m.body]
    assert any(product.title in m.subject or product.title in m.body for m in mail.outbox if m not in link_emails)

    # Back from Dodo: the page says where the link went, and gives no download.
    page = visitor.get(urlsplit(return_url).path + "?" + urlsplit(return_url).query)
    assert page.status_code == 200
    assert b"new.buyer@example.com" in page.content and b"Check your inbox" in page.content
    assert reverse("portal:download", args=(order.pk,)).encode() not in page.content
    assert visitor.get(reverse("portal:products"))["Location"].startswith(reverse("accounts:login"))

    # The link: GET asks to confirm (mail scanners), POST signs in, activates, lands on the library.
    link = link_from(link_emails[0], "/accounts/sign-in/")
    assert visitor.get(link).status_code == 200
    assert visitor.get(reverse("portal:products")).status_code == 302  # a GET signs nobody in
    confirm = Client()  # the confirmation page carries a token; a fresh client posts it
    landing = confirm.post(link, follow=True)
    assert landing.redirect_chain[-1][0] == reverse("portal:products")
    assert product.title.encode() in landing.content and b"Set a password" in landing.content
    user.refresh_from_db()
    assert user.is_active
    assert confirm.get(reverse("portal:download", args=(order.pk,))).status_code == 200
    # Single use: the same link now refuses, in any browser.
    assert Client().post(link).status_code == 400

    # Setting a password is offered, not required; once set, sign-in works with it.
    set_password = confirm.post(
        reverse("accounts:password_set"), {"new_password1": "a-new-Passw0rd!", "new_password2": "a-new-Passw0rd!"}
    )
    assert set_password.status_code == 302
    assert confirm.get(reverse("portal:products")).status_code == 200  # still signed in
    signed_in = Client().post(
        reverse("accounts:login"), {"username": "new.buyer@example.com", "password": "a-new-Passw0rd!"}
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == reverse("portal:home")


def test_typing_an_existing_accounts_email_never_opens_its_library(site_tree, commit, dodo_settings, dodo_emulator):
    owner = commit(lambda: CustomerFactory(email="owner@example.com"))
    already = sellable_product(commit)
    Order.objects.create(
        customer=owner, product=already, seller=already.seller, amount=Decimal("5"), currency="USD",
        status=OrderStatus.PAID,
    )  # fmt: skip
    product = sellable_product(commit, price=Decimal("9.00"))
    stranger = Client(enforce_csrf_checks=True)

    response = _buy_as_guest(stranger, product, "OWNER@example.com")
    order = Order.objects.get(product=product)
    assert order.customer is None and response.status_code == 302
    # Nothing in the answer tells that the address has an account.
    assert response["Location"] == order.dodo_checkout_url
    payment = _pay(stranger, commit, dodo_emulator, order)

    # The purchase joins the owner's account (nothing new is made); the stranger is not signed in.
    assert order.status == OrderStatus.PAID and order.customer == owner
    assert get_user_model().objects.filter(email__iexact="owner@example.com").count() == 1
    owner.refresh_from_db()
    assert owner.is_active and owner.check_password(TEST_PASSWORD)
    for path in (reverse("portal:products"), reverse("portal:download", args=(order.pk,))):
        assert stranger.get(path)["Location"].startswith(reverse("accounts:login"))
    # Dodo's return link (signed for this order) only says where the link went.
    [create] = [r for r in dodo_emulator.requests() if r["path"] == "/checkouts"]
    back = urlsplit(create["json"]["return_url"])
    page = stranger.get(f"{back.path}?{back.query}")
    assert b"Check your inbox" in page.content
    assert reverse("portal:download", args=(order.pk,)).encode() not in page.content
    # Without its signature, the return page is the signed-in customer's: sign in first.
    page = stranger.get(reverse("dodo:checkout_return"), {"order": order.pk})
    assert page.status_code == 302 and page["Location"].startswith(reverse("accounts:login"))
    forged = stranger.get(reverse("dodo:checkout_return"), {"order": order.pk, "guest": "1:forged"})
    assert forged.status_code == 302 and forged["Location"].startswith(reverse("accounts:login"))
    # Only the owner's inbox gets the way in.
    [link_email] = [m for m in mail.outbox if "/accounts/sign-in/" in m.body]
    assert link_email.to == ["owner@example.com"]
    assert already.title.encode() not in stranger.get(reverse("portal:products")).content
    assert payment["customer"]["email"].lower() == "owner@example.com"

    # Buying what the account already owns, by its email: granted (it was paid), flagged to refund.
    _buy_as_guest(stranger, already, "owner@example.com")
    again = Order.objects.get(product=already, guest_email="owner@example.com")
    _pay(stranger, commit, dodo_emulator, again)
    assert again.status == OrderStatus.PAID and again.customer == owner
    assert again.needs_review and "owns it" in again.review_note


def test_bad_input_and_too_many_attempts_come_back_with_what_was_typed(
    site_tree, commit, dodo_settings, dodo_emulator, settings
):
    settings.GUEST_CHECKOUTS_PER_HOUR_PER_EMAIL = 2
    settings.GUEST_CHECKOUTS_PER_HOUR_PER_IP = 3
    visitor = Client(enforce_csrf_checks=True)
    product = sellable_product(commit, pay_what_you_want=True, price=Decimal("5.00"))

    # Not an email: back to the buy box with the message, the field marked, input kept.
    response = _buy_as_guest(visitor, product, "not-an-email", amount="7.50")
    assert response.status_code == 302
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query == {"email": ["not-an-email"], "amount": ["7.50"], "email_error": ["invalid"]}
    page = visitor.get(response["Location"])
    assert b'value="not-an-email"' in page.content and b'value="7.50"' in page.content
    assert b"Enter a valid email address" in page.content and b'aria-invalid="true"' in page.content
    empty = _buy_as_guest(visitor, product, " ", amount="7.50")
    assert b"Enter your email address" in visitor.get(empty["Location"]).content
    # Below the minimum: the amount is refused, the email kept.
    response = _buy_as_guest(visitor, product, "pwyw@example.com", amount="1")
    assert parse_qs(urlsplit(response["Location"]).query)["email"] == ["pwyw@example.com"]
    assert not Order.objects.exists()

    # A pay-what-you-want amount is carried to Dodo for a guest as for a customer.
    response = _buy_as_guest(visitor, product, "pwyw@example.com", amount="7.50")
    order = Order.objects.get(guest_email="pwyw@example.com")
    assert order.amount == Decimal("7.50") and response["Location"] == order.dodo_checkout_url
    [create] = [r for r in dodo_emulator.requests() if r["path"] == "/checkouts"]
    assert create["json"]["product_cart"][0]["amount"] == 750

    # Per email: the third attempt for the address in the hour is refused, nothing made.
    _buy_as_guest(visitor, product, "pwyw@example.com", amount="7.50")
    refused = _buy_as_guest(visitor, product, "PWYW@example.com", amount="7.50")
    assert "Too many purchases" in _last_message(refused)
    assert parse_qs(urlsplit(refused["Location"]).query)["email"] == ["PWYW@example.com"]
    # Per address: the limit counts every email from one IP (three attempts above, with a valid email).
    refused = _buy_as_guest(visitor, product, "someone.else@example.com", amount="7.50")
    assert "Too many purchases" in _last_message(refused)
    other_ip = Client(REMOTE_ADDR="203.0.113.9").post(
        reverse("dodo:checkout", args=(product.pk,)), {"email": "someone.else@example.com", "amount": "7.50"}
    )
    assert other_ip["Location"].startswith(dodo_emulator.base_url)
    assert Order.objects.count() == 2
    assert len([r for r in dodo_emulator.requests() if r["path"] == "/checkouts"]) == 2


def test_free_products_stay_sign_in_only_and_signed_in_buyers_keep_their_flow(
    client, site_tree, commit, dodo_settings, dodo_emulator
):
    free = commit(lambda: ProductPageFactory(seller=SellerFactory(), price=Decimal("0")))
    response = _buy_as_guest(client, free, "free@example.com")
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not Order.objects.exists()
    # The anonymous buy box: an email field, no CSRF token (the page is cached for everyone).
    product = sellable_product(commit)
    page = Client().get(product.url)
    assert b'name="email"' in page.content and b"csrfmiddlewaretoken" not in page.content
    assert not page.cookies and "public" in page["Cache-Control"]
    # A signed-in customer's POST is still theirs, and still CSRF-checked (an email is ignored).
    buyer = commit(lambda: CustomerFactory())
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(buyer)
    assert _buy_as_guest(strict, product, "someone@example.com").status_code == 403
    client.force_login(buyer)
    assert _buy_as_guest(client, product, "someone@example.com").status_code == 302
    order = Order.objects.get(product=product)
    assert order.customer == buyer and order.guest_email == ""
