"""Clean rich text that comes from outside the Wagtail editor.

Wagtail's editor only produces the elements its features allow, and ``|richtext`` trusts
what is stored. A seller portal form (or an import) can post any HTML, so it must be
cleaned before it is saved: :func:`sanitize_rich_text` keeps exactly what the product
body's rich-text features can produce and drops everything else (scripts, event handler
attributes, ``javascript:`` links, styles, iframes).
"""

import nh3

# The ProductPage body's features: h2, h3, bold, italic, link, ol, ul (plus paragraphs and
# line breaks, which every rich text has). Keep this in step with PRODUCT_BODY_FEATURES.
ALLOWED_TAGS = frozenset({"p", "br", "h2", "h3", "b", "strong", "i", "em", "a", "ol", "ul", "li"})
# ``linktype`` and ``id`` are Wagtail's stored form of a link to a page or document
# (``<a linktype="page" id="3">``): kept, so a body written in the Wagtail editor keeps its
# internal links when a seller edits it elsewhere. Only those two link types and numeric
# ids pass; whether the page is live is checked on save and on rendering (rich_text.py).
ALLOWED_ATTRIBUTES = {"a": frozenset({"href", "id"})}
ALLOWED_ATTRIBUTE_VALUES = {"a": {"linktype": frozenset({"page", "document"})}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Sellers' links leave the site: tell browsers and search engines so.
LINK_REL = "nofollow noopener noreferrer"


def sanitize_rich_text(html):
    """Return ``html`` with only the allowed elements, attributes and link schemes.

    Disallowed elements are removed but their text is kept (``<span>hi</span>`` -> ``hi``);
    ``<script>`` and ``<style>`` are removed with their content.
    """
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        tag_attribute_values={
            tag: {attr: set(values) for attr, values in attrs.items()}
            for tag, attrs in ALLOWED_ATTRIBUTE_VALUES.items()
        },
        attribute_filter=_numeric_link_ids,
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def _numeric_link_ids(tag, attribute, value):
    """Keep an ``id`` only as Wagtail's numeric page or document id."""
    if attribute == "id":
        return value if value.isdigit() else None
    return value
