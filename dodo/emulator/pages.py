"""HTML pages of the emulator: the hosted checkout and the ``/_emulator/`` dashboard.

Plain HTML forms and a little inline CSS, no JavaScript, so they work in any browser
and in Playwright tests. Every value from the store goes through :func:`html.escape`.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import Any

# Display only: how many minor units a currency's major unit has, where not 2.
_EXPONENTS = {
    **dict.fromkeys("BIF CLP DJF GNF JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF".split(), 0),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
}

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
code{font-size:.8rem;word-break:break-all}
"""


def money(amount: int, currency: str) -> str:
    """``1999, "USD"`` -> ``"19.99 USD"``."""
    exponent = _EXPONENTS.get(currency, 2)
    return f"{Decimal(amount).scaleb(-exponent):.{exponent}f} {escape(currency)}"


def _page(title: str, body: str, *, wide: bool = False) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main{' class=wide' if wide else ''}><div class=card>{body}</div></main></body></html>"
    )


def checkout_page(view: dict[str, Any]) -> str:
    """The hosted checkout: the cart, the total, and Pay / Decline buttons."""
    session = view["session"]
    session_id = escape(session["session_id"])
    rows = "".join(
        f"<tr><td>{escape(line['name'] or '')}</td><td class=num>{line['quantity']}</td>"
        f"<td class=num>{money(line['amount'], view['currency'])}</td></tr>"
        for line in view["lines"]
    )
    table = (
        "<table><thead><tr><th>Product</th><th class=num>Qty</th><th class=num>Amount</th>"
        f"</tr></thead><tbody>{rows}</tbody><tfoot><tr class=total><td colspan=2>Total</td>"
        f"<td class=num data-testid=total>{money(view['total'], view['currency'])}</td></tr>"
        "</tfoot></table>"
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
    return _page(
        "Checkout",
        "<h1>Checkout</h1>"
        "<p class=note>Dodo Payments emulator: no card is charged.</p>"
        f"{table}<form method=post action='/checkout/{session_id}/pay'>{who}"
        "<div class=actions><button class=pay type=submit>Pay</button>"
        f"<button class=decline type=submit formaction='/checkout/{session_id}/decline'>"
        "Decline</button></div></form>",
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


def dashboard_page(state: dict[str, Any]) -> str:
    """``/_emulator/``: payments with a Refund button, products, webhook deliveries."""
    payment_rows = []
    for payment in reversed(state["payments"]):
        refundable = payment["status"] == "succeeded" and payment["refund_status"] != "full"
        refund_url = f"/_emulator/payments/{escape(payment['payment_id'])}/refund"
        button = (
            f"<form method=post action='{refund_url}'><button class=small type=submit>Refund</button></form>"
            if refundable
            else escape(payment["refund_status"] or "")
        )
        payment_rows.append(
            f"<tr><td><code>{escape(payment['payment_id'])}</code></td>"
            f"<td>{escape(payment['status'])}</td>"
            f"<td class=num>{money(payment['total_amount'], payment['currency'])}</td>"
            f"<td>{escape(payment['customer']['email'])}</td><td>{button}</td></tr>"
        )
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
        f"<td class=num>{len(delivery['attempts'])}</td></tr>"
        for delivery in reversed(state["webhooks"])
    ]

    def table(headers: str, rows: list[str], empty: str) -> str:
        if not rows:
            return f"<p class=note>{empty}</p>"
        # Wide tables scroll sideways on a phone instead of overflowing the card.
        return f"<div class=scroll><table><thead><tr>{headers}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"

    return _page(
        "Dodo emulator",
        "<h1>Dodo emulator</h1>"
        "<h2>Payments</h2>"
        + table(
            "<th>Payment</th><th>Status</th><th class=num>Amount</th><th>Customer</th><th></th>",
            payment_rows,
            "No payments yet.",
        )
        + "<h2>Products</h2>"
        + table(
            "<th>Product</th><th>Name</th><th class=num>Price</th><th>State</th>",
            product_rows,
            "No products yet.",
        )
        + "<h2>Webhooks</h2>"
        + table(
            "<th>webhook-id</th><th>Type</th><th>Status</th><th class=num>Attempts</th>",
            webhook_rows,
            "No webhooks sent yet.",
        )
        + "<p class=note>JSON: <a href='/_emulator/state'>state</a> &middot; "
        "<a href='/_emulator/requests'>requests</a></p>",
        wide=True,
    )
