"""The fee rules, in one place: what the marketplace takes from a sale, what Dodo is
estimated to charge the operator for it, and the price below which a sale loses the
operator money.

Every figure is in the marketplace currency (``MARKETPLACE_CURRENCY``) and read from the
settings at call time:

- **Marketplace fee**: ``MARKETPLACE_FEE_PERCENT`` of the sale net of tax, rounded to the
  currency's minor unit, at least ``MARKETPLACE_FEE_MINIMUM`` per paid sale, and never
  more than the sale itself (a 0.30 sale pays a 0.30 fee, the seller earns 0).
- **Dodo's fee** (an estimate: Dodo's statement is the truth): ``DODO_FEE_PERCENT`` of the
  total *with tax* plus ``DODO_FEE_FIXED``, and ``DODO_FEE_INTERNATIONAL_PERCENT`` more
  when the buyer is not in ``MARKETPLACE_COUNTRY``. A buyer whose country is unknown counts
  as international: orders do not record the buyer's country, and the higher estimate
  never makes the margin look better than it is.
- **Margin**: the marketplace fee less Dodo's fee. Tax depends on the buyer, so the margin
  guard assumes ``ASSUMED_TAX_PERCENT`` (the UK's and most of the EU's standard VAT, the
  costly case: Dodo's percentage applies to the tax too).

Dodo keeps its fee when a payment is refunded (its balance ledger has ``refund_fees``
and ``refund_fees_reversal`` entries but no reversal of ``payment_fees``), so a refund
gives none of the estimate back (``catalogue.ledger``).
"""

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from .money import quantum, round_money

ZERO = Decimal("0")
HUNDRED = Decimal("100")
# The tax rate the margin guard assumes on a sale (see the module docstring).
ASSUMED_TAX_PERCENT = Decimal("20")


def _decimal(value):
    # Settings may be floats (MARKETPLACE_FEE_PERCENT always was); str() keeps 10.0 as 10.0.
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass(frozen=True)
class Margin:
    """One sale at ``price``, as the operator sees it (all rounded as charged)."""

    price: Decimal
    net: Decimal  # the sale net of tax: what the fee is taken from
    total: Decimal  # what the buyer pays, tax included: what Dodo's fee is taken from
    marketplace_fee: Decimal
    dodo_fee: Decimal
    seller_earnings: Decimal
    # The fee is the minimum (or the whole sale), more than the percentage would be.
    minimum_fee_applies: bool

    @property
    def margin(self):
        return self.marketplace_fee - self.dodo_fee

    @property
    def loses_money(self):
        return self.margin < 0


@dataclass(frozen=True)
class FeeRules:
    """The configured fees for one currency (``FeeRules.from_settings()``)."""

    currency: str
    percent: Decimal
    minimum: Decimal
    dodo_percent: Decimal
    dodo_fixed: Decimal
    dodo_international_percent: Decimal
    country: str

    @classmethod
    def from_settings(cls, currency=None):
        return cls(
            currency=(currency or settings.MARKETPLACE_CURRENCY).upper(),
            percent=_decimal(settings.MARKETPLACE_FEE_PERCENT),
            minimum=_decimal(settings.MARKETPLACE_FEE_MINIMUM),
            dodo_percent=_decimal(settings.DODO_FEE_PERCENT),
            dodo_fixed=_decimal(settings.DODO_FEE_FIXED),
            dodo_international_percent=_decimal(settings.DODO_FEE_INTERNATIONAL_PERCENT),
            country=(settings.MARKETPLACE_COUNTRY or "").upper(),
        )

    # FEES

    def marketplace_fee(self, net):
        """The marketplace's fee on a sale of ``net`` (net of tax): the percentage, at
        least the minimum, at most the sale. Nothing on a free (0) sale."""
        if net <= 0:
            return round_money(ZERO, self.currency)
        fee = max(round_money(net * self.percent / HUNDRED, self.currency), round_money(self.minimum, self.currency))
        return min(fee, net)

    def is_international(self, buyer_country):
        """Whether Dodo's international rate applies; an unknown country counts as abroad."""
        return not buyer_country or buyer_country.upper() != self.country

    def dodo_percent_for(self, international):
        return self.dodo_percent + (self.dodo_international_percent if international else ZERO)

    def dodo_fee(self, total, *, international=True):
        """Dodo's estimated fee on a payment of ``total`` (tax included); 0 without a payment."""
        if total <= 0:
            return round_money(ZERO, self.currency)
        return round_money(total * self.dodo_percent_for(international) / HUNDRED + self.dodo_fixed, self.currency)

    # MARGIN

    def _shares(self, tax_percent, tax_inclusive):
        """``(net, total)`` per unit of price, with ``tax_percent`` tax."""
        rate = 1 + _decimal(tax_percent) / HUNDRED
        return (1 / rate, Decimal(1)) if tax_inclusive else (Decimal(1), rate)

    def margin(self, price, *, international=True, tax_percent=ASSUMED_TAX_PERCENT, tax_inclusive=None):
        """What one sale at ``price`` brings the operator (see :class:`Margin`)."""
        if tax_inclusive is None:
            tax_inclusive = settings.PRICES_INCLUDE_TAX
        net_share, total_share = self._shares(tax_percent, tax_inclusive)
        price = _decimal(price)
        net = round_money(price * net_share, self.currency)
        total = round_money(price * total_share, self.currency)
        fee = self.marketplace_fee(net)
        return Margin(
            price=price,
            net=net,
            total=total,
            marketplace_fee=fee,
            dodo_fee=self.dodo_fee(total, international=international),
            seller_earnings=net - fee,
            minimum_fee_applies=fee > round_money(net * self.percent / HUNDRED, self.currency),
        )

    def break_even(self, *, international=True, tax_percent=ASSUMED_TAX_PERCENT, tax_inclusive=None):
        """The lowest price from which every sale covers Dodo's fee, or ``None`` when
        sales lose money at any price (the fee's percentage is below Dodo's).

        Worked out on unrounded figures (a cent of rounding either way is not a loss)::

            fee share of the price   a = net per unit of price × percent
            Dodo's share             b = total per unit of price × Dodo's percent
            above the minimum fee:   a·p ≥ b·p + fixed      ⇔ p ≥ fixed / (a − b)
            below it, the fee is the minimum (which covers Dodo's fee once the line
            above is crossed inside it) or the whole sale: p ≥ fixed / (net share − b)
        """
        if tax_inclusive is None:
            tax_inclusive = settings.PRICES_INCLUDE_TAX
        net_share, total_share = self._shares(tax_percent, tax_inclusive)
        a = net_share * self.percent / HUNDRED
        b = total_share * self.dodo_percent_for(international) / HUNDRED
        fixed = self.dodo_fixed
        if a <= b:
            return None if fixed > 0 or a < b else ZERO
        above_minimum = fixed / (a - b)
        minimum_from = self.minimum / a  # the price where the percentage reaches the minimum
        if above_minimum >= minimum_from or net_share <= b:
            price = above_minimum
        else:
            price = fixed / (net_share - b)
        step = quantum(self.currency)
        return (price / step).to_integral_value(rounding=ROUND_CEILING) * step


def rules(currency=None):
    """The fee rules configured now (read from the settings at each call)."""
    return FeeRules.from_settings(currency)


def marketplace_fee(net, currency=None):
    return rules(currency).marketplace_fee(net)


def order_total_with_tax(order):
    """What the buyer paid for ``order`` with tax, in the marketplace currency: Dodo's
    settlement (tax included); the payment itself when it was in our currency; else the
    sale net of tax (the tax is unknown)."""
    if order.settlement_amount is not None and order.settlement_currency in ("", order.currency):
        return order.settlement_amount
    if order.paid_total is not None and order.paid_currency == order.currency:
        return order.paid_total
    return order.net_amount if order.net_amount is not None else order.amount


def order_dodo_fee(order):
    """Dodo's estimated fee on a paid order. Orders do not record the buyer's country, so
    the international rate applies (see the module docstring)."""
    return rules(order.currency).dodo_fee(order_total_with_tax(order), international=True)


def price_advice(price, currency=None):
    """What a seller should know about a price, or ``""``: below the break-even Dodo's
    payment costs exceed the marketplace fee (the operator loses on each sale), and at
    low prices the minimum fee takes a large share of each sale. Never blocks a price."""
    from .formatting import format_money

    price = _decimal(price or 0)
    if price <= 0:
        return ""
    fee_rules = rules(currency)
    sale = fee_rules.margin(price)

    def money(amount):
        return format_money(amount, fee_rules.currency)

    figures = {
        "price": money(price),
        "dodo_fee": money(sale.dodo_fee),
        "fee": money(sale.marketplace_fee),
        "earnings": money(sale.seller_earnings),
    }
    if sale.loses_money:
        advice = (
            _(
                "At %(price)s, payment processing costs about %(dodo_fee)s a sale, more than the %(fee)s marketplace "
                "fee, so the marketplace loses money on each sale. You would earn %(earnings)s per sale."
            )
            % figures
        )
        break_even = fee_rules.break_even()
        if break_even is not None:
            advice += " " + _("Prices from %(break_even)s cover the costs.") % {"break_even": money(break_even)}
        return advice
    if sale.minimum_fee_applies:
        return (
            _(
                "At %(price)s, the marketplace fee is the %(fee)s minimum per sale, so you would earn %(earnings)s per sale."
            )
            % figures
        )
    return ""
