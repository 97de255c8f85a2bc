"""Pure Dash component builders: data in, components out. No I/O, no request state except the language.

Document text, titles and highlights are only ever rendered as text children and `html.Mark` — never as
HTML — so whatever a document contains (``<script>``, ``<img onerror>``) stays inert text. Every href is built
here from ids with `urllib.parse.quote`, never taken from document content.

The builders live in themed modules (`basic`, `hits`, `facets`, `charts`); this package re-exports them all, so
pages keep writing ``from cockpit import components as C`` and ``from cockpit.components import icon``.
"""

from __future__ import annotations

from cockpit.components.basic import (
    REGISTER_COLORS,
    REGISTER_ICONS,
    A,
    Builder,
    Labels,
    card,
    customer_label,
    definition_list,
    document_href,
    dossier_href,
    error_panel,
    h,
    icon,
    kpi_card,
    link,
    messages_alert,
    not_found,
    original_href,
    plain,
    register_badge,
    register_label,
)
from cockpit.components.charts import EUROPE_LAT, EUROPE_LON, TOPOJSON_URL, graph, map_figure, timeline_figure
from cockpit.components.facets import (
    FACET_ORDER,
    FACET_VISIBLE,
    GROUP_FACET,
    active_filter_chips,
    facet_sidebar,
    facet_value_label,
    group_label,
    group_section,
    message_text,
    pager,
    result_summary,
    url_messages,
)
from cockpit.components.hits import (
    MAX_MARKS,
    Fragment,
    compact_list,
    fragment_children,
    highlighted_text,
    hit_row,
    labels_from_hits,
    merge_labels,
    snippet,
)

__all__ = [
    "EUROPE_LAT",
    "EUROPE_LON",
    "FACET_ORDER",
    "FACET_VISIBLE",
    "GROUP_FACET",
    "MAX_MARKS",
    "REGISTER_COLORS",
    "REGISTER_ICONS",
    "TOPOJSON_URL",
    "A",
    "Builder",
    "Fragment",
    "Labels",
    "active_filter_chips",
    "card",
    "compact_list",
    "customer_label",
    "definition_list",
    "document_href",
    "dossier_href",
    "error_panel",
    "facet_sidebar",
    "facet_value_label",
    "fragment_children",
    "graph",
    "group_label",
    "group_section",
    "h",
    "highlighted_text",
    "hit_row",
    "icon",
    "kpi_card",
    "labels_from_hits",
    "link",
    "map_figure",
    "merge_labels",
    "messages_alert",
    "not_found",
    "original_href",
    "pager",
    "plain",
    "register_badge",
    "register_label",
    "result_summary",
    "snippet",
    "timeline_figure",
    "message_text",
    "url_messages",
]
