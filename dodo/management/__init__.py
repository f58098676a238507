"""Management commands of the dodo app."""
