"""Sign-in links (issue 16, point 1): the way into an account made by a purchase with
only an email. Single use, expiring (``SIGN_IN_LINK_MAX_AGE``), never for staff; a new
one can be asked for without telling who has an account."""

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts import guest
from accounts.tokens import activation_token_generator, sign_in_token_generator
from tests.accounts.helpers import field_errors, link_from
from tests.factories import CustomerFactory, StaffFactory

pytestmark = pytest.mark.django_db


def _link(user):
    return guest.sign_in_path(user)


def test_an_account_made_at_checkout_gets_no_activation_email_and_no_way_in_but_the_link(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        user, created = guest.account_for_guest_order("Guest@Example.com")
    assert created and user.email == "guest@example.com"
    assert not user.is_active and not user.has_usable_password() and user.is_customer
    assert mail.outbox == []  # no activation email: the order's sign-in link is its way in
    # The same address again (another purchase) finds the same account, ignoring case.
    assert guest.account_for_guest_order("GUEST@example.com") == (user, False)
    # An activation or reset token is no sign-in token, and the other way round.
    assert not sign_in_token_generator.check_token(user, activation_token_generator.make_token(user))


def test_a_link_works_once_expires_and_is_spent_by_a_new_password(settings):
    user = CustomerFactory(email="buyer@example.com")
    link = _link(user)
    other_link = _link(user)

    # Expired: the setting decides.
    settings.SIGN_IN_LINK_MAX_AGE = -1
    expired = Client().get(link)
    assert expired.status_code == 400 and b"Send me a new sign-in link" in expired.content
    settings.SIGN_IN_LINK_MAX_AGE = 3600

    # A tampered id is refused.
    foreign = link.replace(urlsafe_base64_encode(force_bytes(user.pk)), urlsafe_base64_encode(force_bytes(999)))
    assert Client().post(foreign).status_code == 400

    client = Client()
    assert client.post(link)["Location"] == reverse("portal:products")
    assert client.get(reverse("portal:products")).status_code == 200
    # Used: this link and every other one made before the sign-in are spent.
    assert Client().post(link).status_code == 400
    assert Client().post(other_link).status_code == 400

    # A password set since also spends a fresh link.
    fresh = _link(user)
    user.set_password("another-Passw0rd!")
    user.save()
    assert Client().get(fresh).status_code == 400


def test_staff_never_sign_in_by_link():
    staff = StaffFactory(is_customer=True)
    response = Client().post(_link(staff))
    assert response.status_code == 400
    assert "_auth_user_id" not in Client().session


def test_asking_for_a_new_link_answers_the_same_for_everyone_and_is_throttled(
    client, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(email="known@example.com")
    StaffFactory(email="staff@example.com", is_customer=True)
    url = reverse("accounts:sign_in_link_request")
    answers = []
    with django_capture_on_commit_callbacks(execute=True):
        for email in ("nobody@example.com", "staff@example.com", "KNOWN@example.com", "known@example.com"):
            with transaction.atomic():
                answers.append(client.post(url, {"email": email}, follow=True))
    assert {a.redirect_chain[-1][0] for a in answers} == {url}
    assert all(b"has purchases with us, we" in a.content for a in answers)
    # One email, to the customer: the second ask within the interval is throttled.
    [message] = mail.outbox
    assert message.to == ["known@example.com"] and "sign-in link" in message.subject.lower()
    # The link it carries signs the customer in.
    fresh = Client()
    fresh.post(link_from(message, "/accounts/sign-in/"))
    assert fresh.get(reverse("portal:products")).status_code == 200
    customer.refresh_from_db()
    assert customer.last_login is not None


def test_set_password_is_for_accounts_without_one(client):
    with_password = CustomerFactory()
    client.force_login(with_password)
    assert client.get(reverse("accounts:password_set"))["Location"] == reverse("accounts:password_change")
    without = CustomerFactory()
    without.set_unusable_password()
    without.save()
    client.force_login(without)
    page = client.get(reverse("accounts:password_set"))
    assert page.status_code == 200 and b"Set a password" in page.content
    mismatch = client.post(reverse("accounts:password_set"), {"new_password1": "a-Passw0rd!", "new_password2": "x"})
    assert mismatch.status_code == 200 and field_errors(mismatch, "new_password2")
    without.refresh_from_db()
    assert not without.has_usable_password()
    offer = reverse("accounts:password_set").encode()
    assert offer in client.get(reverse("portal:products")).content
    client.force_login(with_password)
    assert offer not in client.get(reverse("portal:products")).content
    Client().logout()
    assert Client().get(reverse("accounts:password_set"))["Location"].startswith(reverse("accounts:login"))
