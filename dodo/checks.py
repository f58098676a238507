"""System checks for the Dodo configuration."""
