"""Money on the wire: ISO 4217 minor units, and rounding by a currency's exponent.

Amounts are ``Decimal`` in the domain. Dodo (like every card processor) speaks integer
minor units, whose size depends on the currency: a yen has no minor unit (exponent 0),
a dollar has cents (2), a Kuwaiti dinar has fils (3). Multiplying by 100 everywhere
would charge 1,000 yen as 100,000, so every conversion goes through this module.
"""

from decimal import ROUND_HALF_UP, Decimal

# Currencies whose exponent is not 2 (ISO 4217, current list). Any other active code
# in ISO_4217_CODES has two decimals.
_EXPONENTS = {
    # no minor unit
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0,
    "XPF": 0,
    # thousandths
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    # four decimals
    "CLF": 4, "UYW": 4,
}  # fmt: skip

# The active ISO 4217 codes (2024 list, without funds and precious metals).
ISO_4217_CODES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD
    BTN BWP BYN BZD CAD CDF CHF CLF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN
    ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR
    ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL
    MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN
    PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP
    STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYI UYU UYW UZS VES
    VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL
    """.split()
)


class UnknownCurrency(ValueError):
    """A currency code that is not an active ISO 4217 code."""


def is_known_currency(code):
    """Whether ``code`` is an active ISO 4217 code (upper case)."""
    return isinstance(code, str) and code in ISO_4217_CODES


def exponent(currency):
    """The number of decimals of ``currency``'s minor unit (JPY 0, USD 2, KWD 3)."""
    code = (currency or "").upper()
    if code not in ISO_4217_CODES:
        raise UnknownCurrency(f"{currency!r} is not an ISO 4217 currency code")
    return _EXPONENTS.get(code, 2)


def quantum(currency):
    """The smallest amount of ``currency``: ``Decimal("0.01")`` for USD, ``1`` for JPY."""
    return Decimal(1).scaleb(-exponent(currency))


def round_money(amount, currency):
    """``amount`` rounded half up to ``currency``'s minor unit."""
    return Decimal(amount).quantize(quantum(currency), rounding=ROUND_HALF_UP)


def fits_currency(amount, currency):
    """Whether ``amount`` has no more decimals than ``currency`` allows (1000.50 JPY does not)."""
    return Decimal(amount) == round_money(amount, currency)


def to_minor(amount, currency):
    """``Decimal("19.99"), "USD"`` -> ``1999``; ``Decimal("1000"), "JPY"`` -> ``1000``."""
    return int(round_money(amount, currency).scaleb(exponent(currency)))


def from_minor(units, currency):
    """``1999, "USD"`` -> ``Decimal("19.99")``; ``1000, "JPY"`` -> ``Decimal("1000")``."""
    if isinstance(units, bool) or not isinstance(units, int):
        raise TypeError(f"minor units must be an int, not {units!r}")
    return Decimal(units).scaleb(-exponent(currency)).quantize(quantum(currency))
