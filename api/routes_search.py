"""Search, export, customers and dossiers."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlencode

from flask import Response, request
from flask_openapi3 import APIBlueprint, Tag

from api import convert
from api import models as M
from api.deps import MAX_PAGE_ITEMS, Deps, json_response, link_header
from app import customers, dossier, exports, search
from i18n import t

SEARCH = Tag(name="search", description="Full text, semantic and hybrid search with facets and grouping")
CUSTOMERS = Tag(name="customers", description="Customer master data and dossiers")
FILES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def cockpit_search_link(deps: Deps, query: M.SearchQuery) -> str:
    params: list[tuple[str, Any]] = [("q", query.q)] if query.q else []
    if query.mode != "hybrid":
        params.append(("mode", query.mode))
    if query.sort != "relevance":
        params.append(("sort", query.sort))
    if query.group:
        params.append(("group", query.group))
    if query.versions == "all":
        params.append(("versions", "all"))
    for name in M.FACET_FIELD:
        params += [(f"f.{name}", v) for v in query.values(name)]
    return deps.links.page("/search") + (f"?{urlencode(params)}" if params else "")


def add_routes(bp: APIBlueprint, deps: Deps) -> None:
    @bp.get("/search", tags=[SEARCH], responses={200: M.SearchOut}, summary="Search documents")
    def search_documents(query: M.SearchQuery) -> Response:
        """Every mode (hybrid, keyword, semantic), facets (counts exclude their own selection), grouping,
        sorting, cursor paging. Only documents the caller may see, in every part of the answer."""
        fp = query.fingerprint()
        page = deps.cursors.page(query.cursor, fp, max_page=MAX_PAGE_ITEMS // query.size)
        result = search.search(deps.ctx, deps.principal, query.to_request(page))
        shown = result.total_groups if query.group else result.total
        per_page = 10 if query.group else query.size
        more = page * per_page < min(shown, MAX_PAGE_ITEMS) and page < MAX_PAGE_ITEMS // query.size
        cursor = deps.cursors.make(fp, page + 1) if more else None
        args = request.args.to_dict(flat=False)
        self_link = deps.links.api("/search", args)
        next_link = deps.links.api("/search", {**args, "cursor": cursor}) if cursor else None
        body = convert.search(result, deps.links, deps.lang, self_link=self_link, next_link=next_link, cursor=cursor,
                              cockpit=cockpit_search_link(deps, query))  # fmt: skip
        return json_response(body, headers=link_header(next=next_link))

    @bp.get(
        "/export",
        tags=[SEARCH],
        summary="Export every match as CSV, XLSX or JSON",
        responses={200: {"description": "the file (JSON: rows and whether they were cut at `limit`)", "content": {
            FILES["csv"]: {"schema": {"type": "string"}},
            FILES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
            FILES["json"]: {"schema": M.ExportJsonOut.model_json_schema()},
        }}},
    )  # fmt: skip
    def export_documents(query: M.ExportQuery) -> Response:
        """Keyword semantics (query text, filters), at most `limit` rows; needs the export capability."""
        found = search.export(deps.ctx, deps.principal, query.to_request(1, facets=False), limit=query.limit)
        stamp = dt.date.today().isoformat()
        headers = {"X-Truncated": "true" if found.truncated else "false"}
        if query.format == "json":
            body = M.ExportJsonOut(rows=json.loads(json.dumps(found.rows, default=str)), truncated=found.truncated)
            return Response(body.model_dump_json(), mimetype=FILES["json"], headers=headers)
        header, table = exports.export_table(found.rows, lambda r: r)
        data_bytes = exports.to_csv(header, table) if query.format == "csv" else exports.to_xlsx(header, table)
        headers["Content-Disposition"] = f'attachment; filename="treffer-{stamp}.{query.format}"'
        return Response(data_bytes, mimetype=FILES[query.format], headers=headers)

    @bp.get("/customers", tags=[CUSTOMERS], responses={200: M.CustomersOut}, summary="Find customers")
    def find_customers(query: M.CustomerLookupQuery) -> Response:
        """By customer number (any spelling: K-10234, k10234, 10234) or by name words."""
        found = customers.lookup(deps.ctx, deps.principal, number=query.number, name=query.name, size=query.size)
        return json_response(M.CustomersOut(customers=[convert.customer(c, deps.links) for c in found]))

    @bp.get("/customers/<customer_id>", tags=[CUSTOMERS], responses={200: M.CustomerOut}, summary="One customer")
    def get_customer(path: M.CustomerPath) -> Response:
        return json_response(
            convert.customer(customers.get_customer(deps.ctx, deps.principal, path.customer_id), deps.links)
        )

    @bp.post("/customers", tags=[CUSTOMERS], responses={200: M.ChangeReportOut}, summary="Upsert master data")
    def upsert_customers(body: M.CustomersUpsert) -> Response:
        """Insert or update customers of the key's tenant from ERP/CRM (up to 1,000 per call); the answer says
        which are new, changed, unchanged, and which rows were rejected and why. Needs master_data."""
        report = customers.upsert(deps.ctx, deps.principal, [c.to_row() for c in body.customers])
        return json_response(
            M.ChangeReportOut(
                new=report.new,
                changed=report.changed,
                unchanged=report.unchanged,
                rejected=[
                    M.RejectedRow(row=n, code=code, detail=detail, message=t(code, deps.lang, value=detail))
                    for n, code, detail in report.rejected
                ],
            )  # fmt: skip
        )

    @bp.get(
        "/customers/<customer_id>/dossier", tags=[CUSTOMERS], responses={200: M.DossierOut}, summary="Dossier summary"
    )
    def get_dossier(path: M.CustomerPath) -> Response:
        """Key figures, registers with counts and their newest documents, latest documents, timeline buckets."""
        return json_response(convert.dossier(dossier.dossier(deps.ctx, deps.principal, path.customer_id), deps.links))
