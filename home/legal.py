"""The legal pages (terms, privacy, refunds): their links, their current version, and the
starter pages a new shop is given.

Every page links to them (the footer), so their addresses are fixed by kind
(``LegalPage.SLUGS``) and :func:`legal_links` needs no query: a page view costs nothing
more, cached or not. The version someone accepts is read from the database at that
moment (:func:`current_version`).
"""

from django.conf import settings
from django.db import transaction

from .models import LegalPage, legal_version

# Recorded when someone accepts the terms while no terms page is published (a database
# that never ran ``bootstrap_site``): the acceptance is still kept, and says so.
NO_PUBLISHED_VERSION = "unpublished"


def legal_url(kind):
    """The address of the ``kind`` legal page, e.g. ``/terms/``."""
    return f"/{LegalPage.SLUGS[kind]}/"


def legal_links():
    """``{kind: {"title": ..., "url": ...}}`` for the footer, the buy box and sign-up."""
    return {kind: {"title": label, "url": legal_url(kind)} for kind, label in LegalPage.Kind.choices}


def current_version(kind=LegalPage.Kind.TERMS):
    """The version of the ``kind`` page as published right now (one query), or
    ``NO_PUBLISHED_VERSION`` when there is none live."""
    row = LegalPage.objects.live().filter(kind=kind).values("last_published_at", "live_revision_id").first()
    version = legal_version(row["last_published_at"], row["live_revision_id"]) if row else ""
    return version or NO_PUBLISHED_VERSION


def current_terms_version():
    """What sign-up and "open a shop" record as accepted (``accounts.TermsAcceptance``)."""
    return current_version(LegalPage.Kind.TERMS)


@transaction.atomic
def ensure_legal_pages(home):
    """Publish a starter page of each kind missing under ``home``; returns how many were made.

    Idempotent: a kind that has a page (live or not, edited or not) is left alone, so an
    editor's text is never overwritten by a deploy. The texts name the marketplace by
    ``MARKETPLACE_NAME``.
    """
    name = settings.MARKETPLACE_NAME
    existing = set(LegalPage.objects.values_list("kind", flat=True))
    made = 0
    for kind, title, summary, body in STARTER_PAGES:
        if kind in existing:
            continue
        home.refresh_from_db()  # add_child() needs the parent's current numchild
        page = LegalPage(
            title=title, kind=kind, summary=summary.replace("Brightshelf", name), body=body.replace("Brightshelf", name)
        )
        home.add_child(instance=page)
        page.save_revision().publish()
        made += 1
    return made


# The starter texts: a sensible first draft for editors to adapt, consistent with how the
# shop works (Dodo Payments as merchant of record, catalogue.refunds.REFUND_WINDOW of 30
# days, what accounts and orders store). Links between them are their fixed paths.
STARTER_PAGES = [
    (
        LegalPage.Kind.TERMS,
        "Terms of service",
        "The agreement between you and Brightshelf when you buy, download or sell digital products here.",
        """
<h2>What Brightshelf is</h2>
<p>Brightshelf is a marketplace where independent makers sell digital products: e-books, templates,
audio, courses and other files you download. Each product is made and described by its seller;
Brightshelf runs the shop, delivers the files and handles support between buyers and sellers.</p>
<h2>Payments: Dodo Payments is the merchant of record</h2>
<p>Every payment is taken by <b>Dodo Payments</b>, our merchant of record. Dodo sells the product to
you on the seller's behalf, charges any VAT or sales tax due in your country, and issues your
receipt; its name may appear on your card statement. Brightshelf never sees or stores your card
details.</p>
<h2>Your account</h2>
<p>You need an account to buy, and it is yours alone: keep your password to yourself and tell us if
you think someone else has used it. You must be old enough to make a binding contract where you
live. We may close accounts used for fraud, abuse or to break these terms.</p>
<h2>What you get when you buy</h2>
<ul>
<li>A personal, non-transferable licence to download and use the product for yourself, unless the
product page says otherwise (for example a commercial licence or a licence key).</li>
<li>Access from <i>My products</i> for as long as the product and your account exist; keep a copy of
what you download.</li>
<li>No right to resell, share or publish the files themselves.</li>
</ul>
<h2>Refunds</h2>
<p>You can ask for a refund within 30 days of paying; see the <a href="/refunds/">refund policy</a>.
A full refund ends your access to the download.</p>
<h2>Selling on Brightshelf</h2>
<p>These terms apply to sellers too, together with the following. When you sign up as a seller or
open a shop from your account, you accept them.</p>
<ul>
<li>You sell only work you made or have the right to sell, and your product pages describe it
honestly.</li>
<li>Brightshelf takes a marketplace fee from each sale, net of tax, shown in your seller portal;
the rest is your earnings.</li>
<li>Earnings stay pending for 30 days after a sale, the period in which a buyer may be refunded,
before they can be paid out to you.</li>
<li>You answer your buyers' support questions and refund requests in reasonable time.</li>
<li>We may unpublish a product that breaks these terms or the law, and tell you why.</li>
</ul>
<h2>Changes</h2>
<p>We publish any change to these terms on this page, with its date. The version you accepted is
recorded with your account; if a change matters to you, we will ask you to accept it again.</p>
""",
    ),
    (
        LegalPage.Kind.PRIVACY,
        "Privacy policy",
        "What we keep about you, why, and for how long.",
        """
<h2>What we keep</h2>
<ul>
<li><b>Your account</b>: your name, email address and password (stored only as a one-way hash),
whether you buy or sell, and which version of the terms you accepted and when.</li>
<li><b>Your orders</b>: what you bought, the price, the currency and amount you paid, the tax, your
billing country (for tax), and the payment's reference at Dodo Payments.</li>
<li><b>Downloads</b>: when your purchases were downloaded, so a download limit can be kept and
abuse noticed.</li>
<li><b>Support</b>: the messages and attachments you exchange with sellers and with us.</li>
<li><b>Sellers</b>: your products and their files, your sales and earnings, and your payout
details, which are stored encrypted.</li>
</ul>
<h2>What we do not keep</h2>
<p>Card and bank details you give at checkout go to <b>Dodo Payments</b>, our merchant of record,
not to us; Dodo's own privacy policy covers them. We set no advertising or tracking cookies: only
the cookies that keep you signed in and protect forms.</p>
<h2>Who sees it</h2>
<ul>
<li>The seller of a product you buy sees your name, email address and the order, to support you.</li>
<li>Dodo Payments receives your name, email address and the order, to take the payment and
charge tax.</li>
<li>Our staff see what they need to run the shop and answer support.</li>
</ul>
<p>We never sell your data.</p>
<h2>Emails</h2>
<p>We email you about your account and your orders (activation, receipts, support replies,
password resets), and nothing else unless you ask.</p>
<h2>How long, and your rights</h2>
<p>We keep your account while it is open, and orders and invoices as long as tax law requires. You can
see and correct your details in your account, and ask us for a copy of your data or to delete your
account through support.</p>
""",
    ),
    (
        LegalPage.Kind.REFUNDS,
        "Refund policy",
        "You can ask for a refund within 30 days of paying for a product.",
        """
<h2>30 days to ask</h2>
<p>If a product is not what its page described, does not work, or you bought it by mistake, you
can ask for a refund within <b>30 days of paying</b>. After 30 days our payment provider, Dodo
Payments, can no longer refund the payment.</p>
<h2>How to ask</h2>
<ol>
<li>Open <i>Orders</i> in your account and choose <i>Ask for a refund</i> on the order.</li>
<li>Say briefly why. Your request goes to the seller, who can refund you in one step or reply to
you; our team can step in if you cannot agree.</li>
</ol>
<h2>What a refund does</h2>
<ul>
<li>The money goes back the way you paid, in the currency you paid in, tax included, through Dodo
Payments, our merchant of record. Your bank may take a few days to show it.</li>
<li>A refund can be for the whole price or part of it.</li>
<li>A full refund ends your access to the download.</li>
<li>Free products cost nothing, so there is nothing to refund.</li>
</ul>
""",
    ),
]
