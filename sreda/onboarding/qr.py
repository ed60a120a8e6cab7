"""QR codes of parent invitation links (R21), drawn by `segno`: SVG and PNG, no Pillow needed."""
from __future__ import annotations

import io

import segno


def _code(text: str):
    return segno.make(text, error="m", micro=False)


def qr_svg(text: str, *, scale: int = 4, inline: bool = False) -> str:
    """The QR code as SVG text; `inline` omits the XML declaration, for embedding in a page."""
    out = io.BytesIO()
    _code(text).save(out, kind="svg", scale=scale, border=2, xmldecl=not inline, svgns=True,
                     title="QR-код приглашения родителя" if inline else None)
    return out.getvalue().decode()


def qr_png(text: str, *, scale: int = 6) -> bytes:
    out = io.BytesIO()
    _code(text).save(out, kind="png", scale=scale, border=2)
    return out.getvalue()
