"""The emulator's invoice PDFs: a real, small, one-page PDF written in plain PDF syntax.

Dodo, as merchant of record, issues the buyer's invoice and serves it at
``GET /invoices/payments/{payment_id}``. The emulator's invoice names what a buyer and
an accountant look for (invoice number, date, seller of record, buyer, each product
with its amount, tax and total) so that a PDF viewer, ``pdftotext`` or a test can read
it. No PDF library is needed: one page, the standard Helvetica fonts (which every
reader has), text in Latin-1 (anything else becomes ``?``).
"""

from __future__ import annotations

from typing import Any

from . import money

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
MARGIN = 56


def _text(value: Any) -> str:
    """A PDF string literal's content: Latin-1, with ``\\``, ``(`` and ``)`` escaped."""
    text = str(value).encode("latin-1", "replace").decode("latin-1")
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


class _Page:
    """Collects text-drawing operators for one page."""

    def __init__(self) -> None:
        self.ops: list[str] = []

    def text(self, x: float, y: float, value: Any, *, size: float = 10, bold: bool = False) -> None:
        font = "F2" if bold else "F1"
        self.ops.append(f"BT /{font} {size:g} Tf {x:g} {y:g} Td ({_text(value)}) Tj ET")

    def right(self, x_right: float, y: float, value: Any, *, size: float = 10, bold: bool = False) -> None:
        # Helvetica's digits and most letters average about half an em: close enough to
        # line up a column of amounts, which is all right-aligned text is used for here.
        width = len(str(value)) * size * 0.52
        self.text(x_right - width, y, value, size=size, bold=bold)

    def rule(self, y: float) -> None:
        self.ops.append(f"0.8 G {MARGIN} {y:g} m {PAGE_WIDTH - MARGIN} {y:g} l S 0 G")

    def stream(self) -> bytes:
        return "\n".join(self.ops).encode("latin-1")


def render_pdf(page: _Page, *, title: str) -> bytes:
    """Wrap one page's content in a complete PDF file (catalog, page, fonts, xref)."""
    content = page.stream()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
            "/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>"
        ).encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        f"<< /Title ({_text(title)}) /Producer (Dodo emulator) >>".encode("latin-1"),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_at = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\nstartxref\n{xref_at}\n%%EOF\n"
    ).encode()
    return bytes(out)


def invoice_pdf(payment: dict[str, Any], lines: list[dict[str, Any]], *, business_id: str) -> bytes:
    """The invoice of a succeeded ``Payment``; ``lines`` are its cart lines with ``name``,
    ``quantity``, ``subtotal``, ``discount``, ``tax`` and ``total`` (minor units of the
    charged currency)."""
    currency = payment["currency"]

    def amount(minor: int) -> str:
        return money.format_amount(minor, currency)

    page = _Page()
    y = PAGE_HEIGHT - MARGIN
    page.text(MARGIN, y - 10, "Invoice", size=22, bold=True)
    page.right(PAGE_WIDTH - MARGIN, y - 4, "Dodo Payments (emulator)", size=11, bold=True)
    page.right(PAGE_WIDTH - MARGIN, y - 18, "Merchant of record", size=9)
    y -= 50
    number = "INV-" + payment["payment_id"].removeprefix("pay_")
    customer = payment.get("customer") or {}
    billing = payment.get("billing") or {}
    details = [
        ("Invoice number", number),
        ("Payment", payment["payment_id"]),
        ("Date", payment["created_at"][:10]),
        ("Business", business_id),
        ("Billed to", f"{customer.get('name', '')} <{customer.get('email', '')}>"),
        ("Country", billing.get("country") or "-"),
    ]
    for label, value in details:
        page.text(MARGIN, y, label, size=9)
        page.text(MARGIN + 110, y, value, size=10)
        y -= 15
    y -= 15
    columns = (PAGE_WIDTH - MARGIN - 210, PAGE_WIDTH - MARGIN - 130, PAGE_WIDTH - MARGIN)
    page.text(MARGIN, y, "Product", size=9, bold=True)
    page.right(columns[0], y, "Qty", size=9, bold=True)
    page.right(columns[1], y, "Tax", size=9, bold=True)
    page.right(columns[2], y, "Amount", size=9, bold=True)
    y -= 6
    page.rule(y)
    y -= 16
    for line in lines:
        page.text(MARGIN, y, str(line["name"])[:60], size=10)
        page.right(columns[0], y, line.get("quantity", 1), size=10)
        page.right(columns[1], y, amount(line.get("tax", 0)), size=10)
        page.right(columns[2], y, amount(line["total"]), size=10)
        y -= 16
    page.rule(y + 6)
    y -= 12
    subtotal = payment["total_amount"] - (payment.get("tax") or 0)
    totals = [("Subtotal (before tax)", amount(subtotal), False), ("Tax", amount(payment.get("tax") or 0), False)]
    for discount in payment.get("discounts") or []:
        totals.insert(0, (f"Discount code {discount.get('code', '')}", "applied", False))
    totals.append((f"Total paid ({currency})", amount(payment["total_amount"]), True))
    for label, value, bold in totals:
        page.right(columns[1], y, label, size=10, bold=bold)
        page.right(columns[2], y, value, size=10, bold=bold)
        y -= 16
    y -= 20
    page.text(
        MARGIN, y, "Paid by card. Dodo Payments sold this order as merchant of record and charged the tax.", size=8
    )
    return render_pdf(page, title=f"Invoice {number}")
