"""HTML pages of the emulator: the hosted checkout and the ``/_emulator/`` dashboard.

Plain HTML forms and a little inline CSS, no JavaScript, so they work in any browser
and in Playwright tests. Every value from the store goes through :func:`html.escape`.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode

from . import money as amounts

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
main{max-width:44rem;margin:2rem auto;padding:0 1rem}
.card{background:#fff;border-radius:12px;padding:1.5rem;box-shadow:0 1px 4px #0002}
h1{font-size:1.3rem;margin-top:0}
table{width:100%;border-collapse:collapse;margin:1rem 0;font-size:.9rem}
th,td{text-align:left;padding:.4rem;border-bottom:1px solid #e3e5ea;vertical-align:top}
td.num,th.num{text-align:right;white-space:nowrap}
.scroll{overflow-x:auto}
main.wide{max-width:64rem}
.total{font-weight:600}
.actions{display:flex;gap:.75rem;flex-wrap:wrap;margin-top:1rem}
button{font:inherit;padding:.6rem 1.4rem;border-radius:8px;border:0;cursor:pointer}
.pay{background:#1b7f3b;color:#fff}.decline{background:#b42318;color:#fff}
.small{background:#e3e5ea;padding:.3rem .8rem}
label{display:block;margin:.5rem 0 .2rem;font-size:.9rem}
input{font:inherit;padding:.4rem;width:100%;box-sizing:border-box}
.note{color:#5b6270;font-size:.85rem}
.error{color:#b42318;font-weight:600}
.cancel{align-self:center;color:#5b6270}
select{font:inherit;padding:.4rem;width:100%}
td form{display:inline-flex;gap:.3rem;margin:0 .2rem .2rem 0}
td input{width:6rem}
code{font-size:.8rem;word-break:break-all}
"""


def money(amount: int, currency: str) -> str:
    """``1999, "USD"`` -> ``"19.99 USD"`` (HTML-escaped), by :mod:`dodo.emulator.money`."""
    return escape(amounts.format_amount(amount, currency))


def _page(title: str, body: str, *, wide: bool = False) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main{' class=wide' if wide else ''}><div class=card>{body}</div></main></body></html>"
    )


def _select(name: str, options: list[str], chosen: str) -> str:
    return (
        f"<select id={name} name={name}>"
        + "".join(f"<option{' selected' if option == chosen else ''}>{escape(option)}</option>" for option in options)
        + "</select>"
    )


def checkout_page(view: dict[str, Any]) -> str:
    """The hosted checkout: the cart; subtotal, discount, tax and total in the charged
    currency; billing country and discount code fields; Pay / Decline (and Cancel)."""
    session = view["session"]
    session_id = escape(session["session_id"])
    priced = view["quote"]
    currency = priced.currency
    rows = "".join(
        f"<tr><td>{escape(line['name'] or '')}</td><td class=num>{line['quantity']}</td>"
        f"<td class=num>{money(line['subtotal'], currency)}</td></tr>"
        for line in view["lines"]
    )
    inclusive = all(line["total"] == line["subtotal"] - line["discount"] for line in priced.lines)
    percent = f"{(priced.tax_rate * 100).normalize():f}"  # 0.20 -> "20", 0.19 -> "19"
    tax_label = f"Tax ({percent}%{', included' if inclusive and priced.tax else ''})"
    summary = [("Subtotal", "subtotal", priced.subtotal)]
    if priced.discount:
        summary.append((f"Discount ({escape(view['discount_code'])})", "discount", -priced.discount))
    summary.append((tax_label, "tax", priced.tax))
    foot = "".join(
        f"<tr><td colspan=2>{label}</td><td class=num data-testid={testid}>{money(amount, currency)}</td></tr>"
        for label, testid, amount in summary
    )
    settlement = ""
    if priced.settlement_currency != currency:
        settlement = (
            f"<p class=note>Charged in {escape(currency)}; the merchant receives "
            f"<span data-testid=settlement>{money(priced.settlement_amount, priced.settlement_currency)}</span>.</p>"
        )
    table = (
        "<table><thead><tr><th>Product</th><th class=num>Qty</th><th class=num>Amount</th>"
        f"</tr></thead><tbody>{rows}</tbody><tfoot>{foot}<tr class=total><td colspan=2>Total</td>"
        f"<td class=num data-testid=total>{money(priced.total, currency)}</td></tr>"
        f"</tfoot></table>{settlement}"
    )
    if view["paid"]:
        return _page(
            "Checkout complete",
            f"<h1>This checkout is complete</h1>{table}"
            "<p class=note>The payment for this session has already succeeded.</p>",
        )
    customer = view["customer"]
    if customer:
        who = f"<p>Paying as <strong>{escape(customer['name'])}</strong> ({escape(customer['email'])})</p>"
    else:
        who = (
            "<label for=email>Email</label>"
            "<input id=email name=email type=email value=buyer@example.com required>"
            "<label for=name>Name</label><input id=name name=name value='Emulated Buyer'>"
        )
    errors = "".join(
        f"<p class=error role=alert>{escape(message)}</p>"
        for message in (view.get("country_error"), view.get("discount_error"))
        if message
    )
    countries = list(view["countries"])
    if view["country"] not in countries:
        countries.append(view["country"])
    fields = f"<label for=country>Billing country</label>{_select('country', countries, view['country'])}"
    if view["allow_discount_code"]:
        fields += (
            "<label for=discount_code>Discount code</label>"
            f"<input id=discount_code name=discount_code value='{escape(view['discount_code'] or '')}'>"
        )
    cancel = ""
    if session.get("cancel_url"):
        cancel = f"<a class=cancel href='{escape(session['cancel_url'])}'>Cancel</a>"
    return _page(
        "Checkout",
        "<h1>Checkout</h1>"
        "<p class=note>Dodo Payments emulator: no card is charged.</p>"
        f"{table}{errors}<form method=post action='/checkout/{session_id}/pay'>{who}{fields}"
        # Recalculate is a GET back to this page: the totals for another country or code.
        f"<div class=actions><button class=small type=submit formmethod=get formaction='/checkout/{session_id}'>"
        "Update total</button></div>"
        "<div class=actions><button class=pay type=submit>Pay</button>"
        f"<button class=decline type=submit formaction='/checkout/{session_id}/decline'>"
        f"Decline</button>{cancel}</div></form>",
    )


def result_page(payment: dict[str, Any]) -> str:
    """Shown after paying when the session has no ``return_url``."""
    status = escape(payment["status"])
    return _page(
        f"Payment {status}",
        f"<h1>Payment {status}</h1><p>{money(payment['total_amount'], payment['currency'])}"
        f" &middot; <code>{escape(payment['payment_id'])}</code></p>",
    )


def error_page(status: int, message: str) -> str:
    """A short error page for the browser routes."""
    return _page(f"Error {status}", f"<h1>Error {status}</h1><p>{escape(message)}</p>")


_DISPUTE_OUTCOMES = ("won", "lost", "accepted", "challenged", "cancelled", "expired")
_FINAL_DISPUTE_STATUSES = {"dispute_won", "dispute_lost", "dispute_accepted", "dispute_cancelled", "dispute_expired"}
_EXAMPLE_TYPES = (
    "payment.succeeded",
    "payment.failed",
    "payment.processing",
    "payment.cancelled",
    "refund.succeeded",
    "refund.failed",
    "dispute.opened",
    *(f"dispute.{outcome}" for outcome in _DISPUTE_OUTCOMES),
)


def _button(action: str, label: str, *, fields: str = "") -> str:
    """A one-button form posting to a control route (it redirects back here)."""
    return (
        f"<form method=post action='{escape(action)}'>{fields}<button class=small type=submit>{label}</button></form>"
    )


def _payment_actions(payment: dict[str, Any], query: str) -> str:
    payment_id = escape(payment["payment_id"])
    base = f"/_emulator/payments/{payment_id}"
    if payment["status"] != "succeeded":
        return ""
    actions = []
    left = payment["total_amount"] - sum(refund["amount"] or 0 for refund in payment["refunds"])
    if payment["refund_status"] != "full" and left > 0:
        actions.append(_button(f"{base}/refund{query}", "Refund"))
        if left > 1:
            # Prefilled with half of what is left, in the charged currency's minor units.
            amount = f"<input name=amount type=number min=1 max={left - 1} value={left // 2} aria-label=Amount>"
            actions.append(_button(f"{base}/refund{query}", "Partial refund", fields=amount))
    if all(dispute["dispute_status"] in _FINAL_DISPUTE_STATUSES for dispute in payment["disputes"]):
        actions.append(_button(f"{base}/dispute{query}", "Open dispute"))
    return "".join(actions) or escape(payment["refund_status"] or "")


def dashboard_page(state: dict[str, Any]) -> str:
    """``/_emulator/``: one environment's payments (refund, partial refund and dispute
    buttons), disputes (outcome buttons), discounts, products and webhook deliveries
    (redeliver buttons, send an example event)."""
    mode = state.get("mode", "test_mode")
    query = "" if mode == "test_mode" else "?" + urlencode({"mode": mode})
    payment_rows = []
    for payment in reversed(state["payments"]):
        refunded = payment["refund_status"] or ""
        payment_rows.append(
            f"<tr><td><code>{escape(payment['payment_id'])}</code></td>"
            f"<td>{escape(payment['status'])}{' &middot; ' + escape(refunded) if refunded else ''}</td>"
            f"<td class=num>{money(payment['total_amount'], payment['currency'])}</td>"
            f"<td class=num>{money(payment.get('tax') or 0, payment['currency'])}</td>"
            f"<td>{escape(payment['customer']['email'])}</td><td>{_payment_actions(payment, query)}</td></tr>"
        )
    dispute_rows = []
    for dispute in reversed(state.get("disputes", [])):
        base = f"/_emulator/disputes/{escape(dispute['dispute_id'])}"
        buttons = ""
        if dispute["dispute_status"] not in _FINAL_DISPUTE_STATUSES:
            buttons = "".join(
                _button(f"{base}/{outcome}{query}", outcome.capitalize())
                for outcome in _DISPUTE_OUTCOMES
                if f"dispute_{outcome}" != dispute["dispute_status"]
            )
        dispute_rows.append(
            f"<tr><td><code>{escape(dispute['dispute_id'])}</code></td>"
            f"<td><code>{escape(dispute['payment_id'])}</code></td>"
            f"<td class=num>{money(int(dispute['amount']), dispute['currency'])}</td>"
            f"<td>{escape(dispute['dispute_status'])}</td><td>{buttons}</td></tr>"
        )
    discount_rows = [
        f"<tr><td><code>{escape(discount['code'])}</code></td>"
        f"<td class=num>{discount['amount'] / 100:g}%</td>"
        f"<td class=num>{discount['times_used']}"
        f"{' / ' + str(discount['usage_limit']) if discount.get('usage_limit') else ''}</td>"
        f"<td>{escape(discount.get('expires_at') or '')}</td></tr>"
        for discount in reversed(state.get("discounts", []))
    ]
    product_rows = [
        f"<tr><td><code>{escape(product['product_id'])}</code></td>"
        f"<td>{escape(product['name'] or '')}</td>"
        f"<td class=num>{money(product['price']['price'], product['price']['currency'])}</td>"
        f"<td>{'archived' if product['archived'] else 'live'}</td></tr>"
        for product in reversed(state["products"])
    ]
    webhook_rows = [
        f"<tr><td><code>{escape(delivery['webhook_id'])}</code></td>"
        f"<td>{escape(delivery['type'])}</td><td>{escape(delivery['status'])}</td>"
        f"<td class=num>{len(delivery['attempts'])}</td>"
        f"<td>{_button('/_emulator/webhooks/' + delivery['webhook_id'] + '/redeliver' + query, 'Redeliver')}</td></tr>"
        for delivery in reversed(state["webhooks"])
    ]
    example = _button(
        f"/_emulator/webhooks/example{query}",
        "Send example event",
        fields="<select name=type aria-label='Event type'>"
        + "".join(f"<option>{escape(kind)}</option>" for kind in _EXAMPLE_TYPES)
        + "</select>",
    )

    def table(headers: str, rows: list[str], empty: str) -> str:
        if not rows:
            return f"<p class=note>{empty}</p>"
        # Wide tables scroll sideways on a phone instead of overflowing the card.
        return f"<div class=scroll><table><thead><tr>{headers}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"

    other = "live_mode" if mode == "test_mode" else "test_mode"
    switch = ""
    if state.get("live_mode_enabled"):
        href = "/_emulator/" if other == "test_mode" else "/_emulator/?mode=live_mode"
        switch = f" &middot; <a href='{href}'>{other.replace('_', ' ')}</a>"
    limits = state.get("rate_limit") or {}
    schedule = state.get("webhook_schedule") or {}
    return _page(
        "Dodo emulator",
        f"<h1>Dodo emulator <small class=note>{escape(mode.replace('_', ' '))}{switch}</small></h1>"
        "<h2>Payments</h2>"
        + table(
            "<th>Payment</th><th>Status</th><th class=num>Amount</th><th class=num>Tax</th><th>Customer</th><th></th>",
            payment_rows,
            "No payments yet.",
        )
        + "<h2>Disputes</h2>"
        + table(
            "<th>Dispute</th><th>Payment</th><th class=num>Amount</th><th>Status</th><th></th>",
            dispute_rows,
            "No disputes yet.",
        )
        + "<h2>Discounts</h2>"
        + table(
            "<th>Code</th><th class=num>Off</th><th class=num>Used</th><th>Expires</th>",
            discount_rows,
            "No discount codes yet.",
        )
        + "<h2>Products</h2>"
        + table(
            "<th>Product</th><th>Name</th><th class=num>Price</th><th>State</th>",
            product_rows,
            "No products yet.",
        )
        + "<h2>Webhooks</h2>"
        + example
        + table(
            "<th>webhook-id</th><th>Type</th><th>Status</th><th class=num>Attempts</th><th></th>",
            webhook_rows,
            "No webhooks sent yet.",
        )
        + f"<p class=note>Rate limit per key: {limits.get('per_second', '?')}/s, {limits.get('per_minute', '?')}/min"
        f" &middot; webhook attempts: {schedule.get('attempts', '?')}</p>"
        + f"<p class=note>JSON: <a href='/_emulator/state{query}'>state</a> &middot; "
        f"<a href='/_emulator/requests{query}'>requests</a></p>",
        wide=True,
    )
