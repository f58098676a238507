"""``python -m bench`` (``make bench``): build, serve, load, count, report.

One run: a scratch database and folder, the Dodo emulator, migrations and collectstatic
with production settings; then for each scale (1k, 10k, 100k products and orders by
default) the data grows in bulk, SQL and CPU time per page are measured in this
process, gunicorn starts with two sync workers, and wrk loads each page between two
runs of the bare view. At the largest scale come signed webhook deliveries and a
product save while Dodo hangs. The table is printed and written, with the numbers
behind it, to ``bench/results/``.
"""

import argparse
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

from .load import LoadSettings, wrk_path
from .servers import PROJECT_ROOT, Gunicorn, ScratchDatabase

DEFAULT_OUTPUT = PROJECT_ROOT / "bench" / "results" / "latest.json"


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scales",
        default="1000,10000,100000",
        help="products (and as many orders) at each step, ascending (default 1000,10000,100000)",
    )
    parser.add_argument(
        "--duration",
        type=int,
        default=8,
        help="seconds of each page's wrk run; the bare view gets two halves (default 8)",
    )
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--webhooks", type=int, default=1000, help="webhook deliveries, 10%% duplicates (default 1000)")
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead of a PostgreSQL database")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument(
        "--keep-db", action="store_true", help="keep the scratch database afterwards, to look at with psql"
    )
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="where the JSON goes (the .md beside it)")
    parser.add_argument(
        "--table-only", action="store_true", help="measure nothing: print the table of the --output JSON again"
    )
    args = parser.parse_args(argv)
    args.scales = [int(part) for part in args.scales.split(",")]
    if args.scales != sorted(args.scales):
        parser.error("--scales must ascend: each step adds to the one before")
    return args


def environment(database_url, scratch, emulator):
    """The production settings' variables, pointed at this run's scratch resources."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "SITE_URL": "https://127.0.0.1",
        "EMAIL_URL": "consolemail://",
        "DODO_PAYMENTS_API_KEY": emulator.api_key,
        "DODO_PAYMENTS_WEBHOOK_KEY": emulator.webhook_secret,
        "DODO_PAYMENTS_BASE_URL": emulator.base_url,
        "DODO_PAYMENTS_ENVIRONMENT": "test_mode",
        # gunicorn speaks plain HTTP here. The measured requests still say "https" in
        # X-Forwarded-Proto, as production's TLS proxy does, so they are secure requests.
        "SECURE_SSL_REDIRECT": "False",
        "MEDIA_ROOT": str(scratch / "media"),
        "PRIVATE_MEDIA_ROOT": str(scratch / "private"),
        "BENCH_STATIC_ROOT": str(scratch / "static"),
    }


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.table_only:
        from . import report

        results = json.loads(Path(args.output).read_text())
        print(report.finish(results)["markdown"])
        report.write(results, args.output)
        return
    if not wrk_path():
        sys.exit("wrk is not installed: `make bench` installs Debian's package, or run `apt-get install -y wrk`.")
    from dodo.emulator.testing import run_in_subprocess

    started = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="brightshelf-bench-"))
    database = ScratchDatabase(scratch, sqlite=args.sqlite, server=args.postgres, keep=args.keep_db)
    # Every process the run starts, stopped in reverse order however the run ends.
    running = []
    try:
        database.create()
        emulator = run_in_subprocess()
        running.append(emulator)
        env = environment(database.url, scratch, emulator)
        os.environ.update(env)
        results = _run(args, env, scratch, database, emulator, running)
    except Exception:
        # gunicorn's log goes with the scratch folder: show its end before it does.
        for process in running:
            if isinstance(process, Gunicorn):
                print(f"gunicorn's log ends:\n{process.log_tail()}", file=sys.stderr)
        raise
    finally:
        for process in reversed(running):
            process.stop()
        database.drop()
        shutil.rmtree(scratch, ignore_errors=True)
    from . import report

    json_path, markdown_path = report.write(results, args.output)
    print()
    print(results["markdown"])
    print()
    print(f"Written: {json_path}, {markdown_path}")
    print(f"Bench took {time.monotonic() - started:.0f} s.")
    failed = [name for name in ("webhooks", "product_save") if not results.get(name, {}).get("ok", True)]
    if failed:
        sys.exit(f"Checks failed: {', '.join(failed)} (see the notes under the table).")


def _run(args, env, scratch, database, emulator, running):
    import django

    django.setup()
    from django.core.management import call_command

    from . import data, measure, report

    load = LoadSettings(duration=args.duration, threads=args.threads, connections=args.connections)
    print(f"Scratch database {database.url}, folder {scratch}", flush=True)
    step_start = time.monotonic()
    # The deployment's own commands; their system-check warnings (an emulator URL with
    # DEBUG off, a per-process cache) are expected here and only clutter the output.
    call_command("migrate", interactive=False, verbosity=0, skip_checks=True)
    call_command("collectstatic", interactive=False, verbosity=0, skip_checks=True)
    print(f"Migrated and collected static files in {time.monotonic() - step_start:.0f} s", flush=True)

    results = {
        "machine": report.machine(database.server_version()),
        "settings": {
            "gunicorn_workers": 2,
            "worker_class": "sync",
            "wrk_threads": load.threads,
            "wrk_connections": load.connections,
            "wrk_seconds": load.duration,
            "database": "sqlite" if args.sqlite else "postgresql",
        },
        "scales": {},
    }
    world = session_keys = None
    specs = []
    for index, scale in enumerate(args.scales):
        label = report.scale_label(scale)
        print(f"== {label}: building {scale} products and {scale} orders", flush=True)
        step = data.grow_to(scale, scale)
        print(f"   built +{step.products} products, +{step.orders} orders: {step.seconds}", flush=True)
        if world is None:
            world = data.world()
            session_keys = measure.sessions(world)
            specs = measure.pages(world)
        in_process = measure.profile_in_process([*specs, measure.BARE_SPEC], session_keys)
        print(
            "   in process: "
            + ", ".join(f"{key} {row['queries']} SQL {row['cpu_ms']:.0f} ms CPU" for key, row in in_process.items()),
            flush=True,
        )
        gunicorn = Gunicorn(env, scratch / "gunicorn.log")
        running.append(gunicorn)
        gunicorn.start()
        # A few seconds of load on every page so that both workers have imported
        # everything and filled their caches before anything is measured.
        measure.warm_workers(gunicorn.base_url, specs, session_keys)
        pages = measure.measure_pages(gunicorn.base_url, specs, session_keys, load)
        results["scales"][str(scale)] = {
            "build": {"products_added": step.products, "orders_added": step.orders, "seconds": step.seconds},
            "in_process": in_process,
            "pages": pages,
        }
        if index == len(args.scales) - 1:
            print(f"== {label}: webhooks", flush=True)
            distinct = round(args.webhooks * 0.9)
            orders = data.add_pending_orders(distinct)
            results["webhooks"] = measure.ingest_webhooks(gunicorn.base_url, orders, emulator.webhook_secret)
            print(f"   {results['webhooks']}", flush=True)
            print(f"== {label}: product save while the emulator hangs", flush=True)
            results["product_save"] = measure.product_save_while_dodo_hangs(
                gunicorn.base_url, emulator, world, session_keys
            )
            print(f"   {results['product_save']}", flush=True)
        gunicorn.stop()
    first, last = str(args.scales[0]), str(args.scales[-1])
    # How a page's share of the bare view changed from the smallest to the largest
    # scale: 1.00 is flat; 0.50 means the page lost half its speed to the data's growth.
    results["scaling"] = {
        key: round(
            results["scales"][last]["pages"][key]["vs_bare"] / results["scales"][first]["pages"][key]["vs_bare"], 3
        )
        for key in results["scales"][first]["pages"]
    }
    results["machine"]["load_average_at_end"] = [round(value, 2) for value in os.getloadavg()]
    return report.finish(results)
