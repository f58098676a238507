"""Page links in rich text lead only to live pages.

Rich text stores a link to a page by id (``<a linktype="page" id="12">``) and Wagtail
writes the page's URL in when it renders. Wagtail's own handler does that for any page,
drafts included, so a seller who typed another seller's draft id into a description
would read that draft's address on their own product page. Two guards close that:

* :class:`LivePageLinkHandler` (registered in ``wagtail_hooks.py``) renders links to
  live pages only, so every stored body is safe, whoever wrote it and whenever;
* :func:`drop_unpublished_page_links` unwraps the others when a seller saves a
  description, so what the seller portal stores is already clean.
"""

import re

from wagtail.models import Page
from wagtail.rich_text.pages import PageLinkHandler
from wagtail.rich_text.rewriters import extract_attrs

# A whole link in sanitised HTML: nh3 never nests links and escapes ">" inside attribute
# values, so the first "</a>" closes the link and "[^>]*" spans its attributes.
SANITISED_LINK = re.compile(r"<a(\b[^>]*)>(.*?)</a>", re.DOTALL)


class LivePageLinkHandler(PageLinkHandler):
    """Wagtail's page link handler for live pages only.

    A link to a draft, or to a page that does not exist, renders as a bare ``<a>``: its
    text stays, no address is given (Wagtail already does this for a missing page). Still
    one batch of queries for all the page links of a text, however many there are.
    """

    @classmethod
    def get_many(cls, attrs_list):
        return [page if page is not None and page.live else None for page in super().get_many(attrs_list)]


def drop_unpublished_page_links(html):
    """Unwrap, keeping their text, the page links in ``html`` whose page is not live.

    ``html`` must have been through :func:`catalogue.sanitize.sanitize_rich_text`; links
    to live pages and all other links are left as they are. One query, however many links.
    """
    links = [(match, extract_attrs(match[1])) for match in SANITISED_LINK.finditer(html or "")]
    page_ids = {attrs.get("id", "") for _, attrs in links if attrs.get("linktype") == "page"}
    if not page_ids:
        return html
    numeric_ids = [page_id for page_id in page_ids if page_id.isdigit()]
    live_ids = {str(pk) for pk in Page.objects.live().filter(pk__in=numeric_ids).values_list("pk", flat=True)}

    def keep_or_unwrap(match):
        attrs = extract_attrs(match[1])
        if attrs.get("linktype") == "page" and attrs.get("id") not in live_ids:
            return match[2]
        return match[0]

    return SANITISED_LINK.sub(keep_or_unwrap, html)
