"""Sales attribution by short link: the session key that remembers which code led where.

Following a seller's short link (``seller_portal.services.follow_short_link``) stores
``{str(product id): code}`` under this key in the visitor's session; checkout
(``dodo/views.py``) reads it and keeps the code on the order (``Order.referral_code``).
Both import the key from here, the domain, which is the one layer both may import.
"""

REFERRALS_SESSION_KEY = "short_link_referrals"
