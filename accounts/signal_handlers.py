"""Receivers for account events, connected in ``AccountsConfig.ready()``."""
