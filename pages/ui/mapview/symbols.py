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


def legend_html(event_types: Iterable[str] | None = None, *, svg: bool = True, dim: str = "status") -> str:
    """The legend's HTML: the colours of the colour dimension (claim status by default), the
    shapes of the event types shown, the symbols. ``svg=False`` draws the shapes as text glyphs
    (for st.html, which drops inline SVG)."""
    rows = [f'<div class="lg-title" data-dim="{safe(dim)}">{safe(DIM_TITLES.get(dim, dim))}</div>']
    for _, label, colour in colour_scale(dim, event_types):
        rows.append(
            f'<div class="lg-row"><span class="lg-swatch" style="background:{safe(colour)}"></span>'
            f"{safe(label)}</div>"
        )
    wanted = None if event_types is None else set(event_types)
    types = [t for t in vocab.EVENT_TYPES if wanted is None or t in wanted]
    if types:
        rows.append(f'<div class="lg-title">{"Shape" if dim == "type" else "Event type"}</div>')
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


def legend_details_html(event_types: Iterable[str] | None = None, open_: bool = False, dim: str = "status") -> str:
    """The in-map legend: collapsed by default so that it never hides markers."""
    swatches = "".join(
        f'<span class="lg-swatch" style="background:{safe(c)}"></span>' for _, _, c in colour_scale(dim, event_types)
    )
    return (f"<details{' open' if open_ else ''}><summary>Legend <span class=\"lg-inline\">{swatches}</span></summary>"
            + legend_html(event_types, dim=dim) + "</details>")


# --------------------------------------------------------------------------- colour by
# The map, its legend and the time histogram colour events by one dimension (pages.ui.state
# COLOUR_BY, ``?color=``): claim status (vocab colours), event type, or fatalities in bins.

# Event types in a fixed order (Tableau 10); types outside the vocabulary take the rest in turn.
_TYPE_PALETTE = ["#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F", "#EDC948", "#B07AA1", "#FF9DA7",
                 "#9C755F", "#BAB0AC"]
# Fatalities (events.schema best estimate): bins and a sequential palette; unknown is grey.
FATALITY_BINS = (("none", "0", 0, 0), ("1-9", "1–9", 1, 9), ("10-99", "10–99", 10, 99),
                 ("100+", "100 or more", 100, None))
FATALITY_COLOURS = {"unknown": "#9CA3AF", "none": "#FDE68A", "1-9": "#F59E0B", "10-99": "#DC2626",
                    "100+": "#7F1D1D"}
FATALITY_LABELS = {"unknown": "Unknown", **{k: lab for k, lab, _, _ in FATALITY_BINS}}


def fatality_bin(value: Any) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "unknown"
    if v != v or v < 0:  # NaN or nonsense
        return "unknown"
    # The same thresholds as events.engine.Engine.fatality_histogram.
    return "none" if v == 0 else "1-9" if v < 10 else "10-99" if v < 100 else "100+"


def type_colours(types: Iterable[str] | None = None) -> dict[str, str]:
    ordered = list(vocab.EVENT_TYPES) + sorted(set(types or ()) - set(vocab.EVENT_TYPES))
    return {t: _TYPE_PALETTE[i % len(_TYPE_PALETTE)] for i, t in enumerate(ordered)}


DATASET_COLOUR = "#111827"  # colour by dataset: this dataset's events (other datasets' layers have their own)


def colour_scale(dim: str, types: Iterable[str] | None = None) -> list[tuple[str, str, str]]:
    """(value, label, colour) of every value of a colour dimension, in legend order."""
    if dim == "dataset":
        return [("dataset", "This dataset", DATASET_COLOUR)]
    if dim == "type":
        wanted = None if types is None else set(types)
        return [(t, fmt.type_label(t), c) for t, c in type_colours(types).items() if wanted is None or t in wanted]
    if dim == "fatalities":
        return [(k, FATALITY_LABELS[k], FATALITY_COLOURS[k]) for k in ("none", "1-9", "10-99", "100+", "unknown")]
    return [(s, vocab.STATUS_LABELS[s], vocab.STATUS_COLOURS[s]) for s in vocab.STATUSES]


def row_colour(dim: str, row: Any, types: Iterable[str] | None = None) -> str:
    """The colour of one event (a mapping with status / event_type / fatalities_best)."""
    if dim == "type":
        return type_colours(types).get(fmt.text(row.get("event_type")), "#6B7280")
    if dim == "fatalities":
        return FATALITY_COLOURS[fatality_bin(row.get("fatalities_best"))]
    if dim == "dataset":
        return DATASET_COLOUR
    return fmt.status_colour(row.get("status"))


DIM_TITLES = {"status": "Claim status", "type": "Event type", "fatalities": "Fatalities (best estimate)",
              "dataset": "Dataset"}


def colour_legend_html(dim: str, types: Iterable[str] | None = None) -> str:
    """A legend strip for the colour dimension (escaped labels), for st.html under the map."""
    items = "".join(f'<span class="lg-item"><span class="lg-swatch" style="background:{safe(c)}"></span>'
                    f"{safe(label)}</span>" for _, label, c in colour_scale(dim, types))
    return f'<div class="lg-colour" data-dim="{safe(dim)}"><b>{safe(DIM_TITLES.get(dim, dim))}</b> {items}</div>'
