"""The map's symbols, defined once: event type -> shape, the shapes' SVG paths and text glyphs,
status colours (events.vocab), and the legend built from them. The browser script
(static/conflictmap.js) gets the paths from here as data; it defines no symbol of its own."""
from __future__ import annotations

from typing import Any, Iterable

from events import vocab

from .. import fmt
from ..html_safe import safe

# Event type -> marker shape.
TYPE_SHAPES = {
    "aircraft_loss": "triangle",
    "air_strike": "triangle-down",
    "shelling": "diamond",
    "armed_clash": "star",
    "attack_on_civilians": "square",
    "casualty_report": "cross",
    "deployment": "hexagon",
    "strategic_development": "circle",
    "other": "circle",
}
DEFAULT_SHAPE = "circle"
# SVG paths in a 24x24 box.
SHAPE_PATHS = {
    "circle": "M12 3.5a8.5 8.5 0 1 0 0.001 0Z",
    "square": "M4.5 4.5h15v15h-15Z",
    "diamond": "M12 2l10 10-10 10-10-10Z",
    "triangle": "M12 2.5l10 18h-20Z",
    "triangle-down": "M2 4h20l-10 18Z",
    "star": "M12 1.5l3.1 6.9 7.4.7-5.6 5 1.7 7.4-6.6-3.9-6.6 3.9 1.7-7.4-5.6-5 7.4-.7Z",
    "cross": "M8.5 2.5h7v6h6v7h-6v6h-7v-6h-6v-7h6Z",
    "hexagon": "M12 2l9 5v10l-9 5-9-5V7Z",
}
# The same shapes as text, for legends outside the map (st.html drops inline SVG).
SHAPE_GLYPHS = {
    "circle": "●", "square": "■", "diamond": "◆", "triangle": "▲", "triangle-down": "▼",
    "star": "★", "cross": "✚", "hexagon": "⬢",
}
SELECTED_COLOUR = "#111827"


def shape_for(event_type: Any) -> str:
    return TYPE_SHAPES.get(fmt.text(event_type), DEFAULT_SHAPE)


def shape_glyph(shape: str, colour: str = "#4B5563") -> str:
    return f'<span class="lg-glyph" style="color:{safe(colour)}">{SHAPE_GLYPHS.get(shape, "●")}</span>'


def icon_svg(shape: str, colour: str, size: int = 22) -> str:
    """The marker symbol as SVG (shape and colour from our own tables only)."""
    path = SHAPE_PATHS.get(shape, SHAPE_PATHS[DEFAULT_SHAPE])
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 24 24">'
        f'<path d="{path}" fill="{safe(colour)}" stroke="#FFFFFF" stroke-width="1.6" '
        f'stroke-linejoin="round"/></svg>'
    )


def legend_html(event_types: Iterable[str] | None = None, *, svg: bool = True) -> str:
    """The legend's HTML: status colours, the shapes of the event types shown, the symbols.
    ``svg=False`` draws the shapes as text glyphs (for st.html, which drops inline SVG)."""
    rows = ['<div class="lg-title">Claim status</div>']
    for status in vocab.STATUSES:
        colour = vocab.STATUS_COLOURS[status]
        rows.append(
            f'<div class="lg-row"><span class="lg-swatch" style="background:{safe(colour)}"></span>'
            f"{safe(vocab.STATUS_LABELS[status])}</div>"
        )
    wanted = None if event_types is None else set(event_types)
    types = [t for t in vocab.EVENT_TYPES if wanted is None or t in wanted]
    if types:
        rows.append('<div class="lg-title">Event type</div>')
        for t in types:
            symbol = icon_svg(TYPE_SHAPES[t], "#6B7280", 14) if svg else shape_glyph(TYPE_SHAPES[t])
            rows.append(f'<div class="lg-row">{symbol}{safe(vocab.EVENT_TYPE_LABELS[t])}</div>')
    rows.append('<div class="lg-title">Symbols</div>')
    rows.append('<div class="lg-row"><span class="lg-circle"></span>circle = uncertainty of the place</div>')
    rows.append(
        '<div class="lg-row"><span class="lg-claim"></span><span class="lg-line"></span>'
        "a claimant's own place, linked to the event</div>"
    )
    rows.append('<div class="lg-row"><span class="lg-cluster">3</span>several events, click to zoom</div>')
    return "".join(rows)


def legend_details_html(event_types: Iterable[str] | None = None, open_: bool = False) -> str:
    """The in-map legend: collapsed by default so that it never hides markers."""
    swatches = "".join(
        f'<span class="lg-swatch" style="background:{safe(vocab.STATUS_COLOURS[s])}"></span>' for s in vocab.STATUSES
    )
    return (f"<details{' open' if open_ else ''}><summary>Legend <span class=\"lg-inline\">{swatches}</span></summary>"
            + legend_html(event_types) + "</details>")
