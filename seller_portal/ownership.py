"""Which rows belong to a seller: the one owner filter of the seller portal.

Every lookup of a product, category or short link in the portal starts from
:func:`owned_by`, so another seller's id is simply not found (404), never "forbidden":
the portal does not even confirm that the object exists. (Orders are scoped by
``Order.objects.for_seller``, the catalogue's own helper.)
"""

from catalogue.models import ProductCategory, ProductPage

from .models import ShortLink

# Which field names the owner, per model the portal shows or edits.
OWNER_FIELDS = {
    ProductPage: "seller",
    ProductCategory: "owner",
    ShortLink: "seller",
}


def owned_by(user, model):
    """The rows of ``model`` that belong to ``user``."""
    return model._default_manager.filter(**{OWNER_FIELDS[model]: user})
