"""Sign-up by role; the activation email goes out from a post_save receiver after commit.

An address that already has an account gets the same answer; its owner is emailed instead."""

import logging

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_tasks import TaskResultStatus

from accounts import services
from accounts.signal_handlers import send_activation_email_to_new_user
from accounts.tasks import send_activation_email
from tests.accounts.helpers import (
    SIGNUP_PASSWORD,
    comparable,
    field_errors,
    link_from,
    run_accounts_callbacks,
    signup_data,
)
from tests.factories import TEST_PASSWORD, UserFactory

User = get_user_model()
pytestmark = pytest.mark.django_db


def test_signup_page_offers_both_roles_and_preselects_seller(client):
    response = client.get("/accounts/register/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="customer"' in html and 'value="seller"' in html
    assert 'class="card auth-card' in html
    assert response.context["form"]["role"].value() == "customer"

    response = client.get("/accounts/register/?role=seller")
    assert response.context["form"]["role"].value() == "seller"
    assert 'value="seller" id="id_role_1" required checked' in response.content.decode()


def test_customer_signup_creates_an_inactive_customer_and_emails_after_commit(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post("/accounts/register/", signup_data(email=" Ada@Example.com "))
        # Nothing is sent inside the request's transaction.
        assert mail.outbox == []
    assert response.status_code == 302
    assert response["Location"] == "/accounts/register/done/"
    user = User.objects.get(email="ada@example.com")
    assert (user.is_active, user.is_customer, user.is_seller, user.is_staff) == (False, True, False, False)
    assert user.first_name == "Ada" and user.check_password(SIGNUP_PASSWORD)

    # With a worker (or before commit) the page cannot know yet; it says so honestly.
    done = client.get("/accounts/register/done/").content.decode()
    assert "sending an activation link to <strong>ada@example.com</strong>" in done

    assert run_accounts_callbacks(callbacks) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.com"]
    assert message.subject == "Activate your Brightshelf account"
    assert link_from(message, "/accounts/activate/").startswith("/accounts/activate/")
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "http://testserver/accounts/activate/" in html
    assert "Activate my account" in html


def test_seller_signup_sets_both_roles(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        client.post("/accounts/register/", signup_data(role="seller"))
    run_accounts_callbacks(callbacks)
    user = User.objects.get(email="ada@example.com")
    assert (user.is_active, user.is_customer, user.is_seller) == (False, True, True)
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("role", "portal", "flags"),
    [("customer", "/account/", (True, False)), ("seller", "/seller/", (True, True))],
)
def test_signup_activate_login_flow(client, role, portal, flags):
    """The real path: the receiver's on-commit task sends the email during the request."""
    response = client.post("/accounts/register/", signup_data(role=role), follow=True)
    assert response.redirect_chain == [("/accounts/register/done/", 302)]
    assert "sent an activation link to" in response.content.decode()
    assert "ada@example.com" in response.content.decode()
    assert len(mail.outbox) == 1

    # Not yet active: the login form refuses, with the generic message.
    response = client.post("/accounts/login/", {"username": "ada@example.com", "password": SIGNUP_PASSWORD})
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated

    response = client.get(link_from(mail.outbox[0], "/accounts/activate/"))
    assert response.status_code == 302
    assert response["Location"] == portal
    user = User.objects.get(email="ada@example.com")
    assert user.is_active and (user.is_customer, user.is_seller) == flags
    assert int(client.session["_auth_user_id"]) == user.pk
    assert client.get(portal).status_code == 200

    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session
    response = client.post("/accounts/login/", {"username": "ADA@example.com", "password": SIGNUP_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == portal
    assert client.get(portal).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_signup_succeeds_when_the_email_backend_raises(client, broken_email, caplog):
    caplog.set_level(logging.WARNING, logger="accounts")
    response = client.post("/accounts/register/", signup_data(), follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "couldn&#x27;t send the email" in html or "couldn't send the email" in html
    assert "/accounts/activation/resend/" in html
    user = User.objects.get(email="ada@example.com")
    assert not user.is_active
    assert f"User #{user.pk}: activation email failed: Connection unexpectedly closed" in caplog.text
    assert mail.outbox == []


def test_activation_task_reports_a_failed_send(broken_email, caplog):
    user = UserFactory(is_active=False)
    result = send_activation_email.enqueue(user.pk)
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class_path == "catalogue.emails.EmailNotSent"
    assert f"User #{user.pk}: activation email failed" in caplog.text


def test_activation_task_skips_active_and_missing_users():
    assert send_activation_email.enqueue(UserFactory(is_active=True).pk).return_value is False
    assert send_activation_email.enqueue(987654).return_value is False
    assert mail.outbox == []


def test_no_activation_email_for_active_users_updates_or_raw_saves(django_capture_on_commit_callbacks):
    inactive = UserFactory(is_active=False)
    with django_capture_on_commit_callbacks() as callbacks:
        UserFactory(is_active=True)  # editors, createsuperuser, factories
        inactive.first_name = "Changed"
        inactive.save()  # an update, not a creation
        send_activation_email_to_new_user(User, UserFactory.build(is_active=False), created=True, raw=True)
    assert run_accounts_callbacks(callbacks) == 0


def test_a_rolled_back_signup_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            UserFactory(is_active=False)
            raise RuntimeError("rolled back")
    # The callback was discarded with its savepoint.
    assert run_accounts_callbacks(callbacks) == 0
    assert mail.outbox == []


# AN ADDRESS THAT ALREADY HAS AN ACCOUNT
# The answer is a new sign-up's, byte for byte, so the form cannot reveal who has an
# account; the owner is emailed instead, and nothing is created or changed.


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("owner_is_active", [True, False], ids=["active", "awaiting-activation"])
def test_an_existing_address_gets_exactly_the_answer_of_a_new_one(client, owner_is_active):
    owner = UserFactory(email="ada@example.com", first_name="Augusta", is_active=owner_is_active)
    mail.outbox.clear()  # a factory-made inactive account got its own activation email
    taken = client.post("/accounts/register/", signup_data(email=" ADA@Example.com "), follow=True)
    assert User.objects.filter(email__iexact="ada@example.com").count() == 1
    owner.refresh_from_db()
    assert owner.first_name == "Augusta" and owner.check_password(TEST_PASSWORD)
    assert owner.is_active is owner_is_active
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]

    owner.delete()
    new = Client().post("/accounts/register/", signup_data(email=" ADA@Example.com "), follow=True)
    assert User.objects.get(email="ada@example.com").first_name == "Ada"
    assert (new.status_code, new.redirect_chain) == (taken.status_code, taken.redirect_chain)
    assert taken.redirect_chain == [("/accounts/register/done/", 302)]
    assert comparable(taken) == comparable(new)
    assert "sent an activation link to <strong>ada@example.com</strong>" in comparable(taken)


def test_the_owner_of_an_active_account_gets_one_notice_an_hour(client, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://shop.example"
    owner = UserFactory(email="ada@example.com", first_name="Augusta", is_active=True)
    for _ in range(2):  # within the hour
        with django_capture_on_commit_callbacks() as callbacks:
            response = client.post("/accounts/register/", signup_data(email="Ada@example.com"))
            assert len(mail.outbox) <= 1  # nothing is sent inside the request's transaction
        assert response["Location"] == "/accounts/register/done/"
        assert run_accounts_callbacks(callbacks) == 1
        assert len(mail.outbox) == 1
    assert User.objects.count() == 1

    message = mail.outbox[0]
    assert message.to == ["ada@example.com"]
    assert message.subject == "Someone tried to sign up with your Brightshelf address"
    assert "Hi Augusta" in message.body and "nothing about yours has changed" in message.body
    assert "https://shop.example/accounts/login/" in message.body
    assert "https://shop.example/accounts/password/reset/" in message.body
    assert timezone.now().strftime("%Y") in message.body  # when it happened
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert 'href="https://shop.example/accounts/login/"' in html
    assert 'href="https://shop.example/accounts/password/reset/"' in html
    assert "testserver" not in message.body + html
    owner.refresh_from_db()
    assert owner.check_password(TEST_PASSWORD)


def test_an_account_awaiting_activation_gets_a_fresh_activation_link(client, django_capture_on_commit_callbacks):
    owner = UserFactory(email="ada@example.com", is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/register/", signup_data(email="ADA@example.com", role="seller"))
    assert response["Location"] == "/accounts/register/done/"
    assert User.objects.count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Activate your Brightshelf account"
    assert mail.outbox[0].to == ["ada@example.com"]

    client.get(link_from(mail.outbox[0], "/accounts/activate/"))
    owner.refresh_from_db()
    # The owner's account as it was (its password and role), now active.
    assert owner.is_active and not owner.is_seller and owner.check_password(TEST_PASSWORD)


def test_an_existing_address_with_a_weak_password_gets_the_password_error(client):
    UserFactory(email="ada@example.com")
    response = client.post("/accounts/register/", signup_data(password1="password", password2="password"))
    assert response.status_code == 200
    assert field_errors(response, "password1")
    assert not field_errors(response, "email")
    assert 'value="ada@example.com"' in response.content.decode()
    assert User.objects.count() == 1
    assert mail.outbox == []


def test_a_race_on_the_same_email_is_answered_like_a_sign_up(client, monkeypatch, django_capture_on_commit_callbacks):
    # The address is taken between the look-up and the insert: the unique index decides.
    UserFactory(email="ada@example.com", is_active=True)
    monkeypatch.setattr(services, "email_in_use", lambda email, exclude_user=None: False)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/register/", signup_data())
    assert response["Location"] == "/accounts/register/done/"
    assert User.objects.count() == 1
    assert [m.subject for m in mail.outbox] == ["Someone tried to sign up with your Brightshelf address"]


@pytest.mark.parametrize("password", ["password", "12345678", "ada@example.com", "short"])
def test_weak_password_is_explained_next_to_the_password(client, password):
    response = client.post("/accounts/register/", signup_data(password1=password, password2=password))
    assert response.status_code == 200
    assert field_errors(response, "password1")
    assert 'id="id_password1_error"' in response.content.decode()
    assert 'value="Ada"' in response.content.decode()
    assert not User.objects.exists()


def test_mismatched_passwords(client):
    response = client.post("/accounts/register/", signup_data(password2="Tulip-Harbour-4822"))
    assert "didn’t match" in field_errors(response, "password2")
    assert SIGNUP_PASSWORD not in response.content.decode()
    assert not User.objects.exists()


def test_missing_name_and_bad_email(client):
    response = client.post("/accounts/register/", signup_data(first_name="", email="not-an-email"))
    assert field_errors(response, "first_name")
    assert field_errors(response, "email")


def test_forged_fields_on_signup_are_ignored(client, django_capture_on_commit_callbacks):
    data = signup_data(is_staff="on", is_superuser="on", is_active="on", role="customer", is_seller="on")
    with django_capture_on_commit_callbacks() as callbacks:
        client.post("/accounts/register/", data)
    assert run_accounts_callbacks(callbacks) == 1
    user = User.objects.get(email="ada@example.com")
    assert (user.is_active, user.is_staff, user.is_superuser, user.is_seller) == (False, False, False, False)


def test_an_invalid_role_is_refused(client):
    response = client.post("/accounts/register/", signup_data(role="admin"))
    assert field_errors(response, "role")
    assert not User.objects.exists()


def test_signed_in_people_are_sent_to_their_portal(client, seller):
    client.force_login(seller)
    response = client.get("/accounts/register/")
    assert response.status_code == 302 and response["Location"] == "/seller/"


def test_done_page_without_a_signup_still_explains(client):
    response = client.get("/accounts/register/done/")
    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()


def test_login_after_activation_uses_the_factory_password(client):
    # Sanity check for the factories the other tests rely on.
    user = UserFactory(is_customer=True)
    response = client.post("/accounts/login/", {"username": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
