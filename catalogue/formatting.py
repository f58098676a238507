"""Formatting money for people (templates, admin listings, emails)."""

from decimal import Decimal

from .money import UnknownCurrency, exponent

# Symbols for common currencies; any other shows its ISO code ("19.00 CHF").
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "INR": "₹", "JPY": "¥", "AUD": "A$", "CAD": "CA$"}


def format_money(amount, currency):
    """``Decimal("1234.5"), "USD"`` -> ``"$1,234.50"``; JPY shows no decimals; ``None`` -> ``""``."""
    if amount is None:
        return ""
    try:
        places = exponent(currency)
    except UnknownCurrency:
        places = 2
    number = f"{Decimal(amount):,.{places}f}"
    symbol = CURRENCY_SYMBOLS.get((currency or "").upper())
    return f"{symbol}{number}" if symbol else f"{number} {currency}"
