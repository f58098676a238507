"""Settings for `make bench`: production settings, plus the bare comparison view.

Everything the site serves is configured exactly as in production (DEBUG off, WhiteNoise's
manifest storage, the database task queue, secrets from the environment); the bench
only adds a URLconf with one extra route and the folder that holds its template, so a
page's cost can be read against Django's own floor on the same processes.
"""

import os

from site_config.settings.production import *  # noqa: F403
from site_config.settings.production import BASE_DIR, TEMPLATES

# The bare view's route sits in front of the site's own URLs (see bench/urls.py).
ROOT_URLCONF = "bench.urls"

# bench/ is a tooling folder, not an app: its template folder is named here instead of
# being found through INSTALLED_APPS.
TEMPLATES = [{**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]}, *TEMPLATES[1:]]

# collectstatic writes the manifest WhiteNoise needs into the run's scratch folder, never
# into the repository's staticfiles/.
STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
