"""Support tickets: a customer asks a product's seller a question, the seller answers.

Everything about tickets lives in this package; the two portals only wire it in.

- ``models.py``: ``SupportTicket``, ``TicketMessage`` and their choices (still models of
  the ``catalogue`` app, imported by ``catalogue/models/__init__.py``: same tables).
- ``services.py``: the rules for opening, replying, closing, reopening, and the counts.
- ``signals.py``: ``ticket_opened``, ``ticket_replied``; ``signal_handlers.py`` turns them
  (and staff assignment) into ``tasks.py`` emails; wired in ``CatalogueConfig.ready()``.
- ``forms.py`` and ``views.py``: the pages, written once and parameterised by the side of
  the conversation (``MessageRole``). ``accounts/portal_views.py`` and
  ``seller_portal/views.py`` add their role guard; their ``urls.py`` route them.
- ``template_tags.py``: the navigation counts, loaded as ``{% load ticket_tags %}``.
- ``demo.py``: the conversations ``seed_demo`` creates.

Templates: ``templates/catalogue/support/``; emails: ``templates/catalogue/emails/ticket_*``.
Editors' admin (the snippet viewset) is in ``catalogue/wagtail_hooks.py``, with the rest
of the catalogue's admin wiring.

This module imports nothing, so importing the models from ``catalogue.models`` never
pulls in views or forms.
"""
