"""``{% load ticket_tags %}``: the support package's tags (``catalogue/support/template_tags.py``).

The tags live with the rest of support; Django discovers libraries only in an app's
``templatetags`` package, so this module gives them their name, next to ``order_tags``.
"""

from catalogue.support.template_tags import register  # noqa: F401  (Django reads ``register``)
