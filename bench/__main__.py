"""``python -m bench``: see bench/run.py, or ``python -m bench --help``."""

from .run import main

main()
