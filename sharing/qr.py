"""The QR code of a share link's address, drawn on the server as inline SVG (segno): no
image service, no script."""

import segno


def svg(address: str) -> str:
    code = segno.make(address, error="m", micro=False)
    return code.svg_inline(scale=4, border=2, dark="#000", light="#fff", omitsize=True)
