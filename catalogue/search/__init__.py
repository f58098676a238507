"""The storefront search: an inverted index of our own, ranked by its btree order.

A search page reads a page's worth of index rows whatever the catalogue's size, on
SQLite and PostgreSQL alike. Wagtail's search backend stays for the admin's search.

- ``text.py``: normalising, tokenizing, stop words and Snowball English stems, shared by
  indexing and querying ("templates" and "template" are one stem).
- ``models.py``: ``ProductSearchTerm`` (stem, product, category, weight: one row per stem
  of a live product) and ``SearchWord`` (the vocabulary, with each stem's product count);
  models of the catalogue app, imported by ``catalogue/models/__init__.py``.
- ``indexing.py``: a product's rows from its title, summary, body, category and seller
  names; replacing them on every change, the vocabulary counts moved with them;
  ``rebuild_index`` for ``manage.py rebuild_search``.
- ``signal_handlers.py``: the receivers that index on save, unpublish and delete (connected
  in ``catalogue.signal_handlers.connections``); renames go through the
  ``catalogue.tasks.reindex_products`` task.
- ``query.py``: a search's results, page by page, its total and a "did you mean"
  suggestion, for ``catalogue.services.browse_catalogue``.

This module imports nothing, so importing the models never pulls in the rest.
"""
