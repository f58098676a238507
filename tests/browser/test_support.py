"""A customer asks a seller a question from the product page; the seller answers it.

Desktop (1280 px) for the customer, phone (390 px) for the seller, in a real Chromium
against the live server. Emails land in ``django.core.mail.outbox`` (same process).
"""

import re

import pytest
from django.core import mail

from catalogue.models import SupportTicket, TicketStatus
from tests.browser.helpers import login, save_screenshot
from tests.factories import TEST_PASSWORD, CustomerFactory, ProductPageFactory, SellerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _link_in(message, base):
    match = re.search(re.escape(base) + r"/\S+/support/\d+/", message.body)
    assert match, message.body
    return match.group(0)


def _fits(pg):
    return pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_customer_asks_and_the_seller_answers(browser_site, settings, page, mobile_page):
    base = browser_site.url
    settings.SITE_URL = base
    seller = SellerFactory(first_name="Maya", last_name="Okafor")
    product = ProductPageFactory(seller=seller, title="Minimal Pitch Deck Template")
    customer = CustomerFactory(first_name="Chloe", last_name="Martin")

    # The customer finds the question link beside the buy box and asks.
    login(page, base, customer.email, TEST_PASSWORD)
    page.wait_for_load_state()
    page.goto(base + product.url)
    page.get_by_role("link", name="Ask the seller a question").click()
    page.wait_for_url("**/account/support/new/?product=*")
    assert "Minimal Pitch Deck Template" in page.locator(".page-header").inner_text()
    save_screenshot(page, "support-new-1280")
    page.fill("input[name=subject]", "Does it open in Keynote?")
    page.fill("textarea[name=body]", "I present on a Mac.\nWill the template open in <Keynote>?")
    page.get_by_role("button", name="Send question").click()
    page.wait_for_url(re.compile(r".*/account/support/\d+/$"))
    ticket = SupportTicket.objects.get()
    assert "on its way to Maya Okafor" in page.locator(".messages").inner_text()
    assert page.locator(".thread-item.is-mine .bubble-body").inner_text() == (
        "I present on a Mac.\nWill the template open in <Keynote>?"
    )
    assert page.locator(".ticket-meta").inner_text().startswith("Waiting for seller")
    assert _fits(page)
    save_screenshot(page, "support-thread-customer-1280")

    # The seller is emailed a link to the thread and answers from a phone.
    assert [m.to for m in mail.outbox] == [[seller.email]]
    seller_link = _link_in(mail.outbox[0], base)
    assert seller_link == f"{base}/seller/support/{ticket.pk}/"
    login(mobile_page, base, seller.email, TEST_PASSWORD)
    mobile_page.wait_for_load_state()
    mobile_page.goto(base + "/seller/support/")
    assert mobile_page.locator("tr.is-unanswered").count() == 1
    assert _fits(mobile_page)
    save_screenshot(mobile_page, "support-inbox-390")
    mobile_page.goto(seller_link)
    assert "Needs reply" in mobile_page.locator(".ticket-meta").inner_text()
    mobile_page.fill("textarea[name=body]", "Yes! It opens in Keynote 12 and later.")
    mobile_page.get_by_role("button", name="Send answer").click()
    mobile_page.wait_for_url(re.compile(r".*/seller/support/\d+/#message-\d+$"))
    assert "Your answer was sent" in mobile_page.locator(".messages").inner_text()
    assert mobile_page.locator(".thread-item.is-mine .bubble-body").inner_text() == (
        "Yes! It opens in Keynote 12 and later."
    )
    assert _fits(mobile_page)
    # The new message is scrolled into view below the sticky header, not under it.
    top = mobile_page.locator(".thread-item.is-mine").evaluate("el => el.getBoundingClientRect().top")
    header = mobile_page.locator(".site-header").evaluate("el => el.getBoundingClientRect().bottom")
    assert top >= header
    mobile_page.evaluate("window.scrollTo(0, 0)")
    save_screenshot(mobile_page, "support-thread-seller-390")

    # The customer is emailed, reads the answer and closes the ticket.
    assert [m.to for m in mail.outbox[1:]] == [[customer.email]]
    customer_link = _link_in(mail.outbox[1], base)
    page.goto(customer_link)
    assert "Yes! It opens in Keynote 12" in page.locator(".thread-item.is-theirs").inner_text()
    assert page.locator(".ticket-meta").inner_text().startswith("Answered")
    page.get_by_role("button", name="Close ticket").click()
    page.wait_for_url(customer_link)
    assert "The ticket is closed." in page.locator(".messages").inner_text()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    page.goto(base + "/account/support/")
    assert "Closed" in page.locator("table.ticket-table").inner_text()
    save_screenshot(page, "support-list-1280")
    assert len(mail.outbox) == 2  # nobody else heard of it
