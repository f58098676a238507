"""``manage.py`` commands of the dodo app."""
