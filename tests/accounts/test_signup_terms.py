"""Sign-up asks to accept the terms and records the version accepted, with the account."""

import pytest
from django.contrib.auth import get_user_model

from accounts import services
from accounts.models import TermsAcceptance
from home.legal import current_terms_version, ensure_legal_pages
from home.models import LegalPage
from tests.accounts.helpers import field_errors, signup_data
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def legal_pages(home_page):
    ensure_legal_pages(home_page)


def test_sign_up_needs_the_terms_accepted(client, legal_pages):
    form = client.get("/accounts/register/").content.decode()
    assert 'name="accept_terms"' in form and 'href="/terms/" target="_blank"' in form

    data = signup_data()
    del data["accept_terms"]
    refused = client.post("/accounts/register/", data)
    assert refused.status_code == 200
    assert "accept the terms of service" in field_errors(refused, "accept_terms")
    assert 'value="ada@example.com"' in refused.content.decode()  # what was typed stays
    assert not User.objects.exists()


@pytest.mark.parametrize(("role", "documents"), [("customer", {"terms"}), ("seller", {"terms", "seller_terms"})])
def test_the_accepted_version_is_recorded_with_the_account(client, legal_pages, role, documents):
    version = current_terms_version()
    assert client.post("/accounts/register/", signup_data(role=role))["Location"] == "/accounts/register/done/"
    user = User.objects.get(email="ada@example.com")
    assert {(a.document, a.version) for a in user.terms_acceptances.all()} == {(d, version) for d in documents}

    # Editors publish new terms: the next person accepts those; the first keeps theirs.
    terms = LegalPage.objects.get(kind="terms")
    terms.body = "<p>New terms.</p>"
    terms.save_revision().publish()
    client.post("/accounts/register/", signup_data(email="bea@example.com"))
    newer = TermsAcceptance.objects.get(user__email="bea@example.com")
    assert newer.version == current_terms_version() != version
    assert set(user.terms_acceptances.values_list("version", flat=True)) == {version}


def test_an_address_that_has_an_account_records_nothing(client, legal_pages):
    UserFactory(email="ada@example.com")
    client.post("/accounts/register/", signup_data())
    assert not TermsAcceptance.objects.exists()


def test_no_account_without_its_acceptance(legal_pages, monkeypatch):
    """One transaction: if the acceptance cannot be written, the account is not kept either."""

    def fail(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "record_acceptance", fail)
    with pytest.raises(RuntimeError):
        services.register_user(email="ada@example.com", password="x-Tulip-4821", first_name="Ada", accepted_terms=True)
    assert not User.objects.exists()
