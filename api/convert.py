"""The application layer's typed results -> the API's response models, each with its links (the API resource
and the cockpit page it corresponds to)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlencode

import i18n
from api import models as M
from domain.errors import Message
from search.documents import DocumentData
from search.dossier import DossierData
from search.parse import Hit, SearchResult

API = "/api/v1"


class Linker:
    """Absolute links of this deployment (its own root URL)."""

    def __init__(self, root: str) -> None:
        self.root = root.rstrip("/")

    def api(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        query = f"?{urlencode(params, doseq=True)}" if params else ""
        return f"{self.root}{API}{path}{query}"

    def page(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        query = f"?{urlencode(params, doseq=True)}" if params else ""
        return f"{self.root}{path}{query}"

    def document(self, doc_id: str) -> M.Links:
        return M.Links(self=self.api(f"/documents/{quote(doc_id, safe='')}"),
                       cockpit=self.page(f"/document/{quote(doc_id, safe='')}"))  # fmt: skip

    def customer(self, customer_id: str) -> M.Links:
        cid = quote(customer_id, safe="")
        return M.Links(self=self.api(f"/customers/{cid}"), cockpit=self.page(f"/dossier/{cid}"))


def message(m: Message, lang: str) -> M.MessageOut:
    return M.MessageOut(code=m.code, params=dict(m.params), text=i18n.t(m.code, lang, **dict(m.params)))


def hit(h: Hit, links: Linker) -> M.HitOut:
    fragments = [[M.Fragment(text=t, match=m) for t, m in frag] for frag in h.snippet]
    return M.HitOut(
        doc_id=h.doc_id, title=h.title, register=h.register, doc_date=h.doc_date, language=h.language,
        customer_ids=list(h.customer_ids), customer_names=list(h.customer_names), version=h.version,
        is_latest=h.is_latest, score=h.score, highlights=fragments, links=links.document(h.doc_id),
    )  # fmt: skip


def facets(result: SearchResult) -> dict[str, list[M.FacetValue]]:
    return {
        M.FACET_NAME.get(name, name): [M.FacetValue(value=b.value, count=b.count, selected=b.selected) for b in buckets]
        for name, buckets in result.facets.items()
    }


def search(
    result: SearchResult, links: Linker, lang: str, *, self_link: str, next_link: str | None, cursor: str | None,
    cockpit: str,
) -> M.SearchOut:  # fmt: skip
    return M.SearchOut(
        total=result.total, total_is_exact=result.total_is_exact, mode=result.mode, took_ms=result.took_ms,
        hits=[hit(h, links) for h in result.hits], facets=facets(result),
        groups=[M.GroupOut(key=g.key, count=g.count, hits=[hit(h, links) for h in g.hits]) for g in result.groups],
        total_groups=result.total_groups, messages=[message(m, lang) for m in result.messages],
        next_cursor=cursor, links=M.Links(self=self_link, next=next_link, cockpit=cockpit),
    )  # fmt: skip


def customer(src: Mapping[str, Any], links: Linker) -> M.CustomerOut:
    cid = str(src.get("customer_id") or "")
    data = {k: v for k, v in src.items() if k in M.CustomerOut.model_fields and k != "links"}
    data["addresses"] = [M.AddressOut.model_validate(a) for a in src.get("addresses") or [] if isinstance(a, dict)]
    for key in ("aliases", "emails", "domains", "phones", "ibans"):
        data[key] = [str(v) for v in data.get(key) or []]
    return M.CustomerOut.model_validate({**data, "customer_id": cid, "links": links.customer(cid)})


def dossier(d: DossierData, links: Linker) -> M.DossierOut:
    return M.DossierOut(
        customer_id=d.customer_id, name=d.name,
        customer=customer({"customer_id": d.customer_id, **d.customer}, links) if d.customer else None,
        total=d.total, open_complaints=d.open_complaints,
        last_order=hit(d.last_order, links) if d.last_order else None,
        last_delivery=hit(d.last_delivery, links) if d.last_delivery else None,
        revenue_12m=d.revenue_12m, currency=d.currency, revenue_documents=d.revenue_count,
        registers=[M.RegisterOut(register=r, count=n, latest=[hit(h, links) for h in hs]) for r, n, hs in d.registers],
        latest=[hit(h, links) for h in d.latest],
        timeline=[M.TimelineOut(month=m, register=r, count=n) for m, r, n in d.timeline],
        links=M.Links(self=links.api(f"/customers/{quote(d.customer_id, safe='')}/dossier"),
                      cockpit=links.page(f"/dossier/{quote(d.customer_id, safe='')}")),
    )  # fmt: skip


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def document(d: DocumentData, links: Linker) -> M.DocumentOut:
    s, did = d.source, quote(d.doc_id, safe="")
    f = s.get("filing") or {}
    return M.DocumentOut(
        doc_id=d.doc_id, title=str(s.get("title") or s.get("subject") or s.get("file_name") or d.doc_id),
        register=s.get("register"), doc_date=s.get("doc_date"), received_at=s.get("received_at"),
        indexed_at=s.get("indexed_at"), tenant=s.get("tenant"), language=s.get("language"),
        version=s.get("version"), is_latest=s.get("is_latest"), family_id=s.get("family_id"),
        file_name=s.get("file_name"), mime_type=s.get("mime_type"), source_kind=s.get("source_kind"),
        status=s.get("status"), total_amount=_float(s.get("total_amount")), currency=s.get("currency"),
        content_sha256=s.get("content_sha256"),
        customers=[M.DocCustomer(customer_id=c, name=n, number=num, links=links.customer(c)) for c, n, num in d.customers],
        versions=[M.VersionOut(doc_id=str(v.get("doc_id")), version=v.get("version"), is_latest=v.get("is_latest"),
                               doc_date=v.get("doc_date"), title=v.get("title")) for v in d.versions],
        filing=M.FilingOut(status=f.get("status"), confidence=_float(f.get("confidence")),
                           reasons=[str(r) for r in f.get("reasons") or []], register_reason=f.get("register_reason"),
                           candidates=[str(c) for c in f.get("candidates") or []]),
        text_chars=d.text_total_chars,
        links={
            "self": links.api(f"/documents/{did}"), "text": links.api(f"/documents/{did}/text"),
            "passages": links.api(f"/documents/{did}/passages"), "original": links.api(f"/documents/{did}/original"),
            "similar": links.api(f"/documents/{did}/similar"), "cockpit": links.page(f"/document/{did}"),
        },
    )  # fmt: skip


def text(d: DocumentData) -> M.TextOut:
    shown = sum(len(t) for t, _ in d.text_pieces)
    return M.TextOut(doc_id=d.doc_id, text=[M.Fragment(text=t, match=m) for t, m in d.text_pieces],
                     chars=d.text_total_chars, truncated=shown < d.text_total_chars)  # fmt: skip


def hits(found: Iterable[Hit], links: Linker) -> M.HitsOut:
    return M.HitsOut(hits=[hit(h, links) for h in found])
