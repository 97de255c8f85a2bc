"""Dashboard panels as plain plotly figure dicts, and their data as export tables (pure, no callbacks).

Every trace carries `customdata = [[href, count], …]`: the drill-down link of each bar / point / slice (None
where there is nothing to open) and the number of documents behind it; the page's click callback follows it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from html import escape as html_escape
from typing import Any

from app.dashboard_model import Panel, Point
from cockpit.components.basic import REGISTER_COLORS, register_label
from cockpit.dashboard_links import drill_href
from cockpit.i18n import fmt_month, t, t_or

FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12}
PALETTE = ["#2f6fde", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f"]
SPIKE = "#d62728"
BAR = "#2f6fde"


def week_label(iso: str, lang: str) -> str:
    d = dt.date.fromisoformat(iso)
    year, week, _ = d.isocalendar()
    return t("dash.week", lang, week=week, year=str(year)[2:])


def value_label(panel: str, value: str, lang: str) -> str:
    """The display label of a series or category value of a panel."""
    if value == "__none__":
        return t("dash.none.__none__", lang)
    if panel == "volume_register":
        return register_label(value, lang)
    if panel in ("volume_channel",):
        return t_or(f"channel.{value}", value, lang)
    if panel == "filing_weekly":
        return t_or(f"filing.{value}", value, lang)
    if panel == "complaint_reasons":
        return t_or(f"reason.{value}", value, lang)
    if panel == "volume_language":
        return t_or(f"language.{value}", value, lang)
    if panel in ("complaints_open_age", "cases_open_age"):
        return t("dash.age", lang, days=value)
    return t_or(f"dash.none.{value}", value, lang) if value == "__none__" else value


def x_label(panel: str, p: Point, lang: str) -> str:
    if panel in ("complaints_weekly", "volume_channel", "filing_weekly", "ingest_failures"):
        return week_label(p.x, lang)
    if panel in ("volume_register", "revenue_monthly"):
        return fmt_month(p.x[:7], lang, short=True)
    if p.label:
        return html_escape(p.label)  # customer names are data: plotly renders some markup in labels
    return html_escape(value_label(panel, p.x, lang))


def _custom(points: Sequence[Point]) -> list[list[Any]]:
    return [[drill_href(p.drill), p.count] for p in points]


def _layout(height: int = 260, **extra: Any) -> dict[str, Any]:
    return {
        "margin": {"l": 40, "r": 10, "t": 10, "b": 40}, "height": height, "font": FONT,
        "plot_bgcolor": "white", "paper_bgcolor": "white", "hovermode": "closest", "clickmode": "event",
        "legend": {"orientation": "h", "y": -0.22, "font": {"size": 11}},
        "yaxis": {"gridcolor": "#eef0f3", "rangemode": "tozero", "automargin": True},
        "xaxis": {"type": "category", "automargin": True},
        **extra,
    }  # fmt: skip


def _series(panel: Panel) -> list[str]:
    seen: dict[str, None] = {}
    for p in panel.points:
        seen.setdefault(p.series, None)
    names = list(seen)
    if panel.key == "volume_register":
        order = list(REGISTER_COLORS)
        names.sort(key=lambda r: order.index(r) if r in order else 99)
    return names


def _color(panel: str, series: str, i: int) -> str:
    if panel == "volume_register" and series in REGISTER_COLORS:
        return REGISTER_COLORS[series]
    return PALETTE[i % len(PALETTE)]


def stacked_figure(panel: Panel, lang: str) -> dict[str, Any]:
    xs = list(panel.axis) or list(dict.fromkeys(p.x for p in panel.points))
    labels = {x: x_label(panel.key, Point(x=x, value=0), lang) for x in xs}
    data = []
    for i, series in enumerate(_series(panel)):
        pts = {p.x: p for p in panel.points if p.series == series}
        ordered = [pts.get(x) or Point(x=x, value=0, series=series) for x in xs]
        name = value_label(panel.key, series, lang)
        data.append({"type": "bar", "name": name, "x": [labels[x] for x in xs], "y": [p.value for p in ordered],
                     "customdata": _custom(ordered), "marker": {"color": _color(panel.key, series, i)},
                     "hovertemplate": "%{x}: %{y}<extra>" + _plain(name) + "</extra>"})  # fmt: skip
    return {"data": data, "layout": _layout(barmode="stack", bargap=0.2)}


def bars_figure(panel: Panel, lang: str, *, percent: bool = False) -> dict[str, Any]:
    """One bar trace; several series (currencies) become their own bars side by side, labelled "x · series"
    (never stacked or summed)."""
    series = _series(panel)
    pts = sorted(panel.points, key=lambda p: series.index(p.series)) if len(series) > 1 else list(panel.points)
    many = len(series) > 1
    cats = [x_label(panel.key, p, lang) + (f" · {html_escape(p.series)}" if many else "") for p in pts]
    colors = [SPIKE if p.flag else PALETTE[series.index(p.series) % len(PALETTE)] for p in pts]
    data: list[dict[str, Any]] = [{
        "type": "bar", "name": t(f"dash.panel.{panel.key}", lang), "x": cats,
        "y": [p.value * 100 if percent else p.value for p in pts], "customdata": _custom(pts),
        "marker": {"color": colors}, "hovertemplate": "%{x}: %{y}<extra>%{customdata[1]}</extra>",
    }]  # fmt: skip
    layout = _layout(showlegend=False)
    if percent:
        layout["yaxis"]["ticksuffix"] = " %"
    if panel.key == "complaints_weekly" and "trend_slope" in panel.figures and panel.points:
        data.append({"type": "scatter", "mode": "lines", "name": t("dash.trend", lang), "x": [cats[0], cats[-1]],
                     "y": [panel.figures["trend_start"], panel.figures["trend_end"]], "hoverinfo": "skip",
                     "line": {"color": "#555", "dash": "dot"}})  # fmt: skip
    return {"data": data, "layout": layout}


def pie_figure(panel: Panel, lang: str) -> dict[str, Any]:
    pts = list(panel.points)
    return {
        "data": [{"type": "pie", "labels": [x_label(panel.key, p, lang) for p in pts], "values": [p.value for p in pts],
                  "customdata": _custom(pts), "hole": 0.45, "sort": False, "textinfo": "label+percent",
                  "hovertemplate": "%{label}: %{value}<extra></extra>", "marker": {"colors": PALETTE}}],
        "layout": _layout(showlegend=False),
    }  # fmt: skip


def response_figure(panel: Panel, lang: str) -> dict[str, Any]:
    f = panel.figures
    data = []
    for i, (key, value) in enumerate((("median_days", f.get("median_days")), ("p90_days", f.get("p90_days")))):
        data.append({"type": "indicator", "mode": "number", "value": value if value is not None else 0,
                     "number": {"suffix": " " + t("dash.days", lang), "valueformat": ".1f", "font": {"size": 26}},
                     "title": {"text": t(f"dash.{key}", lang)}, "domain": {"x": [i * 0.52, i * 0.52 + 0.46], "y": [0, 1]}})  # fmt: skip
    return {"data": data, "layout": _layout(height=160)}


def case_label(panel: Panel, p: Point, lang: str) -> str:
    """A case panel's bar: an age bucket, a step (its label in the process file) or a department."""
    if p.x == "__none__":
        return t("dash.none.__none__", lang)
    if p.series == "step":
        return str((panel.figures.get("step_labels") or {}).get(p.x, {}).get(lang) or p.x)
    return value_label(panel.key, p.x, lang) if panel.key == "cases_open_age" else p.x


def cases_figure(panel: Panel, lang: str) -> dict[str, Any]:
    """Cases per bar (hover: and their documents, what a click opens); the SLA panel draws its steps and its
    departments side by side. The total (series "total") is the figure line's, not a bar."""
    groups = ("step", "department") if panel.key == "cases_sla" else ("",)
    data: list[dict[str, Any]] = []
    layout = _layout(showlegend=False)
    docs = t("dash.cases.documents", lang)
    for i, series in enumerate(groups):
        pts = [p for p in panel.points if p.series == series]
        axis = "" if i == 0 else str(i + 1)
        trace: dict[str, Any] = {
            "type": "bar", "name": t(f"dash.cases.{series or 'age'}", lang),
            "x": [html_escape(case_label(panel, p, lang)) for p in pts], "y": [p.value for p in pts],
            "customdata": _custom(pts), "marker": {"color": PALETTE[i] if series else BAR},
            "hovertemplate": "%{x}: %{y}<extra>%{customdata[1]} " + _plain(docs) + "</extra>",
        }  # fmt: skip
        if axis:
            trace |= {"xaxis": f"x{axis}", "yaxis": f"y{axis}"}
        data.append(trace)
    if len(groups) == 2:
        layout["xaxis"] |= {"domain": [0, 0.47], "title": {"text": t("dash.cases.step", lang), "font": {"size": 11}}}
        layout["xaxis2"] = {**layout["xaxis"], "domain": [0.53, 1], "anchor": "y2",
                            "title": {"text": t("dash.cases.department", lang), "font": {"size": 11}}}  # fmt: skip
        layout["yaxis2"] = {**layout["yaxis"], "anchor": "x2"}
        layout["xaxis"]["tickangle"] = layout["xaxis2"]["tickangle"] = -30
    return {"data": data, "layout": layout}


def figure(panel: Panel, lang: str) -> dict[str, Any] | None:
    """The panel's figure (None: a table panel)."""
    if panel.key == "complaint_response":
        return response_figure(panel, lang)
    if panel.key in ("cases_open_age", "cases_sla"):
        return cases_figure(panel, lang)
    if panel.kind == "table":
        return None
    if panel.kind == "stacked":
        return stacked_figure(panel, lang)
    if panel.kind == "pie":
        return pie_figure(panel, lang)
    fig = bars_figure(panel, lang, percent=panel.key == "complaint_rate_top")
    if panel.key in ("revenue_top", "complaint_rate_top", "complaint_reasons", "revenue_manager"):
        fig["layout"]["xaxis"]["tickangle"] = -30
        fig["layout"]["height"] = 300
    return fig


# ------------------------------------------------------------------------------------------------ exports


def export_rows(
    panel: Panel, lang: str, label: Callable[[str, Point], str] | None = None
) -> tuple[list[str], list[list[Any]]]:
    """The panel's data as a table: category, series, value, documents, period, link."""
    header = [t(f"dash.col.{c}", lang) for c in ("x", "label", "series", "value", "count", "from", "to", "link")]
    rows = []
    cases = panel.key in ("cases_open_age", "cases_sla")
    if label is None and cases:
        label = lambda _k, q: t("dash.cases.total", lang) if q.series == "total" else case_label(panel, q, lang)  # noqa: E731
    for p in panel.points:
        d = p.drill
        series = (
            (t(f"dash.cases.{p.series}", lang) if cases else value_label(panel.key, p.series, lang)) if p.series else ""
        )
        rows.append([p.x, p.label or (label or (lambda k, q: value_label(k, q.x, lang)))(panel.key, p), series, p.value, p.count,
                     d.date_from if d else None, d.date_to if d else None, drill_href(d) if d else None])  # fmt: skip
    for k, v in sorted(panel.figures.items()):
        if not isinstance(v, list | tuple | dict):
            rows.append([k, t_or(f"dash.fig.{k}", k, lang), "", v, None, None, None, None])
    return header, rows


def _plain(text: str) -> str:
    """Text for plotly hover templates: no markup, no template placeholders from data."""
    return text.replace("<", "‹").replace(">", "›").replace("%{", "%\u200b{")
