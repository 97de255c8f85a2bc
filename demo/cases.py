"""The demo's cases: after the demo ingest, the complaints' cases are worked into a realistic spread.

The queue worker opens a case for every incoming complaint (`app.cases.open_for_new_documents`), all "now" and
all in the first step. `work_demo_cases` gives them a history, so `make run` shows real task lists and queues:
per tenant the cases are ranked by a hash of their first document's id (deterministic for the deterministic
corpus) and take the plans of `PATTERN` in turn — unclaimed in capture, claimed in capture or check, handed over,
waiting for the manager's decision, in answer, closed with each decision, one reopened, comments, and some
overdue (opened weeks ago: their due dates are past; `app.case_sync.sweep` then flags them). Open complaints
without a case get one.

Every step goes through the use cases (`app.case_work`: claim, complete_step, hand_over, comment, reopen) with
a backdated `now`; only the opening is backdated in place (the worker opened the case today): `opened_at`, the
first step's due date and the protocol's first entry move to the plan's day — what `app.cases.open_case` writes
with that `now` — and that entry is marked ``demo``. Idempotent: a case with the mark or with more than its
opening in the protocol is left alone, and resubmissions already set are not set again.

jonas.weber also gets resubmissions: one due today (the deliverer's next round puts the reminder into his
inbox) and a few in the coming weeks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app import case_work, resubmissions
from app.case_sync import sweep, sync_documents
from app.cases import KIND, case_hit, definition_of, local_today, open_case, step_fields, utc_now
from app.context import AppContext
from app.processes import ProcessLibrary
from domain.errors import AppError
from domain.principal import Principal
from indexing.records import WriteConflict, WriteFailed
from search import cases as C
from search.parse import hits_of
from search.repository import ReadFailed

PROCESS = "complaint"
DEMO_MARK = "demo"

# who works a tenant's cases: its customer service agents and the manager who decides
TEAMS: dict[str, tuple[tuple[str, ...], str]] = {
    "nord": (("jonas.weber", "tim.brandt"), "anna.schmidt"),
    "sued": (("lukas.bauer",), "mehmet.kaya"),
}

# the plans, taken in turn by a tenant's cases (ranked by their first document): every state early on
PATTERN = (
    "new", "closed_credit_note", "check_claimed", "overdue_check", "decide", "closed_replacement",
    "capture_claimed", "answer", "closed_rejection", "overdue_capture", "reopened", "overdue_decide",
    "check_handed_over", "closed_credit_note", "answer_claimed", "new", "closed_rejection", "decide",
)  # fmt: skip

CHECK_NOTES = (
    "Mangel anhand der Fotos bestätigt.",
    "Lieferschein und Rechnung abgeglichen, Reklamation berechtigt.",
    "Rücksprache mit dem Lager: Verpackung war beschädigt.",
    "Seriennummer geprüft, Gerät aus der betroffenen Charge.",
)
CAPTURE_NOTES = ("Reklamation erfasst, Unterlagen vollständig.", "Kunde telefonisch erreicht, Fotos angefordert.")
ANSWER_NOTES = ("Kunde per E-Mail informiert.", "Antwortschreiben versandt, Kunde einverstanden.")
COMMENTS = (
    "Kunde hat nachgefragt, Zwischenbescheid gegeben.",
    "Bitte Rückruf bis Freitag, Kunde ist ab Montag im Urlaub.",
    "Warte auf Fotos vom Kunden.",
    "Vertrieb informiert, Kunde ist A-Kunde.",
)
DECISION_NOTES = {
    "credit_note": "Gutschrift über den Warenwert freigegeben.",
    "replacement": "Ersatzlieferung aus Lager Hamburg.",
    "rejection": "Abgelehnt: Schaden nach Gefahrübergang entstanden.",
}
RESUBMISSIONS = (  # (days from today, note): one due today, the others ahead
    (0, "Rückruf beim Kunden: Ist die Gutschrift angekommen?"),
    (3, "Nachfassen: Fotos des Schadens noch nicht eingegangen."),
    (9, "Prüfen, ob die Ersatzlieferung zugestellt wurde."),
    (21, "Quartalsgespräch mit dem Kunden vorbereiten."),
)


@dataclass
class DemoCasesReport:
    opened: int = 0  # cases opened for complaints without one
    worked: dict[str, int] = field(default_factory=dict)  # plan -> cases
    skipped: int = 0  # already worked (an earlier run, or by hand)
    resubmissions: int = 0
    overdue: int = 0  # flagged by the sweep
    errors: list[str] = field(default_factory=list)

    def describe(self) -> str:
        plans = ", ".join(f"{k} {v}" for k, v in sorted(self.worked.items()))
        return (f"demo cases: {sum(self.worked.values())} worked ({plans or 'none'}), {self.opened} opened, "
                f"{self.skipped} left as they were, {self.resubmissions} resubmissions, {self.overdue} overdue"
                + (f"; errors: {'; '.join(self.errors)[:500]}" if self.errors else ""))  # fmt: skip


def rank_key(case_src: dict[str, Any], case_id: str) -> str:
    first = next(iter(case_src.get("doc_ids") or []), None) or case_id
    return hashlib.sha256(str(first).encode()).hexdigest()


def _worked(src: dict[str, Any]) -> bool:
    protocol = list(src.get("protocol") or [])
    return len(protocol) > 1 or any(e.get(DEMO_MARK) for e in protocol)


def _open_missing(ctx: AppContext, now: dt.datetime, library: ProcessLibrary | None, report: DemoCasesReport) -> None:
    system = Principal.system()
    try:
        docs = hits_of(ctx.repo.search_or_empty("documents", C.uncased_complaints_body(system)))
    except ReadFailed as exc:
        report.errors.append(f"complaints: {exc}")
        return
    for doc in docs:
        try:
            open_case(ctx, system, str(doc["_id"]), library=library, now=now)
            report.opened += 1
        except AppError as exc:
            report.errors.append(f"{doc['_id']}: {exc.code}")


def settle(ctx: AppContext, *, quiet_s: float = 3.0, timeout_s: float = 60.0) -> int:
    """Wait until the worker has opened its cases: `cockpit ingest` returns when the jobs are finished, and the
    worker opens the cases of a group's complaints just after (`app.intake._after_ingest`). Returns the number of
    complaints still without a case once that number held still for `quiet_s` (or at the timeout)."""
    import time

    def uncased() -> int:
        try:
            return len(hits_of(ctx.repo.search_or_empty("documents", C.uncased_complaints_body(Principal.system()))))
        except ReadFailed:
            return -1

    deadline, last, since = time.monotonic() + timeout_s, uncased(), time.monotonic()
    while last and time.monotonic() < deadline and time.monotonic() - since < quiet_s:
        time.sleep(0.5)
        ctx.store.refresh("documents")
        now_n = uncased()
        if now_n != last:
            last, since = now_n, time.monotonic()
    return last


def _all_cases(ctx: AppContext) -> list[dict[str, Any]]:
    body = C.cases_body(Principal.system(), status=None, with_protocol=True)
    return [
        h for h in hits_of(ctx.repo.search_or_empty(KIND, body)) if (h.get("_source") or {}).get("process") == PROCESS
    ]


def _backdate_opening(ctx: AppContext, hit: dict[str, Any], when: dt.datetime, library: ProcessLibrary | None) -> None:
    """What `open_case` would have written with `now=when` (the worker opened the case today), marked demo."""
    src = hit.get("_source") or {}
    definition = definition_of(ctx, src, library)
    first = {**(list(src.get("protocol") or [{}])[0]), "at": when.isoformat(), DEMO_MARK: True}
    change = {"opened_at": when.isoformat(), "created_at": when.isoformat(), "updated_at": when.isoformat(),
              **step_fields(definition, definition.start, src.get("team"), local_today(ctx, when)),
              "protocol": [first, *list(src.get("protocol") or [])[1:]]}  # fmt: skip
    ctx.store.update(KIND, str(hit["_id"]), change, concrete_index=hit.get("_index"),
                     if_seq_no=hit.get("_seq_no"), if_primary_term=hit.get("_primary_term"))  # fmt: skip
    sync_documents(ctx, str(hit["_id"]), {**src, **change})


Step = tuple[float, Callable[[dt.datetime], Any]]  # (hours before now, the action at that moment)


def _plan(
    ctx: AppContext, plan: str, case_id: str, rng: random.Random, agent: Principal, other: Principal,
    manager: Principal, library: ProcessLibrary | None,
) -> tuple[float, list[Step]]:  # fmt: skip
    """When the case was opened (hours ago) and its steps (hours ago, action), oldest first."""

    def claim(p: Principal) -> Callable[[dt.datetime], Any]:
        return lambda at: case_work.claim(ctx, p, case_id, library=library, now=at)

    def done(p: Principal, step: str, form: dict[str, Any]) -> Callable[[dt.datetime], Any]:
        return lambda at: case_work.complete_step(ctx, p, case_id, form, step, library=library, now=at)

    def say(p: Principal, text: str) -> Callable[[dt.datetime], Any]:
        return lambda at: case_work.comment(ctx, p, case_id, text, now=at)

    def capture(h: float) -> list[Step]:
        return [(h, claim(agent)), (h - 0.5, done(agent, "capture", {"comment": rng.choice(CAPTURE_NOTES)}))]

    def check(h: float) -> list[Step]:
        return [(h, claim(agent)), (h - 1, done(agent, "check", {"comment": rng.choice(CHECK_NOTES)}))]

    def decide(h: float, decision: str) -> list[Step]:
        form: dict[str, Any] = {"decision": decision, "comment": DECISION_NOTES[decision]}
        if decision == "credit_note":
            form["amount"] = round(rng.uniform(40, 2400), 2)
        return [(h, done(manager, "decide", form))]

    def answer_and_close(h: float) -> list[Step]:
        return [(h, claim(agent)), (h - 1, done(agent, "answer", {"comment": rng.choice(ANSWER_NOTES)})),
                (h - 2, done(agent, "close", {}))]  # fmt: skip

    day = 24.0
    if plan == "new":
        return rng.uniform(1, 6), []
    if plan == "capture_claimed":
        return 7, [(5, claim(agent)), (2, say(agent, rng.choice(COMMENTS)))]
    if plan == "check_claimed":
        return 30, [*capture(29), (4, claim(agent))]
    if plan == "check_handed_over":
        note = "Bitte übernehmen, ich bin ab morgen im Urlaub."
        if other.login == agent.login:  # nobody to hand over to: a note instead
            return 50, [*capture(48), (20, claim(agent)), (6, say(agent, note))]
        return 50, [*capture(48), (20, claim(agent)),
                    (6, lambda at: case_work.hand_over(ctx, agent, case_id, other.login, note=note,
                                                       library=library, now=at))]  # fmt: skip
    if plan == "decide":
        return 3 * day, [*capture(70), *check(30), (10, say(agent, rng.choice(COMMENTS)))]
    if plan in ("answer", "answer_claimed"):
        decision = rng.choice(("credit_note", "replacement", "rejection"))
        tail: list[Step] = (
            [(3, claim(agent)), (1, say(agent, rng.choice(COMMENTS)))] if plan == "answer_claimed" else []
        )
        return 4 * day, [*capture(94), *check(50), *decide(12, decision), *tail]
    if plan.startswith("closed_"):
        decision = plan.removeprefix("closed_")
        start = rng.randint(12, 40) * day
        steps = [*capture(start - 2), *check(start - day), *decide(start - 2 * day, decision),
                 *answer_and_close(start - 3 * day)]  # fmt: skip
        if rng.random() < 0.4:
            steps.insert(2, (start - 6, say(other, rng.choice(COMMENTS))))
        return start, steps
    if plan == "reopened":
        start = 16 * day
        reason = "Kunde meldet sich erneut: Ersatzgerät zeigt denselben Fehler."
        return start, [*capture(start - 2), *check(start - day), *decide(start - 2 * day, "replacement"),
                       *answer_and_close(start - 3 * day),
                       (8, lambda at: case_work.reopen(ctx, agent, case_id, reason, library=library, now=at))]  # fmt: skip
    if plan == "overdue_capture":
        return rng.randint(10, 18) * day, []
    if plan == "overdue_check":
        start = rng.randint(18, 26) * day
        return start, [
            *capture(start - 1),
            (start - 3, claim(agent)),
            (5 * day, say(agent, "Warte auf Fotos vom Kunden.")),
        ]
    if plan == "overdue_decide":
        start = 14 * day
        return start, [*capture(start - 2), *check(10 * day)]
    raise ValueError(plan)


def work_demo_cases(
    ctx: AppContext, now: dt.datetime | None = None, *, library: ProcessLibrary | None = None
) -> DemoCasesReport:
    """Work the demo's complaint cases into every state (see the module); idempotent."""
    now = now or utc_now()
    report = DemoCasesReport()
    _open_missing(ctx, now, library, report)
    by_tenant: dict[str, list[dict[str, Any]]] = {}
    for hit in _all_cases(ctx):
        by_tenant.setdefault(str((hit.get("_source") or {}).get("tenant")), []).append(hit)
    for tenant, hits in sorted(by_tenant.items()):
        team = TEAMS.get(tenant)
        agents = [p for p in (ctx.directory.get(x) for x in team[0]) if p is not None] if team else []
        manager = ctx.directory.get(team[1]) if team else None
        if not agents or manager is None:
            report.skipped += len(hits)
            continue
        ranked = sorted(hits, key=lambda h: rank_key(h.get("_source") or {}, str(h["_id"])))
        for rank, listed in enumerate(ranked):
            case_id = str(listed["_id"])
            plan = PATTERN[rank % len(PATTERN)]
            try:
                hit = case_hit(ctx, Principal.system(), case_id)
            except AppError as exc:
                report.errors.append(f"{case_id}: {exc.code}")
                continue
            if _worked(hit.get("_source") or {}) or (hit.get("_source") or {}).get("status") != C.OPEN:
                report.skipped += 1
                continue
            rng = random.Random(rank_key(hit.get("_source") or {}, case_id))
            agent = agents[rng.randrange(len(agents))]
            other = next((a for a in agents if a.login != agent.login), agent)
            opened_h, steps = _plan(ctx, plan, case_id, rng, agent, other, manager, library)
            try:
                _backdate_opening(ctx, hit, now - dt.timedelta(hours=opened_h), library)
                for hours, act in steps:
                    act(now - dt.timedelta(hours=hours))
            except (AppError, WriteConflict, WriteFailed) as exc:
                report.errors.append(f"{case_id} ({plan}): {getattr(exc, 'code', exc)}")
                continue
            report.worked[plan] = report.worked.get(plan, 0) + 1
    report.resubmissions = _resubmissions(ctx, now, report)
    report.overdue = sweep(ctx, now).overdue
    ctx.invalidate()
    return report


def _resubmissions(ctx: AppContext, now: dt.datetime, report: DemoCasesReport) -> int:
    """jonas.weber's resubmissions on complaints of his tenant (each note once)."""
    jonas = ctx.directory.get("jonas.weber")
    if jonas is None:
        return 0
    try:
        have = {r.note for r in resubmissions.mine(ctx, jonas)}
        mine = C.cases_body(jonas, status=None, tenant="nord", with_protocol=True)
        targets = [h for h in hits_of(ctx.repo.search_or_empty(KIND, mine)) if (h.get("_source") or {}).get("doc_ids")]
    except (AppError, ReadFailed) as exc:
        report.errors.append(f"resubmissions: {exc}")
        return 0
    targets.sort(key=lambda h: rank_key(h.get("_source") or {}, str(h["_id"])))
    today = local_today(ctx, now)
    made = 0
    for i, (days, note) in enumerate(RESUBMISSIONS):
        if note in have or not targets:
            continue
        target = targets[i % len(targets)]
        try:
            resubmissions.create(ctx, jonas, on=today + dt.timedelta(days=days), note=note,
                                 case_id=str(target["_id"]), now=now)  # fmt: skip
            made += 1
        except AppError as exc:
            report.errors.append(f"resubmission: {exc.code}")
    return made
