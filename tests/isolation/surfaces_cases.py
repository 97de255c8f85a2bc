"""Isolation surfaces of cases and resubmissions: a case's detail, my tasks, the queues, the cases of every
document and dossier, the documents of cases, resubmissions — as use cases and through the API — each with an
exact check (cases carry ids, not sentinels: what a principal is shown must rest on a document the oracle lets
them read)."""

from __future__ import annotations

from typing import Any

from tests.isolation.surface_kit import DOC_IDS, _api_get, guarded, per_doc
from tests.isolation.world import CUSTOMER_IDS, DOC_BY_ID, Case, World


def _cases(w: World, c: Case) -> Any:
    """A case's detail, my tasks, the department queues and the cases of every document, as this principal."""
    from app import cases

    return {
        "detail": {
            d: guarded(lambda cid=cid: cases.get_case(w.ctx, c.principal, cid)) for d, cid in w.case_ids.items()
        },
        "mine": guarded(lambda: cases.my_tasks(w.ctx, c.principal)),
        "queues": {q: guarded(lambda q=q: cases.queue(w.ctx, c.principal, q)) for q in ("", "vertrieb-nord")},
        "of_document": per_doc(lambda d: cases.cases_of_document(w.ctx, c.principal, d))(w, c),
    }


def _case_documents(w: World, c: Case) -> Any:
    """The documents of every case (titles, customers: the task list and the case page), as this principal."""
    from app import cases
    from app.case_views import case_documents
    from domain.principal import Principal

    found = [cases.get_case(w.ctx, Principal.system(), cid) for cid in w.case_ids.values()]
    return guarded(lambda: case_documents(w.ctx, c.principal, found))


def _verify_cases(w: World, c: Case, out: Any) -> None:
    """Cases carry ids, not sentinels: every case shown must have a document the oracle lets this principal read,
    and a case on a readable document must be found."""
    from app.cases import Case as CaseRecord

    allowed = c.expected().docs
    found: list[Any] = []

    def walk(x: Any) -> None:
        if isinstance(x, CaseRecord):
            found.append(x)
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list | tuple):
            for v in x:
                walk(v)

    walk(out)
    for case in found:
        assert set(case.doc_ids) & allowed, f"case {case.case_id} ({case.doc_ids}) shown to {c.name}"
    for doc, cid in w.case_ids.items():
        shown = isinstance(out["detail"][doc], CaseRecord)
        assert shown == (doc in allowed), f"case on {doc} for {c.name}: shown={shown}"


# --- cases and resubmissions beyond the detail (work queue, dossier cases, resubmissions), use cases and API


def _records(out: Any, kind: type) -> list[Any]:
    """Every `kind` dataclass anywhere in an output."""
    if isinstance(out, kind):
        return [out]
    if isinstance(out, dict):
        return [r for v in out.values() for r in _records(v, kind)]
    if isinstance(out, list | tuple):
        return [r for v in out for r in _records(v, kind)]
    return []


def _readable_cases(w: World, c: Case, customer: str | None = None) -> set[str]:
    """The world's cases this principal may see (the oracle: one of its documents readable)."""
    allowed = c.expected().docs
    return {cid for d, cid in w.case_ids.items() if d in allowed and customer in (None, *DOC_BY_ID[d].customers)}


def _case_lists(w: World, c: Case) -> Any:
    """The work queue, the queue of the world's cases' team, the cases of every dossier (open ones and all) and
    the raw case records, as this principal."""
    from app import cases

    return {
        "work_queue": guarded(lambda: cases.work_queue(w.ctx, c.principal)),
        "queue": guarded(lambda: cases.queue(w.ctx, c.principal, "kundenservice-nord")),
        "of_customer": {x: guarded(lambda x=x: cases.cases_of_customer(w.ctx, c.principal, x)) for x in CUSTOMER_IDS},
        "of_customer_all": {
            x: guarded(lambda x=x: cases.cases_of_customer(w.ctx, c.principal, x, open_only=False))
            for x in CUSTOMER_IDS
        },
        "hits": {d: guarded(lambda cid=cid: cases.case_hit(w.ctx, c.principal, cid)) for d, cid in w.case_ids.items()},
    }


def _verify_case_lists(w: World, c: Case, out: Any) -> None:
    from app.cases import Case as CaseRecord

    allowed = c.expected().docs
    for case in _records(out, CaseRecord):
        assert set(case.doc_ids) & allowed, f"case {case.case_id} ({case.doc_ids}) shown to {c.name}"
    for key in ("of_customer", "of_customer_all"):
        for x in CUSTOMER_IDS:
            got = {case.case_id for case in _records(out[key][x], CaseRecord)}
            assert got == _readable_cases(w, c, x), f"{key} {x} as {c.name}: {got}"
    for doc, cid in w.case_ids.items():
        hit = out["hits"][doc]
        shown = isinstance(hit, dict) and str(hit.get("_id")) == cid
        assert shown == (doc in allowed), f"case record on {doc} for {c.name}: shown={shown}"
    if getattr(c.principal, "department", None) == "kundenservice-nord":  # the team's members: every case they see
        for key in ("work_queue", "queue"):
            got = {case.case_id for case in _records(out[key], CaseRecord)}
            assert got == _readable_cases(w, c), f"{key} as {c.name}: {got}"


def _resubmissions(w: World, c: Case) -> Any:
    """The principal's resubmissions, and those of each document and each case."""
    from app import resubmissions as R

    return {
        "mine": guarded(lambda: R.mine(w.ctx, c.principal)),
        "of_doc": per_doc(lambda d: R.of_target(w.ctx, c.principal, doc_id=d))(w, c),
        "of_case": {
            d: guarded(lambda cid=cid: R.of_target(w.ctx, c.principal, case_id=cid)) for d, cid in w.case_ids.items()
        },
    }


def _own_resubmissions(w: World, c: Case) -> set[str]:
    return {rid for rid, login in w.resubmission_ids.items() if login == c.principal.login}


def _verify_resubmissions(w: World, c: Case, out: Any) -> None:
    """Each shown is the principal's own, on a document it may read; `mine` is exactly what the world set for
    it (an API key: none)."""
    from app.resubmissions import Resubmission

    allowed = c.expected().docs
    for r in _records(out, Resubmission):
        assert r.doc_id in allowed and r.owner == c.principal.login, f"resubmission {r} shown to {c.name}"
    got = {r.id for r in _records(out["mine"], Resubmission)}
    assert got == _own_resubmissions(w, c), f"resubmissions of {c.name}: {sorted(got)}"


def _api_json(w: World, c: Case, path: str) -> Any:
    """The JSON body of a GET (its status when it is no success)."""
    import json

    resp = _api_get(path)(w, c)
    return json.loads(resp["body"]) if resp["status"] == 200 else resp["status"]


def _api_cases(w: World, c: Case) -> Any:
    out: dict[str, Any] = {
        "mine": _api_json(w, c, "/api/v1/cases/mine"),
        "queue": _api_json(w, c, "/api/v1/cases/queue"),
        "detail": {d: _api_json(w, c, f"/api/v1/cases/{cid}") for d, cid in w.case_ids.items()},
        "of_document": {d: _api_json(w, c, f"/api/v1/documents/{d}/cases?all=true") for d in DOC_IDS},
    }
    for x in CUSTOMER_IDS:
        out[f"of_customer:{x}"] = _api_json(w, c, f"/api/v1/customers/{x}/cases")
        out[f"of_customer_all:{x}"] = _api_json(w, c, f"/api/v1/customers/{x}/cases?all=true")
    return out


def _verify_api_cases(w: World, c: Case, out: Any) -> None:
    """Cases carry ids, not sentinels: every case in an answer has a readable document; a case's detail is
    answered exactly for the readable ones (else 404); the dossiers list exactly the readable cases."""
    allowed = c.expected().docs
    listed = [case for v in out.values() if isinstance(v, dict) for case in v.get("cases", [])]
    shown = [*listed, *[v for v in out["detail"].values() if isinstance(v, dict)]]
    for case in shown:
        assert set(case["doc_ids"]) & allowed, f"case {case['id']} ({case['doc_ids']}) shown to {c.name}"
    for doc, cid in w.case_ids.items():
        answer = out["detail"][doc]
        assert (answer == 404) == (doc not in allowed), f"API case on {doc} for {c.name}: {answer!r:.200}"
    for x in CUSTOMER_IDS:
        for key in (f"of_customer:{x}", f"of_customer_all:{x}"):
            got = {case["id"] for case in out[key]["cases"]}
            assert got == _readable_cases(w, c, x), f"API {key} as {c.name}: {got}"


def _api_resubmissions(w: World, c: Case) -> Any:
    return {
        "mine": _api_json(w, c, "/api/v1/resubmissions"),
        "of_doc": {d: _api_json(w, c, f"/api/v1/resubmissions?doc_id={d}") for d in DOC_IDS},
        "of_case": {d: _api_json(w, c, f"/api/v1/resubmissions?case_id={cid}") for d, cid in w.case_ids.items()},
    }


def _verify_api_resubmissions(w: World, c: Case, out: Any) -> None:
    allowed = c.expected().docs
    answers = [out["mine"], *out["of_doc"].values(), *out["of_case"].values()]
    for answer in answers:
        for r in answer["resubmissions"]:
            assert r["doc_id"] in allowed and r["owner"] == c.principal.login, f"resubmission {r} shown to {c.name}"
    got = {r["id"] for r in out["mine"]["resubmissions"]}
    assert got == _own_resubmissions(w, c), f"API resubmissions of {c.name}: {sorted(got)}"
