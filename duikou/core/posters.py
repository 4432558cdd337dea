"""Posters that lead people to a page by a QR code: an A4 PDF made offline (the code drawn by segno as SVG, the page
laid out by WeasyPrint in Noto Sans CJK from Debian's fonts-noto-cjk) with the address printed under the code too, for
phones that cannot scan. Knows no domain: the caller gives the title, the lines, the address and the footer, and
makes the address with ``core.public.public_url`` so that it is one the public can reach."""

import io

import segno
from django.template.loader import render_to_string

from .documents import SANS

STYLE = f"""
@page {{ size: A4; margin: 18mm 18mm 16mm; }}
html {{ font-family: "{SANS}", sans-serif; color: #000; }}
body {{ margin: 0; text-align: center; }}
h1 {{ font-size: 34pt; line-height: 1.25; font-weight: bold; color: #a4161a; margin: 4mm 0 8mm; }}
p.line {{ font-size: 17pt; line-height: 1.5; margin: 0 0 2mm; }}
figure {{ margin: 8mm 0 0; }}
img.qr {{ width: 110mm; height: 110mm; }}
figcaption.url {{ font-size: 15pt; line-height: 1.4; margin-top: 3mm; overflow-wrap: anywhere; }}
footer {{ position: absolute; bottom: 0; left: 0; right: 0; font-size: 12pt; line-height: 1.5; color: #333; }}
"""


def _code(url: str) -> segno.QRCode:
    return segno.make(url, error="m", micro=False)  # error level M: a poster may get creased or stained


def qr_png(url: str, *, scale: int = 8) -> bytes:
    """The QR code of ``url`` as a PNG, ``scale`` pixels a module, with the standard quiet zone."""
    out = io.BytesIO()
    _code(url).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def qr_poster_pdf(*, title: str, lines: list[str], url: str, footer: str = "") -> bytes:
    """An A4 poster as PDF: ``title`` large, ``lines`` one paragraph each, the QR code of ``url`` with ``url`` printed
    under it, ``footer`` at the bottom of the page."""
    from weasyprint import CSS, HTML  # imported here: loading pango takes a moment and only this needs it

    html = render_to_string(
        "core/poster.html",
        {
            "title": title,
            "lines": lines,
            "url": url,
            "footer": footer,
            "qr_src": _code(url).svg_data_uri(border=4),
        },
    )
    return HTML(string=html).write_pdf(stylesheets=[CSS(string=STYLE)])
