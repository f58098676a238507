"""Money for the emulator: currency exponents, tax by country, fixed exchange rates, quotes.

Every amount is an integer in a currency's minor units, as Dodo's API sends it. The
arithmetic is :class:`~decimal.Decimal` with ``ROUND_HALF_UP`` and one rounding per
figure, never floats, so a test can compute every figure by hand:

- **Exponents** (ISO 4217): JPY and the other zero-decimal currencies count whole units,
  KWD and the other three-decimal currencies count thousandths; everything else in
  Dodo's ``Currency`` enum counts hundredths (and so does an unknown code).
- **Tax** by billing country (:data:`TAX_RATES`, 0 for a country not in the table).
  A tax-exclusive price (Dodo's default) gets ``round(net * rate)`` added on top; a
  tax-inclusive price stays the total and contains ``round(total * rate / (1 + rate))``.
- **Adaptive Currency**: the billing country's currency (:data:`COUNTRY_CURRENCIES`) and
  a fixed table of rates per US dollar (:data:`USD_RATES`). A conversion goes through
  US dollars without rounding in between and rounds once, to the target's exponent.

:func:`quote` puts these together for a cart, in Dodo's order: convert the net price
into the charged currency, take the discount off, then compute the tax.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

# Dodo's Currency enum (ISO 4217 codes it can charge in), grouped by exponent.
_ZERO_DECIMAL = frozenset("BIF CLP DJF GNF JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF".split())
_THREE_DECIMAL = frozenset("BHD IQD JOD KWD LYD OMR TND".split())
_TWO_DECIMAL = frozenset(
    """
    AED ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BWP BYN BZD
    CAD CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ETB EUR FJD FKP GBP GEL GHS GIP GMD
    GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR JMD KES KGS KHR KYD KZT LAK LBP LKR LRD LSL
    MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB
    PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SEK SGD SHP SLE SLL SOS SRD SSP STN
    SVC SZL THB TOP TRY TTD TWD TZS UAH USD UYU UZS VES WST XCD YER ZAR ZMW
    """.split()
)

#: Minor-unit exponent of every currency in Dodo's ``Currency`` enum.
EXPONENTS: dict[str, int] = {
    **dict.fromkeys(_TWO_DECIMAL, 2),
    **dict.fromkeys(_ZERO_DECIMAL, 0),
    **dict.fromkeys(_THREE_DECIMAL, 3),
}

#: Every currency Dodo's API accepts.
CURRENCIES = frozenset(EXPONENTS)

#: Tax rate by billing country (ISO 3166-1 alpha-2); any other country pays no tax.
TAX_RATES: dict[str, Decimal] = {
    "US": Decimal("0"),
    "GB": Decimal("0.20"),
    "FR": Decimal("0.20"),
    "DE": Decimal("0.19"),
    "IN": Decimal("0.18"),
    "JP": Decimal("0.10"),
    "KW": Decimal("0"),
    "CA": Decimal("0.05"),
}

#: The currency a buyer in each country is charged in under Adaptive Currency.
COUNTRY_CURRENCIES: dict[str, str] = {
    "US": "USD",
    "GB": "GBP",
    "FR": "EUR",
    "DE": "EUR",
    "IN": "INR",
    "JP": "JPY",
    "KW": "KWD",
    "CA": "CAD",
}

#: Units of each currency one US dollar buys: the only rates the emulator knows.
USD_RATES: dict[str, Decimal] = {
    "USD": Decimal("1"),
    "EUR": Decimal("0.92"),
    "GBP": Decimal("0.79"),
    "INR": Decimal("83.1"),
    "JPY": Decimal("151"),
    "KWD": Decimal("0.307"),
    "CAD": Decimal("1.36"),
}

DEFAULT_COUNTRY = "US"


def exponent(currency: str) -> int:
    """How many decimal places ``currency``'s minor unit has (2 when unknown)."""
    return EXPONENTS.get(currency, 2)


def round_half_up(value: Decimal) -> int:
    """``value`` rounded to a whole number, halves away from zero."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_major(amount: int, currency: str) -> Decimal:
    """``1999, "USD"`` -> ``Decimal("19.99")``; ``1999, "JPY"`` -> ``Decimal("1999")``."""
    return Decimal(amount).scaleb(-exponent(currency))


def to_minor(value: Decimal, currency: str) -> int:
    """Major units -> minor units of ``currency``, rounded half up."""
    return round_half_up(value.scaleb(exponent(currency)))


def format_amount(amount: int, currency: str) -> str:
    """``1999, "USD"`` -> ``"19.99 USD"``; ``6137, "KWD"`` -> ``"6.137 KWD"``."""
    places = exponent(currency)
    return f"{to_major(amount, currency):.{places}f} {currency}"


def tax_rate(country: str) -> Decimal:
    """The tax rate for a billing country (0 for countries not in :data:`TAX_RATES`)."""
    return TAX_RATES.get(country.upper(), Decimal("0"))


def currency_for_country(country: str) -> str | None:
    """The Adaptive Currency for a billing country, or ``None`` when it has none here."""
    return COUNTRY_CURRENCIES.get(country.upper())


def can_convert(source: str, target: str) -> bool:
    """Whether the emulator has rates to convert between these two currencies."""
    return source == target or (source in USD_RATES and target in USD_RATES)


def convert(amount: int, source: str, target: str) -> int:
    """``amount`` minor units of ``source`` in minor units of ``target``, rounded once.

    Raises ``KeyError`` when either currency has no rate (see :func:`can_convert`).
    """
    if source == target:
        return amount
    usd = to_major(amount, source) / USD_RATES[source]
    return to_minor(usd * USD_RATES[target], target)


def tax_on(amount: int, rate: Decimal, *, inclusive: bool) -> int:
    """The tax in ``amount``: added on top (exclusive) or contained in it (inclusive)."""
    if inclusive:
        return round_half_up(Decimal(amount) * rate / (1 + rate))
    return round_half_up(Decimal(amount) * rate)


def discount_on(amount: int, basis_points: int) -> int:
    """What a percentage discount of ``basis_points`` (10000 = 100%) takes off ``amount``."""
    return round_half_up(Decimal(amount) * basis_points / 10_000)


@dataclass
class CartLine:
    """One cart line as the quote needs it, in the product's currency."""

    product_id: str
    quantity: int
    unit_price: int
    tax_inclusive: bool = False
    discountable: bool = False


@dataclass
class Quote:
    """What a buyer pays for a cart, line by line and in total.

    ``currency`` is the charged currency; ``settlement_*`` are the same figures in the
    product's currency (equal to the charged ones when no conversion happened).
    ``subtotal`` is before the discount (tax included for tax-inclusive prices).
    """

    currency: str
    settlement_currency: str
    country: str
    tax_rate: Decimal
    lines: list[dict[str, Any]] = field(default_factory=list)
    subtotal: int = 0
    discount: int = 0
    tax: int = 0
    total: int = 0
    settlement_amount: int = 0
    settlement_tax: int = 0


def quote(
    lines: list[CartLine],
    *,
    product_currency: str,
    charged_currency: str,
    country: str,
    discount_basis_points: int = 0,
) -> Quote:
    """Price ``lines`` for a buyer in ``country`` paying in ``charged_currency``.

    Per line: the net price (unit price times quantity) is converted into the charged
    currency, the discount (on discountable lines) is taken off that pre-tax amount,
    then the tax is added on top or, for a tax-inclusive price, found inside it.
    Settlement figures convert the totals back into the product's currency.
    """
    rate = tax_rate(country)
    result = Quote(
        currency=charged_currency,
        settlement_currency=product_currency,
        country=country.upper(),
        tax_rate=rate,
    )
    for line in lines:
        net = convert(line.unit_price * line.quantity, product_currency, charged_currency)
        discount = discount_on(net, discount_basis_points) if line.discountable else 0
        after_discount = net - discount
        tax = tax_on(after_discount, rate, inclusive=line.tax_inclusive)
        total = after_discount if line.tax_inclusive else after_discount + tax
        result.lines.append(
            {
                "product_id": line.product_id,
                "quantity": line.quantity,
                "subtotal": net,
                "discount": discount,
                "tax": tax,
                "total": total,
            }
        )
        result.subtotal += net
        result.discount += discount
        result.tax += tax
        result.total += total
    result.settlement_amount = convert(result.total, charged_currency, product_currency)
    result.settlement_tax = convert(result.tax, charged_currency, product_currency)
    return result
