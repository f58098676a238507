"""The Brightshelf benchmark (``make bench``): a tooling folder, not a Django app.

It builds its own data at 1k, 10k and 100k products and orders, serves the site with
gunicorn on production settings beside a bare Django view, loads both with wrk, counts
SQL per page, ingests signed webhooks and saves a product while Dodo hangs, then prints
one table and writes it to ``bench/results/``. ``bench/run.py`` is the order of events.
"""
