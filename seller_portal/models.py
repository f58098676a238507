"""Seller portal models (short links arrive with the seller portal issue)."""
