"""The README's "Deploying" steps, run as written, give a working shop on two machines.

An empty PostgreSQL database, the Redis server on 127.0.0.1:6379, an S3-compatible object
store (moto's server mode), an SMTP relay and Dodo (the emulator) stand in for a
production environment. The test reads the environment, the preparation commands and
the process commands from README.md, runs them, starts two app instances and the task
worker as the README says, each behind its own TLS proxy, and then:

- a seller signs up on one instance and activates and logs in on the other (sessions
  and CSRF tokens made by one instance are honoured by the other);
- the seller lists a product (file and cover go to object storage) through instance A;
- a customer buys it through instance B, Dodo's webhook reaches instance A, and the
  download through B is a redirect to a presigned object-storage URL with the bytes the
  seller uploaded;
- a throttle kept in the shared cache holds across the instances.
"""

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet

from dodo.emulator.testing import run_in_subprocess
from tests.polling import wait_for
from tests.smtp import SmtpServer, link_in

from .services import Processes, TlsProxy, create_postgres_database, free_port, postgres_available

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_HOST = "shop.test"
PUBLIC_URL = f"https://{PUBLIC_HOST}"
PASSWORD = "a-Long-and-unusual-passphrase-17"

pytestmark = pytest.mark.deploy


BUCKET = "brightshelf-deploy"


def S3_ENVIRONMENT(url):  # noqa: N802  (a table of values, like the README's)
    """The object-storage variables for the S3-compatible server at ``url``."""
    return {
        "STORAGE": "s3",
        "S3_MEDIA_BUCKET": BUCKET,
        "S3_ENDPOINT_URL": url,
        "S3_REGION": "us-east-1",
        "S3_ADDRESSING_STYLE": "path",
        "AWS_ACCESS_KEY_ID": "deploy-test",
        "AWS_SECRET_ACCESS_KEY": "deploy-test-secret",
    }


def readme_block(name):
    """The shell lines of the README's code block marked ``<!-- deploy:<name> -->``."""
    text = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- deploy:" + re.escape(name) + r" -->\s*```sh\n(.*?)```", text, re.S)
    assert match, f"README.md has no deploy:{name} block"
    lines = []
    for raw in match.group(1).splitlines():
        line = raw.split("  #")[0].strip() if not raw.lstrip().startswith("#") else ""
        if line:
            lines.append(line)
    # Join continued lines.
    joined, pending = [], ""
    for line in lines:
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        joined.append(pending + line)
        pending = ""
    return joined


def readme_environment():
    """``{name: value}`` of every ``export`` in the README's environment block."""
    variables = {}
    for line in readme_block("environment"):
        words = shlex.split(line)
        assert words and words[0] == "export", f"not an export: {line}"
        for word in words[1:]:
            name, _, value = word.partition("=")
            variables[name] = value
    return variables


def require(condition, reason):
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


class Browser:
    """A visitor with one cookie jar, talking to an instance through its proxy.

    The TLS proxy is played over plain HTTP on loopback, so the jar sends the site's
    Secure cookies itself (requests would keep them back on http://).
    """

    def __init__(self):
        self.session = requests.Session()

    def _headers(self, extra=None):
        headers = {"Cookie": "; ".join(f"{c.name}={c.value}" for c in self.session.cookies)}
        headers.update(extra or {})
        return headers

    def get(self, proxy, path, **kwargs):
        return self.session.get(proxy.url + path, headers=self._headers(), allow_redirects=False, timeout=60, **kwargs)

    def post(self, proxy, path, data, files=None, referer=None):
        # The TLS proxy's clients are on https://shop.test: Django checks Origin/Referer.
        headers = self._headers({"Origin": PUBLIC_URL, "Referer": PUBLIC_URL + (referer or path)})
        return self.session.post(
            proxy.url + path, data=data, files=files, headers=headers, allow_redirects=False, timeout=60
        )

    def csrf(self, proxy, path):
        page = self.get(proxy, path)
        assert page.status_code == 200, (path, page.status_code, page.text[:500])
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)


@pytest.fixture
def services(tmp_path):
    require(postgres_available(), "PostgreSQL on 127.0.0.1:5432 is needed for the deploy test")
    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2).ping()
    except redis.RedisError:
        require(False, "Redis on 127.0.0.1:6379 is needed for the deploy test")
    from tests.s3 import create_bucket, start_moto_server

    moto = start_moto_server()
    require(moto is not None, "moto_server (moto[server]) is needed for the deploy test")
    url, moto_process = moto
    # The bucket as the README's "Object storage" section sets it up (its policy).
    create_bucket(url, BUCKET)

    database = f"brightshelf_deploy_{os.getpid()}_{int(time.time())}"
    drop_database = create_postgres_database(database)
    redis_db = 11
    redis.Redis(host="127.0.0.1", port=6379, db=redis_db).flushdb()
    smtp = SmtpServer().start()
    yield {"database": database, "redis_db": redis_db, "s3_url": url, "smtp": smtp}
    smtp.stop()
    moto_process.terminate()
    moto_process.wait(timeout=10)
    drop_database()


def test_the_readme_deploy_gives_a_working_shop_on_two_instances(services, tmp_path):
    smtp = services["smtp"]
    processes = Processes(ROOT)
    ports = {"a": free_port(), "b": free_port()}
    proxies = {name: TlsProxy(("127.0.0.1", port), PUBLIC_HOST) for name, port in ports.items()}
    emulator = run_in_subprocess(webhook_url=f"{proxies['a'].url}/dodo/webhook/")
    try:
        _deploy_and_shop(services, smtp, processes, ports, proxies, emulator, tmp_path)
    except BaseException:
        print(processes.logs(), file=sys.stderr)
        raise
    finally:
        processes.stop()
        emulator.stop()
        for proxy in proxies.values():
            proxy.stop()


def _environment(services, emulator, tmp_path):
    readme = readme_environment()
    ours = {
        "DJANGO_SETTINGS_MODULE": "site_config.settings.production",
        "SECRET_KEY": "deploy-test-" + "k" * 50,
        "ALLOWED_HOSTS": PUBLIC_HOST,
        "SITE_URL": PUBLIC_URL,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{services['database']}",
        "CACHE_URL": f"redis://127.0.0.1:6379/{services['redis_db']}",
        "EMAIL_URL": services["smtp"].url,
        "DEFAULT_FROM_EMAIL": "Brightshelf <shop@shop.test>",
        "AXES_PROXY_COUNT": "1",
        "DODO_PAYMENTS_API_KEY": emulator.api_key,
        "DODO_PAYMENTS_WEBHOOK_KEY": emulator.webhook_secret,
        "DODO_PAYMENTS_ENVIRONMENT": "test_mode",
        "DODO_PAYMENTS_BASE_URL": emulator.base_url,
        "DODO_BUSINESS_ID": "",
        "PAYOUT_DETAILS_KEY": Fernet.generate_key().decode(),
    }
    ours.update(S3_ENVIRONMENT(services["s3_url"]))
    missing = sorted(set(readme) - set(ours))
    assert not missing, f"the README's environment names variables this test does not provide: {missing}"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL", "PYTEST"))}
    env.update(ours)
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
    return env, readme


def _run(command, env):
    # The README's own command line, run by a shell as an operator's would be.
    result = subprocess.run(  # noqa: S602
        command, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{command} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout + result.stderr


def _deploy_and_shop(services, smtp, processes, ports, proxies, emulator, tmp_path):
    env, readme = _environment(services, emulator, tmp_path)
    a, b = proxies["a"], proxies["b"]

    # 1. Prepare, as the README says, on the empty database.
    prepared = []
    for command in readme_block("prepare"):
        if "createsuperuser" in command:
            # Interactive in the README; the same command answered from the environment.
            command += " --noinput"
            env_super = dict(env, DJANGO_SUPERUSER_EMAIL="editor@shop.test", DJANGO_SUPERUSER_PASSWORD=PASSWORD)
            prepared.append(_run(command, env_super))
        else:
            prepared.append(_run(command, env))
    assert any("System check identified no issues" in out or "silenced" in out for out in prepared[:1]), prepared[0]

    # 2. Two web instances and the worker, with the README's own commands.
    for command in readme_block("run"):
        if command.split()[0] == "gunicorn" or "gunicorn" in command.split()[0]:
            for name, port in ports.items():
                processes.start(f"web-{name}", command, dict(env, PORT=str(port)))
        else:
            processes.start("worker", command, env)
    for name, port in ports.items():
        wait_for(lambda port=port: _answers(f"http://127.0.0.1:{port}/health/"), f"web-{name}")
        ready = requests.get(f"http://127.0.0.1:{port}/ready/", timeout=30)
        assert ready.status_code == 200, ready.text

    # The storefront is there (bootstrap_site), and the editor can sign in to Wagtail.
    visitor = Browser()
    home = visitor.get(a, "/")
    assert home.status_code == 200 and "Welcome to your new Wagtail site" not in home.text, home.text[:300]
    assert visitor.get(b, "/catalogue/").status_code == 200
    editor = Browser()
    token = editor.csrf(a, "/admin/login/")
    signed_in = editor.post(a, "/admin/login/", {"csrfmiddlewaretoken": token, "username": "editor@shop.test", "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.text[:500]
    assert editor.get(b, "/admin/").status_code == 200

    # 3. A seller signs up on A, activates and signs in on B; the session works on A.
    seller = Browser()
    _sign_up(seller, a, "maker@shop.test", "seller")
    activation = link_in(smtp.wait_for("maker@shop.test")[0], "/accounts/activate/")
    assert seller.get(b, activation).status_code in (200, 302)
    _log_in(seller, b, "maker@shop.test")
    assert seller.get(a, "/seller/").status_code == 200

    # 4. The seller lists a product through A: the form's CSRF token came from B.
    token = seller.csrf(b, "/seller/products/new/")
    new = seller.get(a, "/seller/products/new/")
    category = re.search(r'<option value="(\d+)"[^>]*>E-books</option>', new.text).group(1)
    content = b"%PDF-1.4\n" + os.urandom(200_000) + b"\n%%EOF\n"
    listed = seller.post(
        a,
        "/seller/products/new/",
        {
            "csrfmiddlewaretoken": token,
            "title": "Field guide to deploys",
            "category": category,
            "summary": "Two instances, one shop.",
            "body": "Everything about it.",
            "price": "12.00",
            "tax_category": "e_book",
            "action": "publish",
        },
        files={"file": ("field-guide.pdf", content, "application/pdf"), "cover": ("cover.png", _png(), "image/png")},
    )
    assert listed.status_code == 302, listed.text[:3000]
    products = seller.get(b, "/seller/products/")
    product_id = re.search(r"/seller/products/(\d+)/edit/", products.text).group(1)
    # A new seller is not trusted: the product waits for the editors' review. The editor
    # approves it in Wagtail admin on B (the action on A's page), which publishes it.
    assert "In review" in products.text
    review = editor.get(b, f"/admin/pages/{product_id}/edit/")
    # The page's "Approve" menu item names the review's task state (the comment dialog's URL).
    task_state = re.search(rf"/workflow/collect_action_data/{product_id}/approve/(\d+)/", review.text).group(1)
    approve = f"/admin/pages/workflow/action/{product_id}/approve/{task_state}/"
    token = editor.csrf(a, f"/admin/pages/{product_id}/edit/")
    approved = editor.post(a, approve, {"csrfmiddlewaretoken": token, "comment": "Welcome!"})
    assert approved.status_code in (200, 302), approved.text[:2000]
    # The worker emails the seller (the activation email was the first).
    assert smtp.wait_for("maker@shop.test", count=2)[-1]["Subject"].startswith("Approved: Field guide to deploys")
    # The worker creates it on Dodo.
    wait_for(lambda: emulator.state().get("products"), "the product on Dodo")

    # 5. A customer signs up on B, activates on A, buys through B; Dodo's webhook reaches A.
    customer = Browser()
    _sign_up(customer, b, "reader@shop.test", "customer")
    assert customer.get(a, link_in(smtp.wait_for("reader@shop.test")[0], "/accounts/activate/")).status_code in (200, 302)
    _log_in(customer, a, "reader@shop.test")
    page = customer.get(b, "/catalogue/")
    assert "Field guide to deploys" in page.text
    product_path = re.search(r'href="(/catalogue/field-guide-to-deploys[^"]*)"', page.text).group(1)
    product_page = customer.get(b, product_path)
    assert product_page.status_code == 200
    cover = re.search(r'<img[^>]+src="(' + re.escape(services["s3_url"]) + r'[^"]+)"', product_page.text)
    assert cover, "the cover is served from object storage"
    assert requests.get(cover.group(1).replace("&amp;", "&"), timeout=30).status_code == 200

    token = customer.csrf(b, product_path)
    started = customer.post(b, f"/checkout/{product_id}/", {"csrfmiddlewaretoken": token}, referer=product_path)
    assert started.status_code == 302 and started.headers["Location"].startswith(emulator.base_url), started.headers
    session_id = started.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    emulator.pay(session_id, email="reader@shop.test", country="US")
    library = wait_for(
        lambda: (r := customer.get(b, "/account/products/")).status_code == 200 and "/download/" in r.text and r,
        "the paid order in the buyer's library",
    )
    download_path = re.search(r'href="(/account/products/\d+/download/)"', library.text).group(1)

    # 6. The download through B: a presigned object-storage URL that lives a minute.
    download = customer.get(b, download_path)
    assert download.status_code == 302, download.text[:500]
    presigned = download.headers["Location"]
    assert presigned.startswith(services["s3_url"]) and "X-Amz-Signature" in presigned
    assert int(re.search(r"X-Amz-Expires=(\d+)", presigned).group(1)) <= 60
    delivered = requests.get(presigned, timeout=60)
    assert delivered.status_code == 200
    assert delivered.content == content
    assert "attachment" in delivered.headers["Content-Disposition"]
    assert "field-guide.pdf" in delivered.headers["Content-Disposition"]
    # Without the signature the object store refuses it (the bucket policy opens images only).
    assert requests.get(presigned.split("?")[0], timeout=30).status_code == 403

    # 7. The shared cache: an activation resend asked on A is throttled on B.
    waiting = Browser()
    _sign_up(waiting, a, "later@shop.test", "customer")
    smtp.wait_for("later@shop.test", 1)
    for proxy in (a, b):
        token = waiting.csrf(proxy, "/accounts/activation/resend/")
        waiting.post(proxy, "/accounts/activation/resend/", {"csrfmiddlewaretoken": token, "email": "later@shop.test"})
    smtp.wait_for("later@shop.test", 2)
    time.sleep(3)  # give a wrongly unthrottled third email time to arrive
    assert len(smtp.to("later@shop.test")) == 2

    # Both instances served this shop.
    assert a.seen and b.seen


def _answers(url):
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _sign_up(browser, proxy, email, role):
    token = browser.csrf(proxy, "/accounts/register/")
    response = browser.post(
        proxy,
        "/accounts/register/",
        {
            "csrfmiddlewaretoken": token,
            "first_name": "Pat",
            "last_name": "Doe",
            "email": email,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "role": role,
            "accept_terms": "on",
        },
    )
    assert response.status_code == 302, response.text[:2000]


def _log_in(browser, proxy, email):
    """Sign in, unless activation already did (the login page then redirects)."""
    if browser.get(proxy, "/accounts/login/").status_code == 302:
        return
    token = browser.csrf(proxy, "/accounts/login/")
    response = browser.post(proxy, "/accounts/login/", {"csrfmiddlewaretoken": token, "username": email, "password": PASSWORD})
    assert response.status_code == 302, response.text[:2000]


def _png():
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (1200, 900), (40, 90, 160)).save(buffer, "PNG")
    return buffer.getvalue()
