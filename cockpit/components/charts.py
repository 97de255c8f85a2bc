"""Charts as plain plotly figure dicts (documents per month, addresses on an offline map) and the `graph`
wrapper that shows them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape as html_escape
from typing import Any

from dash import dcc, html

from cockpit.components.basic import REGISTER_COLORS, A, register_label
from cockpit.i18n import current_lang, fmt_month

# --------------------------------------------------------------------------------------------- charts


def timeline_figure(timeline: Sequence[tuple[str, str, int]], lang: str | None = None) -> dict[str, Any]:
    """Documents per month, stacked by register: a plain plotly figure dict (go.Figure's validation costs
    ~40 ms per page; the dict is what the browser receives either way)."""
    lang = lang or current_lang()
    months = _month_range(sorted({m for m, _, _ in timeline}))
    regs = sorted(
        {r for _, r, _ in timeline}, key=lambda r: list(REGISTER_COLORS).index(r) if r in REGISTER_COLORS else 99
    )
    counts = {(m, r): c for m, r, c in timeline}
    totals: dict[str, int] = {}
    for m, _, c in timeline:
        totals[m] = totals.get(m, 0) + c
    peak = max(totals.values(), default=1)
    labels = [fmt_month(m, lang, short=True) for m in months]
    data = [
        {
            "type": "bar",
            "x": labels,
            "y": [counts.get((m, r), 0) for m in months],
            "name": register_label(r, lang),
            "marker": {"color": REGISTER_COLORS.get(r, "#adb5bd")},
            "hovertemplate": "%{x}: %{y}<extra>" + register_label(r, lang) + "</extra>",
        }
        for r in regs
    ]
    layout = {
        "barmode": "stack",
        "bargap": 0.55 if len(months) <= 3 else 0.25,
        "margin": {"l": 30, "r": 10, "t": 10, "b": 30},
        "height": 260,
        "legend": {"orientation": "h", "y": -0.18, "font": {"size": 11}},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
        "yaxis": {
            "gridcolor": "#eef0f3",
            "rangemode": "tozero",
            "tickformat": "d",
            "dtick": max(1, math.ceil(peak / 5)),
        },
        "xaxis": {"type": "category", "nticks": 12},
    }
    return {"data": data, "layout": layout}


def _month_range(months: list[str], limit: int = 120) -> list[str]:
    """["2025-02", "2025-05"] -> every month from the first to the last (empty months count too)."""
    if not months:
        return []
    try:
        y, m = (int(x) for x in months[0].split("-")[:2])
        y2, m2 = (int(x) for x in months[-1].split("-")[:2])
    except ValueError:
        return months
    out: list[str] = []
    while (y, m) <= (y2, m2) and len(out) < limit:
        out.append(f"{y:04d}-{m:02d}")
        m += 1
        if m > 12:
            y, m = y + 1, 1
    return out if len(out) < limit else months


def inert(text: str) -> str:
    """Plotly renders a subset of HTML in chart text (<b>, <a href>, <br>): master data is shown as typed."""
    return html_escape(text, quote=False)


def map_figure(points: Sequence[dict[str, Any]], lang: str | None = None) -> dict[str, Any]:
    """Addresses on an offline plotly geo map (Natural Earth shapes served from our assets: no tile server).
    Each point: lat, lon, kind, and the `lines` of its hover text (shown as typed, one per line)."""
    lats = [float(p["lat"]) for p in points]
    lons = [float(p["lon"]) for p in points]
    lat_c = (max(lats) + min(lats)) / 2
    lon_c = (max(lons) + min(lons)) / 2
    span = max(max(lats) - min(lats), (max(lons) - min(lons)) * 0.5, 3.0)
    in_europe = all(EUROPE_LAT[0] <= la <= EUROPE_LAT[1] for la in lats) and all(
        EUROPE_LON[0] <= lo <= EUROPE_LON[1] for lo in lons
    )
    data = [
        {
            "type": "scattergeo",
            "lat": lats,
            "lon": lons,
            "text": ["<br>".join(inert(str(line)) for line in p.get("lines") or []) for p in points],
            "hovertemplate": "%{text}<extra></extra>",
            "mode": "markers",
            "marker": {
                "size": 11,
                "color": ["#0d6efd" if p.get("kind") == "billing" else "#20c997" for p in points],
                "line": {"width": 1, "color": "white"},
            },  # fmt: skip
        }
    ]
    geo = {
        "scope": "europe" if in_europe else "world",
        "resolution": 50 if in_europe else 110,
        "projection": {"type": "mercator"},
        "center": {"lat": lat_c, "lon": lon_c},
        "lataxis": {"range": [lat_c - span * 0.9, lat_c + span * 0.9]},
        "lonaxis": {"range": [lon_c - span * 2.6, lon_c + span * 2.6]},
        "showcountries": True,
        "countrycolor": "#c8ccd2",
        "showland": True,
        "landcolor": "#f3f4f6",
        "showocean": True,
        "oceancolor": "#e8f1fb",
        "showlakes": False,
        "showframe": False,
    }
    return {
        "data": data,
        "layout": {"geo": geo, "margin": {"l": 0, "r": 0, "t": 0, "b": 0}, "height": 240, "paper_bgcolor": "white"},
    }


TOPOJSON_URL = "/assets/topojson/"  # europe_50m / world_110m shipped in cockpit/assets (no CDN)
EUROPE_LAT = (30.0, 80.0)
EUROPE_LON = (-25.0, 50.0)


def graph(figure: Any, graph_id: str, label: str) -> html.Div:
    config: Any = {"displayModeBar": False, "responsive": True, "topojsonURL": TOPOJSON_URL}
    return html.Div(
        dcc.Graph(id=graph_id, figure=figure, config=config, className="chart"),
        role="img",
        **A({"aria-label": label}),
    )
