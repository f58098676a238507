"""Count badges in both portals' navigation: one COUNT query each."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from catalogue.models import MessageRole, TicketStatus
from catalogue.support import services
from tests.factories import CustomerFactory, SupportTicketFactory

pytestmark = pytest.mark.django_db


def _render_nav(template, user):
    request = RequestFactory().get("/account/")
    request.user = user
    return render_to_string(template, {"user": user, "request": request})


def test_the_customer_nav_counts_tickets_that_are_not_closed(product, django_assert_num_queries):
    customer = CustomerFactory()
    SupportTicketFactory(customer=customer, product=product)
    answered = SupportTicketFactory(customer=customer, product=product)
    services.reply(answered, product.seller, MessageRole.SELLER, "Yes")
    SupportTicketFactory(customer=customer, product=product, status=TicketStatus.CLOSED)
    SupportTicketFactory(product=product)  # someone else's

    with django_assert_num_queries(1):
        html = _render_nav("accounts/portal/_nav.html", customer)
    assert '<span class="badge badge-brand nav-count" aria-hidden="true">2</span>' in html
    assert "(2 open tickets)" in html


def test_no_badge_without_open_tickets(site_tree):
    html = _render_nav("accounts/portal/_nav.html", CustomerFactory())
    assert "nav-count" not in html and ">Support</a>" in html


def test_the_seller_nav_counts_tickets_waiting_for_a_reply(product, django_assert_num_queries):
    SupportTicketFactory(product=product)
    answered = SupportTicketFactory(product=product)
    services.reply(answered, product.seller, MessageRole.SELLER, "Yes")

    with django_assert_num_queries(1):
        html = _render_nav("seller_portal/_nav.html", product.seller)
    assert '<span class="badge badge-brand nav-count" aria-hidden="true">1</span>' in html
    assert "(1 ticket waiting for your reply)" in html


def test_the_badge_shows_on_portal_pages(client, product):
    customer = CustomerFactory()
    SupportTicketFactory(customer=customer, product=product)
    client.force_login(customer)
    html = client.get("/account/").content.decode()
    assert 'href="/account/support/"' in html and "nav-count" in html
