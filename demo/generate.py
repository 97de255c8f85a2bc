"""Deterministic demo corpus generator for Dossier Cockpit.

    python -m demo.generate --customers 60 --documents 400 --seed 7 --out demo-corpus

Writes real files (PDF, EML, DOCX, XLSX, PNG, TIFF, image-only PDF, TXT, HTML) for two tenants
("nord", "sued"), CRM master data (``customers.csv`` / ``customers.xlsx``), ``ground_truth.jsonl``
(one line per document incl. e-mail attachments; for tests/benchmarks only) and ``manifest.json``.

Same seed + arguments => byte-identical output (on a machine with the same font files).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from indexing.schema import REGISTERS as SCHEMA_REGISTERS

from . import data, texts
from .customers import TENANTS, Customer, customers_csv, generate_customers, own_company, slugify
from .fonts import find_unicode_font
from .ids import NOW, NOW_DATE, berlin_dt, format_amount, format_date, format_iban, money
from .render_mail import Attachment, Mail, quote_block, render_eml
from .render_office import ContractDoc, PriceList, render_contract_docx, render_pricelist_xlsx
from .render_pdf import BizDoc, Line, render_business_pdf, render_image_pdf, with_total
from .render_scan import ScanLetter, render_letter, to_bilevel, to_png, to_tiff
from .texts import LABELS, pick

GENERATOR_VERSION = 1
REGISTERS = tuple(r for r in SCHEMA_REGISTERS if r != "review")  # the review queue is not a document type
WINDOW_DAYS = 730
OUR_TOP_LEVEL = ("customers.csv", "customers.xlsx", "ground_truth.jsonl", "manifest.json") + TENANTS

# item type -> (documents per item, share of all documents)
PLAN: dict[str, tuple[int, float]] = {
    "offer_pdf": (1, 0.055),
    "offer_revision": (2, 0.045),
    "offer_mail": (2, 0.05),
    "oc_pdf": (1, 0.04),
    "oc_mail": (2, 0.04),
    "dn_pdf": (1, 0.045),
    "invoice_pdf": (1, 0.065),
    "invoice_mail_dup": (3, 0.06),
    "credit_note_pdf": (1, 0.025),
    "po_mail": (2, 0.03),
    "service_pdf": (1, 0.02),
    "two_customers_pdf": (1, 0.008),
    "inquiry_mail": (1, 0.045),
    "inquiry_thread": (2, 0.04),
    "order_mail": (1, 0.025),
    "complaint_mail": (1, 0.035),
    "complaint_thread": (2, 0.04),
    "forwarded_mail": (1, 0.025),
    "name_only_mail": (1, 0.012),
    "conflicting_mail": (1, 0.005),
    "contract_mail": (2, 0.02),
    "no_identifier_mail": (1, 0.005),
    "contract_docx": (1, 0.065),
    "pricelist_xlsx": (1, 0.04),
    "scan_letter": (1, 0.03),
    "scan_pdf": (1, 0.02),
    "name_only_scan": (1, 0.01),
    "phone_note_txt": (1, 0.025),
    "service_note_txt": (1, 0.015),
    "webform_html": (1, 0.015),
    "ticket_html": (1, 0.01),
    "ambiguous_note_txt": (1, 0.006),
    "no_identifier_html": (1, 0.005),
}
#: item types whose documents are written in the customer's language (used for language coverage)
COVERAGE_ITEMS = {"offer_pdf", "oc_pdf", "dn_pdf", "invoice_pdf", "inquiry_mail", "complaint_mail", "order_mail"}
FILLERS = ["offer_pdf", "invoice_pdf", "inquiry_mail", "complaint_mail", "dn_pdf", "phone_note_txt", "oc_pdf"]

NUMBER_FORMATS = {
    "offer": ("AN", 5),
    "order": ("AU", 5),
    "order_confirmation": ("AB", 5),
    "delivery_note": ("LS", 5),
    "invoice": ("RE", 5),
    "credit_note": ("GS", 5),
    "complaint": ("RK", 5),
    "contract": ("VT", 4),
}
NUMBER_KEYS = {
    "offer": "offer_number",
    "order": "order_number",
    "order_confirmation": "order_confirmation_number",
    "delivery_note": "delivery_note_number",
    "invoice": "invoice_number",
    "credit_note": "credit_note_number",
    "complaint": "complaint_number",
    "contract": "contract_number",
}

REPLY_PREFIX = {"de": "AW: ", "en": "RE: ", "es": "RE: ", "tr": "YNT: ", "pl": "Odp: "}
QUOTE_HEADER = {
    "de": "Am {d} um {t} schrieb {n} <{a}>:",
    "en": "On {d} at {t}, {n} <{a}> wrote:",
    "es": "El {d}, a las {t}, {n} <{a}> escribió:",
    "tr": "{d} tarihinde {t} saatinde {n} <{a}> şunu yazdı:",
    "pl": "W dniu {d} o {t} {n} <{a}> napisał(a):",
}
ATTN = {
    "de": ("z. Hd. Herrn", "z. Hd. Frau"),
    "en": ("Attn.", "Attn."),
    "es": ("A/A:", "A/A:"),
    "tr": ("Dikkatine:", "Dikkatine:"),
    "pl": ("Do rąk:", "Do rąk:"),
}
TAGLINES = {
    "nord": "Antriebs- und Steuerungstechnik · Service · Ersatzteile",
    "sued": "Anlagenbau · Fördertechnik · Wartung",
}
CUSTOMER_BANKS = {
    "DE": ["Commerzbank", "Deutsche Bank", "Volksbank", "Sparkasse"],
    "ES": ["CaixaBank", "BBVA"],
    "PL": ["PKO Bank Polski", "mBank"],
    "TR": ["Ziraat Bankası", "İş Bankası"],
    "GB": ["NatWest", "Barclays"],
}
ROLES = {
    "de": ["Einkauf", "Leitung Einkauf", "Technische Leitung", "Instandhaltung", "Geschäftsführung"],
    "en": ["Purchasing", "Head of Procurement", "Maintenance Manager"],
    "es": ["Departamento de compras", "Jefe de mantenimiento"],
    "tr": ["Satın Alma", "Bakım Müdürü"],
    "pl": ["Dział zakupów", "Kierownik utrzymania ruchu"],
}


# The story a manager dashboard can show (demo/README.md). Besides the seasonal history (data.MONTH_WEIGHTS)
# there is one complaint spike: early in June 2026 a batch of frequency inverters (BAD_BATCH_SKU) with badly
# packed housings left the warehouse of tenant BAD_BATCH_TENANT; in the week of Monday BAD_BATCH_WEEK (ISO week
# 2026-W24, about 5 1/2 months before NOW_DATE) customers complain about damaged goods, replies and credit notes
# follow a few days later. A constant, not drawn from the seed: the spike is in the same week for every corpus.
BAD_BATCH_WEEK = date(2026, 6, 8)  # a Monday
BAD_BATCH_TENANT = "nord"
BAD_BATCH_SKU = "NT-1001"
BAD_BATCH_MIN_DOCUMENTS = 100  # smaller corpora (unit tests) have no story


# =========================================================================== data classes


@dataclass(frozen=True)
class BadBatch:
    """How many documents the bad batch writes: one complaint e-mail per affected delivery, replies to some of
    them, credit notes for some and a few of the batch's delivery notes."""

    complaints: int
    replies: int
    credit_notes: int
    delivery_notes: int

    @property
    def documents(self) -> int:
        return self.complaints + self.replies + self.credit_notes + self.delivery_notes

    @classmethod
    def for_documents(cls, n_documents: int) -> BadBatch | None:
        if n_documents < BAD_BATCH_MIN_DOCUMENTS:
            return None
        # 12 at the default 400 documents, where a normal week has 0-2 incoming complaints
        k = min(40, 8 + n_documents // 100)
        return cls(complaints=k, replies=max(2, k // 3), credit_notes=max(1, k // 5), delivery_notes=max(1, k // 5))


@dataclass
class GroundTruth:
    doc_key: str
    tenant: str
    customer_ids: list[str]
    expected_filing: str
    register: str
    language: str
    kind: str
    family: str | None
    duplicate_of: str | None
    hard_case: str | None
    doc_date: str
    numbers: dict

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, sort_keys=False)


@dataclass
class Manifest:
    args: dict
    seed: int
    now: str
    counts: dict
    own_company: dict
    tenants: list[str]
    files: int
    generator_version: int = GENERATOR_VERSION
    font: str = ""
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        c = self.counts
        tenants = ", ".join(f"{t} {n}" for t, n in c.get("by_tenant", {}).items())
        return (
            f"{c.get('documents')} documents in {self.files} files, {c.get('customers')} customers "
            f"(documents per tenant: {tenants}; review expected: {c.get('by_expected_filing', {}).get('review', 0)})"
        )

    def to_dict(self) -> dict:
        return {
            "generator": "demo.generate",
            "generator_version": self.generator_version,
            "args": self.args,
            "seed": self.seed,
            "now": self.now,
            "tenants": self.tenants,
            "files": self.files,
            "counts": self.counts,
            "own_company": self.own_company,
            "font": self.font,
            "notes": self.notes,
        }


@dataclass
class LineSpec:
    product: data.Product
    qty: Decimal
    price: Decimal

    def line(self, lang: str) -> Line:
        return Line(
            self.product.sku, self.product.names[lang], self.qty, data.UNITS[self.product.unit][lang], self.price
        )


@dataclass
class Deal:
    customer: Customer
    lang: str
    d0: date
    rel: dict
    versions: list[list[LineSpec]]
    reason: str | None
    po: str
    weeks: int
    used: set = field(default_factory=set)
    nums: dict = field(default_factory=dict)
    wrong_idx: int = 0
    wrong_factor: Decimal = Decimal("1")

    def date(self, stage: str) -> date:
        d = self.d0 + timedelta(days=self.rel[stage])
        wd = d.weekday()
        if wd == 5:  # Saturday -> Friday
            return d - timedelta(days=1)
        if wd == 6:  # Sunday -> Monday
            return d + timedelta(days=1)
        return d

    def happened(self, stage: str) -> bool:
        d = self.date(stage)
        return NOW_DATE - timedelta(days=WINDOW_DAYS + 60) <= d <= NOW_DATE

    @property
    def lines(self) -> list[LineSpec]:
        return self.versions[-1]

    def invoice_lines(self) -> list[LineSpec]:
        out = [LineSpec(ls.product, ls.qty, ls.price) for ls in self.lines]
        if self.reason == "wrong_amount":
            ls = out[self.wrong_idx]
            ls.price = money(ls.price * self.wrong_factor)
        return out


@dataclass
class Contract:
    customer: Customer
    number: str
    kind: str  # maintenance | framework
    start: date
    signed: date
    years: int
    fee: Decimal
    lang: str
    used: set = field(default_factory=set)


# =========================================================================== the world


class World:
    def __init__(self, out_dir: Path, n_customers: int, n_documents: int, seed: int):
        self.out = out_dir
        self.n_docs = n_documents
        self.seed = seed
        self.rng = random.Random(seed)
        self.customers = generate_customers(n_customers, random.Random(seed * 7919 + 13))
        self.by_tenant = {t: [c for c in self.customers if c.tenant == t] for t in TENANTS}
        self.own = {t: own_company(t) for t in TENANTS}
        for t in TENANTS:
            self.own[t]["tagline"] = TAGLINES[t]
        self.counters: dict[str, int] = {k: 100 + self.rng.randint(0, 300) for k in NUMBER_FORMATS}
        self.counters["contract"] = 10 + self.rng.randint(0, 30)
        self.deals: dict[str, list[Deal]] = {c.customer_id: [] for c in self.customers}
        self.contracts: dict[str, list[Contract]] = {c.customer_id: [] for c in self.customers}
        self.gt: list[GroundTruth] = []
        self.files_written = 0
        self.paths: set[str] = set()
        self.seq: Counter[str] = Counter()
        # language coverage: the first business items go to one customer per foreign country
        self._tenant_turn = 0
        self._forced: Customer | None = None
        self._forced_lang: str | None = None
        first_by_country: dict[str, Customer] = {}
        for c in self.customers:
            if c.country != "DE":
                first_by_country.setdefault(c.country, c)
        self._coverage = [first_by_country[k] for k in sorted(first_by_country)]
        self.staff = {t: {s[0]: s for s in data.STAFF[t]} for t in TENANTS}
        self.bad_batch = BadBatch.for_documents(n_documents)

    # ------------------------------------------------------------------ basics
    def next_number(self, kind: str, year: int) -> str:
        prefix, width = NUMBER_FORMATS[kind]
        self.counters[kind] += 1 if self.rng.random() < 0.85 else self.rng.randint(2, 4)
        return f"{prefix}-{year}-{self.counters[kind]:0{width}d}"

    def sample_date(self, rng: random.Random | None = None) -> date:
        rng = rng or self.rng
        r = rng.random()
        if r < 0.07:
            ago = rng.randint(0, 4)  # this week (Mon 16 - Fri 20 Nov 2026)
        elif r < 0.17:
            ago = rng.randint(5, 13)
        elif r < 0.40:
            ago = rng.randint(14, 91)
        else:
            # the older history is seasonal (data.MONTH_WEIGHTS): rejection sampling with the same rng keeps
            # the output deterministic; the recent shares above stay as they are (saved views need them)
            while True:
                ago = rng.randint(92, WINDOW_DAYS)
                weight = data.season_weight(NOW_DATE - timedelta(days=ago))
                if rng.random() * data.SEASON_MAX_WEIGHT < weight:
                    break
        d = NOW_DATE - timedelta(days=ago)
        if d.weekday() > 4:
            d -= timedelta(days=d.weekday() - 4 + rng.randint(0, 3))
        return d

    def in_season(self, d: date) -> bool:
        """Whether a stage of an existing deal may date a new document: the older history stays seasonal
        (the same acceptance as in sample_date); recent dates always may."""
        if (NOW_DATE - d).days < 92:
            return True
        return self.rng.random() * data.SEASON_MAX_WEIGHT < data.season_weight(d)

    def dt(self, d: date, early: int = 7, late: int = 17) -> datetime:
        hour = self.rng.randint(early, late)
        if d == NOW_DATE:
            hour = min(hour, 9)
        return berlin_dt(d, hour, self.rng.randint(0, 59), self.rng.randint(0, 59))

    def write(self, tenant: str, rel: str, blob: bytes) -> str:
        key = f"{tenant}/{rel}"
        if key in self.paths:
            raise RuntimeError(f"duplicate path {key}")
        self.paths.add(key)
        p = self.out / tenant / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(blob)
        self.files_written += 1
        return key

    def add_gt(
        self,
        key: str,
        tenant: str,
        customers: list[Customer],
        register: str,
        lang: str,
        kind: str,
        d: date,
        numbers: dict,
        filing: str = "auto",
        family: str | None = None,
        duplicate_of: str | None = None,
        hard_case: str | None = None,
    ) -> None:
        assert register in REGISTERS, register
        self.gt.append(
            GroundTruth(
                doc_key=key,
                tenant=tenant,
                customer_ids=[c.customer_id for c in customers],
                expected_filing=filing,
                register=register,
                language=lang,
                kind=kind,
                family=family,
                duplicate_of=duplicate_of,
                hard_case=hard_case,
                doc_date=d.isoformat(),
                numbers={k: v for k, v in numbers.items() if v},
            )
        )

    def uniq(self, tenant: str) -> int:
        self.seq[tenant] += 1
        return self.seq[tenant]

    def pick_customer(self, exclude: set[str] | None = None, tenant: str | None = None) -> Customer:
        if self._forced is not None and exclude is None and tenant is None:
            c, self._forced = self._forced, None
            self._forced_lang = c.customer_id
            return c
        if tenant is None:  # alternate tenants so both get about the same number of documents
            self._tenant_turn += 1
            tenant = TENANTS[self._tenant_turn % len(TENANTS)]
        pool = [c for c in self.customers if (not exclude or c.customer_id not in exclude) and c.tenant == tenant]
        if not pool:
            pool = [c for c in self.customers if not exclude or c.customer_id not in exclude]
        return self.rng.choices(pool, weights=[c.weight for c in pool])[0]

    def staff_of(self, c: Customer) -> tuple[str, str, str]:
        return self.staff[c.tenant][c.account_manager]

    def staff_email(self, tenant: str, login: str) -> str:
        return f"{login}@{self.own[tenant]['domain']}"

    def custno_variant(self, lang: str) -> str:
        r = self.rng.random()
        if r < 0.80:
            return "std"
        if r < 0.90:
            return "kdnr"
        return "compact" if r < 0.95 else "spaced"

    @staticmethod
    def variant_tag(variant: str) -> str | None:
        return "number_variant" if variant in ("compact", "spaced") else None

    def doc_lang(self, c: Customer) -> str:
        if self._forced_lang == c.customer_id:
            self._forced_lang = None
            return c.lang
        if c.country == "DE":
            return "de"
        if c.country == "GB":
            return "en"
        return c.lang if self.rng.random() < 0.8 else "en"

    # ------------------------------------------------------------------ deals
    def _new_lines(self, c: Customer) -> list[LineSpec]:
        rng = self.rng
        n = rng.randint(14, 26) if rng.random() < 0.1 else rng.randint(2, 8)
        prods = rng.sample(data.PRODUCTS, min(n, len(data.PRODUCTS)))
        if n > len(prods):
            prods += rng.sample(data.PRODUCTS, n - len(prods))
        disc = Decimal(str(round(rng.choice([1.0, 1.0, 0.97, 0.95, 0.92, 0.9]), 2)))
        out = []
        for p in prods:
            if p.unit == "pc":
                qty = Decimal(rng.choice([1, 1, 2, 2, 3, 4, 5, 6, 8, 10, 12, 20]))
            elif p.unit == "m":
                qty = Decimal(rng.choice([6, 12, 18, 24, 36, 48, 60, 120]))
            elif p.unit == "h":
                qty = Decimal(rng.choice([4, 6, 8, 12, 16, 24, 32, 40]))
            elif p.unit == "set":
                qty = Decimal(rng.randint(1, 4))
            else:
                qty = Decimal(1)
            out.append(LineSpec(p, qty, money(p.price * disc)))
        return out

    def _revise(self, lines: list[LineSpec]) -> list[LineSpec]:
        rng = self.rng
        new = [LineSpec(ls.product, ls.qty, ls.price) for ls in lines]
        for ls in rng.sample(new, min(len(new), rng.randint(1, 2))):
            ls.qty = max(Decimal(1), ls.qty + rng.choice([-2, -1, 1, 2, 4]))
        used = {ls.product.sku for ls in new}
        extra = [p for p in data.PRODUCTS if p.sku not in used]
        if len(new) > 2 and (rng.random() < 0.5 or not extra):
            new.pop(rng.randrange(len(new)))
        elif extra:
            p = rng.choice(extra)
            new.append(LineSpec(p, Decimal(1), p.price))
        if rng.random() < 0.4:
            ls = rng.choice(new)
            ls.price = money(ls.price * Decimal("0.95"))
        return new

    def new_deal(
        self, c: Customer, anchor_stage: str, anchor: date, reason: str | None = None, n_versions: int = 1
    ) -> Deal:
        rng = self.rng
        rel = {"inquiry": -rng.randint(2, 10), "offer_v1": 0}
        last = 0
        for v in range(2, n_versions + 1):
            last += rng.randint(3, 12)
            rel[f"offer_v{v}"] = last
        rel["offer"] = last
        rel["order"] = last + rng.randint(3, 20)
        rel["ab"] = rel["order"] + rng.randint(0, 2)
        rel["promised"] = rel["ab"] + rng.randint(7, 18)
        if reason == "late":
            rel["rk"] = rel["promised"] + rng.randint(1, 4)
            rel["ls"] = rel["rk"] + rng.randint(3, 10)
        else:
            rel["ls"] = rel["promised"] + rng.randint(-2, 1)
        rel["re"] = rel["ls"] + rng.randint(0, 3)
        if reason == "damaged":
            rel["rk"] = rel["ls"] + rng.randint(0, 3)
        elif reason == "wrong_amount":
            rel["rk"] = rel["re"] + rng.randint(2, 10)
        if reason:
            rel["rk_reply"] = rel["rk"] + rng.randint(0, 2)
            rel["gs"] = max(rel["rk"], rel["re"]) + rng.randint(3, 12)
        d0 = anchor - timedelta(days=rel[anchor_stage])
        lines = self._new_lines(c)
        versions = [lines]
        for _ in range(1, n_versions):
            versions.append(self._revise(versions[-1]))
        po = self._po_number(c)
        deal = Deal(c, self.doc_lang(c), d0, rel, versions, reason, po, rng.randint(2, 8))
        if reason == "wrong_amount":
            deal.wrong_idx = rng.randrange(len(deal.lines))
            deal.wrong_factor = Decimal(rng.choice(["1.08", "1.10", "1.12", "1.15", "1.20"]))
        self.deals[c.customer_id].append(deal)
        return deal

    def _po_number(self, c: Customer) -> str:
        r = self.rng
        if c.country == "DE":
            return f"4500{r.randint(100000, 999999)}"
        if c.country == "ES":
            return f"PED-{r.randint(10000, 99999)}"
        if c.country == "TR":
            return f"SİP-{r.randint(10000, 99999)}"
        if c.country == "PL":
            return f"ZAM/{r.randint(1000, 9999)}/{NOW_DATE.year - r.randint(0, 1)}"
        return f"PO {r.randint(700000, 799999)}"

    def deal_for(
        self,
        c: Customer,
        stage: str,
        group: str,
        need_reason: bool = False,
        n_versions: int = 1,
        reason: str | None = None,
        recent_days: int | None = None,
    ) -> Deal:
        anchor = None
        if recent_days and self.rng.random() < 0.35:
            # keep saved views like "complaints of the last 14 days" populated
            anchor = NOW_DATE - timedelta(days=self.rng.randint(0, recent_days - 1))
            if anchor.weekday() > 4:
                anchor -= timedelta(days=anchor.weekday() - 4)
        if n_versions == 1 and anchor is None:
            cands = [
                d
                for d in self.deals[c.customer_id]
                if group not in d.used and stage in d.rel and d.happened(stage) and (not need_reason or d.reason)
            ]
            if cands and self.rng.random() < 0.7:
                deal = self.rng.choice(cands)
                if self.in_season(deal.date(stage)):
                    deal.used.add(group)
                    return deal
        if need_reason and reason is None or not need_reason and reason is None and self.rng.random() < 0.18:
            reason = self.rng.choice(["late", "damaged", "wrong_amount"])
        deal = self.new_deal(c, stage, anchor or self.sample_date(), reason, n_versions)
        deal.used.add(group)
        return deal

    def num(self, deal: Deal, kind: str) -> str:
        if kind not in deal.nums:
            stage = {
                "offer": "offer_v1",
                "order": "order",
                "order_confirmation": "ab",
                "delivery_note": "ls",
                "invoice": "re",
                "credit_note": "gs",
                "complaint": "rk",
            }[kind]
            deal.nums[kind] = self.next_number(kind, deal.date(stage).year)
        return deal.nums[kind]

    def contract_for(
        self,
        c: Customer,
        kind: str | None = None,
        anchor: date | None = None,
        reuse: bool = True,
        started: bool = False,
    ) -> Contract:
        existing = [
            k
            for k in self.contracts[c.customer_id]
            if (kind is None or k.kind == kind) and (not started or k.start <= NOW_DATE - timedelta(days=14))
        ]
        if reuse and existing and self.rng.random() < 0.75:
            return self.rng.choice(existing)
        kind = kind or self.rng.choice(["maintenance", "maintenance", "framework"])
        signed = anchor or self.sample_date()
        signed = max(signed, NOW_DATE - timedelta(days=WINDOW_DAYS))
        if signed.weekday() > 4:
            signed -= timedelta(days=signed.weekday() - 4)
        start = date(signed.year, signed.month, 1) + timedelta(days=32)
        start = date(start.year, start.month, 1)
        fee = Decimal(self.rng.choice([1680, 2400, 3150, 4800, 6200, 9800]))
        k = Contract(
            c,
            self.next_number("contract", signed.year),
            kind,
            start,
            signed,
            self.rng.choice([1, 2, 3, 5]),
            fee,
            "de" if c.country == "DE" else "en",
        )
        self.contracts[c.customer_id].append(k)
        return k

    # ------------------------------------------------------------------ common text helpers
    def ctx(self, deal: Deal | None, c: Customer, lang: str, variant: str, with_kn: bool = True) -> dict:
        rng = self.rng
        ctx = {
            "cust": c.name,
            "cust_short": c.short_name,
            "first": c.contact_first,
            "last": c.contact_last,
            "city": c.delivery.city,
            "weeks": rng.randint(2, 8),
            "kn": texts.custno_phrase(variant, lang, c.customer_number),
            "kni": texts.custno_inline(variant, c.customer_number),
            "project_de": pick(rng, texts.PROJECTS["de"]),
            "project_en": pick(rng, texts.PROJECTS["en"]),
        }
        if deal:
            lines = deal.lines
            ctx.update(
                {
                    "product": lines[0].product.names[lang],
                    "product2": lines[-1].product.names[lang] if len(lines) > 1 else lines[0].product.names[lang],
                    "qty": str(int(lines[0].qty)) if lines[0].qty == int(lines[0].qty) else str(lines[0].qty),
                    "po": deal.po,
                    "weeks": deal.weeks,
                }
            )
        else:
            p = rng.choice(data.PRODUCTS)
            ctx.update(
                {
                    "product": p.names[lang],
                    "product2": rng.choice(data.PRODUCTS).names[lang],
                    "qty": str(rng.randint(1, 12)),
                    "po": "",
                }
            )
        ctx["kn_sentence"] = pick(rng, texts.KN_SENTENCE[lang]).format(**ctx) if with_kn else ""
        return ctx

    def recipient_lines(self, c: Customer, lang: str, contact: bool = True, address=None) -> list[str]:
        addr = address or c.billing
        out = [c.name]
        if contact:
            m, f = ATTN[lang]
            out.append(f"{m if c.contact_gender == 'm' else f} {c.contact_name}")
        out += addr.lines(lang, with_country=addr.country != "DE")
        return out

    def own_sender(self, tenant: str, lang: str) -> dict:
        s = dict(self.own[tenant])
        s["country_name"] = data.COUNTRY_NAME[lang]["DE"] if lang != "de" else ""
        return s

    def customer_sender(self, c: Customer, lang: str) -> dict:
        return {
            "name": c.name,
            "street": c.billing.street,
            "zip": c.billing.zip,
            "city": c.billing.city,
            "country_name": data.COUNTRY_NAME[lang][c.country],
            "phone": c.phone,
            "email": c.contact_email,
            "web": f"www.{c.email_domain}",
            "register": "",
            "managing_directors": "",
            "vat_id": c.vat_id,
            "tax_number": "",
            "bank": self.rng.choice(CUSTOMER_BANKS[c.country]),
            "iban": c.iban,
            "bic": c.bic,
            "tagline": "",
        }

    def tax(self, c: Customer, lang: str) -> tuple[Decimal, str | None]:
        L = LABELS[lang]
        if c.country == "DE":
            return Decimal("19"), None
        if c.country in ("ES", "PL"):
            return Decimal("0"), L["rc_eu"].format(vat=c.vat_id)
        return Decimal("0"), L["rc_export"]

    def customer_signature(self, c: Customer, lang: str, person: tuple[str, str] | None = None) -> str:
        first, last = person or (c.contact_first, c.contact_last)
        role = pick(self.rng, ROLES[lang])
        return "\n".join(
            [
                f"{first} {last}",
                role,
                "",
                c.name,
                c.billing.street,
                c.billing.city_line(),
                f"Tel. {c.phone}",
            ]
        )

    def own_signature(self, tenant: str, login: str, lang: str) -> str:
        o = self.own[tenant]
        _, name, _ = self.staff[tenant][login]
        lines = [
            name,
            "Vertrieb Innendienst" if lang == "de" else "Sales Office",
            "",
            o["name"],
            o["street"],
            f"{o['zip']} {o['city']}",
            f"Tel. {o['phone']}",
            self.staff_email(tenant, login),
            o["web"],
            "",
            f"{o['register']} · Geschäftsführer: {o['managing_directors']} · USt-IdNr. {o['vat_id']}",
        ]
        return "\n".join(lines)

    def message_id(self, dt: datetime, domain: str) -> str:
        return f"<{dt.strftime('%Y%m%d%H%M%S')}.{self.rng.getrandbits(48):012X}@{domain}>"

    def mail_path(self, direction: str, dt: datetime, subject: str, tenant: str) -> str:
        folder = "posteingang" if direction == "in" else "gesendet"
        slug = slugify(subject)[:48].strip("-") or "mail"
        return f"mail/{folder}/{dt:%Y}/{dt:%m}/{dt:%Y%m%d-%H%M}_{slug}_{self.uniq(tenant):05d}.eml"

    def inbound_person(self, c: Customer) -> tuple[str, str, str]:
        if self.rng.random() < 0.75:
            return c.contact_first, c.contact_last, c.contact_email
        first, _ = self.rng.choice(data.FIRST_NAMES[c.country])
        last = self.rng.choice([s for s in data.SURNAMES[c.country] if s != "Müller"])
        german = c.country == "DE"
        return first, last, f"{slugify(first, german)}.{slugify(last, german)}@{c.email_domain}"

    def inbound_mail(
        self,
        c: Customer,
        lang: str,
        subject: str,
        text: str,
        d: date,
        person=None,
        attachments=None,
        informal: bool = False,
    ) -> tuple[Mail, tuple[str, str, str]]:
        first, last, addr = person or self.inbound_person(c)
        login, sname, sgender = self.staff_of(c)
        s_first, s_last = sname.split(" ", 1)
        if informal:
            greet = texts.salutation_informal(lang, s_first)
        elif self.rng.random() < 0.6:
            greet = texts.salutation(lang, sgender, s_first, s_last)
        else:
            greet = texts.salutation_generic(lang)
        body = (
            f"{greet}\n\n{text}\n\n{pick(self.rng, texts.REGARDS_MAIL[lang])}\n\n"
            f"{self.customer_signature(c, lang, (first, last))}\n"
        )
        dt = self.dt(d)
        to = (
            [(sname, self.staff_email(c.tenant, login))]
            if self.rng.random() < 0.8
            else [(self.own[c.tenant]["name"], self.own[c.tenant]["email"])]
        )
        mail = Mail(
            from_name=f"{first} {last}",
            from_addr=addr,
            to=to,
            subject=subject,
            date=dt,
            message_id=self.message_id(dt, c.email_domain),
            body=body,
            lang=lang,
            attachments=attachments or [],
            html_alternative=self.rng.random() < 0.4,
            mailer=self.rng.choice(
                ["Microsoft Outlook 16.0", "Mozilla Thunderbird 128.3", "Apple Mail (2.3826)", "Microsoft Outlook 16.0"]
            ),
        )
        return mail, (first, last, addr)

    def outbound_mail(
        self,
        c: Customer,
        lang: str,
        subject: str,
        text: str,
        d: date,
        attachments=None,
        quote: tuple[Mail, str] | None = None,
    ) -> Mail:
        login, sname, _ = self.staff_of(c)
        greet = texts.salutation(lang, c.contact_gender, c.contact_first, c.contact_last)
        body = (
            f"{greet}\n\n{text}\n\n{pick(self.rng, texts.REGARDS_MAIL[lang])}\n\n"
            f"{self.own_signature(c.tenant, login, lang)}\n"
        )
        dt = self.dt(d)
        to = [(c.contact_name, c.contact_email)]
        in_reply_to, refs = None, []
        if quote:
            orig, orig_addr = quote
            if dt <= orig.date:
                dt = orig.date + timedelta(minutes=self.rng.randint(25, 240))
            if dt > NOW:
                dt = orig.date + (NOW - orig.date) / 2
            header = QUOTE_HEADER[lang].format(
                d=format_date(orig.date.date(), lang), t=orig.date.strftime("%H:%M"), n=orig.from_name, a=orig.from_addr
            )
            body += f"\n{header}\n{quote_block(orig.body)}\n"
            in_reply_to, refs = orig.message_id, [orig.message_id]
            to = [(orig.from_name, orig_addr)]
        return Mail(
            from_name=sname,
            from_addr=self.staff_email(c.tenant, login),
            to=to,
            subject=subject,
            date=dt,
            message_id=self.message_id(dt, self.own[c.tenant]["domain"]),
            body=body,
            lang=lang,
            in_reply_to=in_reply_to,
            references=refs,
            attachments=attachments or [],
            cc=[(self.own[c.tenant]["name"], self.own[c.tenant]["email"])] if self.rng.random() < 0.2 else [],
        )

    # ------------------------------------------------------------------ business PDF builders
    def _info_custno(self, lang: str, variant: str, number: str) -> tuple[str, str]:
        L = LABELS[lang]
        d = number[2:]
        if variant == "kdnr":
            return {"de": "Kd.-Nr.", "en": "Cust. no.", "es": "Cliente n.º", "tr": "Müşteri No", "pl": "Nr kl."}[
                lang
            ], d
        if variant == "compact":
            return L["customer_no"], f"K{d}"
        if variant == "spaced":
            return L["customer_no"], f"K {d}"
        return L["customer_no"], number

    def _staff_contact(self, c: Customer) -> str:
        return self.staff_of(c)[1]

    def build_offer_pdf(self, deal: Deal, version: int, variant: str) -> tuple[bytes, dict, date]:
        c, lang = deal.customer, deal.lang
        L = LABELS[lang]
        an = self.num(deal, "offer")
        n_versions = len(deal.versions)
        d = deal.date(f"offer_v{version}") if n_versions > 1 else deal.date("offer")
        vat, note = self.tax(c, lang)
        info = [
            (L["no_offer"], an),
            (L["date"], format_date(d, lang)),
            self._info_custno(lang, variant, c.customer_number),
            (L["contact"], self._staff_contact(c)),
            (L["valid_until"], format_date(d + timedelta(days=30), lang)),
        ]
        if n_versions > 1:
            info.insert(1, (L["version"], str(version)))
        if version > 1:
            intro = texts.OFFER_REVISION_INTRO[lang].format(
                d_prev=format_date(deal.date(f"offer_v{version - 1}"), lang)
            )
            sub = L["version_note"].format(d=format_date(deal.date(f"offer_v{version - 1}"), lang))
        else:
            intro = pick(self.rng, texts.OFFER_INTRO[lang]).format(
                d_inquiry=format_date(deal.date("inquiry"), lang), project=pick(self.rng, texts.PROJECTS[lang])
            )
            sub = None
        outro = [texts.OFFER_OUTRO[lang].format(weeks=deal.weeks, valid=format_date(d + timedelta(days=30), lang))]
        doc = BizDoc(
            kind="offer",
            lang=lang,
            sender=self.own_sender(c.tenant, lang),
            recipient_lines=self.recipient_lines(c, lang),
            info=info,
            title=f"{L['offer']} {an}",
            salutation=texts.salutation(lang, c.contact_gender, c.contact_first, c.contact_last),
            intro=intro,
            lines=[ls.line(lang) for ls in deal.versions[version - 1]],
            creation_dt=self.dt(d),
            signer=self._staff_contact(c),
            vat_rate=vat,
            tax_note=note,
            outro=outro,
            subject_note=sub,
        )
        return render_business_pdf(doc), with_total({"customer_number": c.customer_number, "offer_number": an}, doc), d

    def build_oc_pdf(self, deal: Deal, variant: str) -> tuple[bytes, dict, date]:
        c, lang = deal.customer, deal.lang
        L = LABELS[lang]
        ab, au, an = self.num(deal, "order_confirmation"), self.num(deal, "order"), self.num(deal, "offer")
        d = deal.date("ab")
        vat, note = self.tax(c, lang)
        promised = deal.date("promised")
        info = [
            (L["no_oc"], ab),
            (L["no_order"], au),
            (L["date"], format_date(d, lang)),
            self._info_custno(lang, variant, c.customer_number),
            (L["your_order"], f"{deal.po} {L['of']} {format_date(deal.date('order'), lang)}"),
            (L["contact"], self._staff_contact(c)),
        ]
        intro = texts.OC_INTRO[lang].format(po=deal.po, d_order=format_date(deal.date("order"), lang), au=au, an=an)
        outro = [texts.OC_OUTRO[lang].format(week=promised.isocalendar()[1], d_delivery=format_date(promised, lang))]
        doc = BizDoc(
            kind="order_confirmation",
            lang=lang,
            sender=self.own_sender(c.tenant, lang),
            recipient_lines=self.recipient_lines(c, lang),
            info=info,
            title=f"{L['order_confirmation']} {ab}",
            salutation=texts.salutation(lang, c.contact_gender, c.contact_first, c.contact_last),
            intro=intro,
            lines=[ls.line(lang) for ls in deal.lines],
            creation_dt=self.dt(d),
            signer=self._staff_contact(c),
            vat_rate=vat,
            tax_note=note,
            outro=outro,
        )
        nums = {
            "customer_number": c.customer_number,
            "order_confirmation_number": ab,
            "order_number": au,
            "offer_number": an,
            "po_number": deal.po,
        }
        return render_business_pdf(doc), with_total(nums, doc), d

    def build_dn_pdf(
        self, deal: Deal, variant: str, other: Customer | None = None, other_variant: str | None = None
    ) -> tuple[bytes, dict, date]:
        c, lang = deal.customer, deal.lang
        L = LABELS[lang]
        ls_no, au = self.num(deal, "delivery_note"), self.num(deal, "order")
        d = deal.date("ls")
        info = [
            (L["no_dn"], ls_no),
            (L["no_order"], au),
            (L["date"], format_date(d, lang)),
            self._info_custno(lang, variant, c.customer_number),
            (L["your_order"], deal.po),
            (L["contact"], self._staff_contact(c)),
        ]
        nums: dict = {
            "customer_number": c.customer_number,
            "delivery_note_number": ls_no,
            "order_number": au,
            "po_number": deal.po,
        }
        if other:
            addr_lines = [
                other.name,
                {
                    "de": "Baustelle / Warenannahme",
                    "en": "Site / goods receipt",
                    "es": "Obra / recepción",
                    "tr": "Şantiye / mal kabul",
                    "pl": "Budowa / przyjęcie towaru",
                }[lang],
            ]
            addr_lines += other.delivery.lines(lang, other.delivery.country != "DE")
            if other_variant:
                addr_lines.append(texts.custno_phrase(other_variant, lang, other.customer_number))
                nums["secondary_customer_numbers"] = [other.customer_number]
        else:
            addr_lines = [c.name] + c.delivery.lines(lang, c.delivery.country != "DE")
        packages = self.rng.randint(1, 6)
        blocks = [
            (L["delivery_address"], addr_lines),
            (
                L["shipping"],
                [f"{L['shipping_val']} · {L['packages']}: {packages} · {L['weight']}: {self.rng.randint(8, 480)} kg"],
            ),
        ]
        doc = BizDoc(
            kind="delivery_note",
            lang=lang,
            sender=self.own_sender(c.tenant, lang),
            recipient_lines=self.recipient_lines(c, lang, contact=False),
            info=info,
            title=f"{L['delivery_note']} {ls_no}",
            salutation="",
            intro=texts.DN_INTRO[lang].format(au=au, po=deal.po),
            lines=[ls.line(lang) for ls in deal.lines],
            creation_dt=self.dt(d),
            show_prices=False,
            blocks=blocks,
            signature_box=L["signature"],
        )
        return render_business_pdf(doc), with_total(nums, doc), d

    def build_invoice_pdf(self, deal: Deal, variant: str) -> tuple[bytes, dict, date]:
        c, lang = deal.customer, deal.lang
        L = LABELS[lang]
        re_no, au, ls_no = self.num(deal, "invoice"), self.num(deal, "order"), self.num(deal, "delivery_note")
        d = deal.date("re")
        vat, note = self.tax(c, lang)
        info = [
            (L["no_inv"], re_no),
            (L["date"], format_date(d, lang)),
            self._info_custno(lang, variant, c.customer_number),
            (L["no_order"], au),
            (L["no_dn"], ls_no),
            (L["your_order"], deal.po),
            (L["service_date"], format_date(deal.date("ls"), lang)),
            (L["vat_id"], c.vat_id),
        ]
        due = d + timedelta(days=14 if lang == "de" else 30)
        outro = [pick(self.rng, texts.INV_PAYMENT[lang]).format(due=format_date(due, lang), re=re_no)]
        doc = BizDoc(
            kind="invoice",
            lang=lang,
            sender=self.own_sender(c.tenant, lang),
            recipient_lines=self.recipient_lines(c, lang, contact=self.rng.random() < 0.5),
            info=info,
            title=f"{L['invoice']} {re_no}",
            salutation="",
            intro=texts.INV_INTRO[lang].format(ls=ls_no, d_delivery=format_date(deal.date("ls"), lang), au=au),
            lines=[ls.line(lang) for ls in deal.invoice_lines()],
            creation_dt=self.dt(d),
            vat_rate=vat,
            tax_note=note,
            outro=outro,
        )
        nums = {
            "customer_number": c.customer_number,
            "invoice_number": re_no,
            "order_number": au,
            "delivery_note_number": ls_no,
            "po_number": deal.po,
        }
        return render_business_pdf(doc), with_total(nums, doc), d

    def credit_amount(self, deal: Deal) -> Decimal:
        if deal.reason == "wrong_amount":
            correct = deal.lines[deal.wrong_idx]
            wrong = deal.invoice_lines()[deal.wrong_idx]
            return money((wrong.price - correct.price) * correct.qty)
        net = sum((ls.qty * ls.price for ls in deal.lines), Decimal(0))
        if deal.reason == "damaged":
            ls = deal.lines[0]
            return money(ls.price * ls.qty * Decimal("0.3"))
        return money(net * Decimal("0.05"))

    def gross(self, c: Customer, net: Decimal) -> Decimal:
        return money(net * (Decimal("1.19") if c.country == "DE" else Decimal(1)))

    def build_cn_pdf(self, deal: Deal, variant: str) -> tuple[bytes, dict, date]:
        c, lang = deal.customer, deal.lang
        L = LABELS[lang]
        gs, re_no, rk = self.num(deal, "credit_note"), self.num(deal, "invoice"), self.num(deal, "complaint")
        d = deal.date("gs")
        vat, note = self.tax(c, lang)
        assert deal.reason
        reason = texts.CN_REASONS[deal.reason][lang]
        info = [
            (L["no_cn"], gs),
            (L["date"], format_date(d, lang)),
            self._info_custno(lang, variant, c.customer_number),
            (L["no_inv"], re_no),
            (L["no_rk"], rk),
            (L["contact"], self._staff_contact(c)),
        ]
        amount = self.credit_amount(deal)
        line = Line("GS", f"{reason} – {L['ref']}: {re_no}", Decimal(1), data.UNITS["lump"][lang], amount)
        outro = [texts.CN_PAYOUT[lang].format(cust_iban=format_iban(c.iban))]
        doc = BizDoc(
            kind="credit_note",
            lang=lang,
            sender=self.own_sender(c.tenant, lang),
            recipient_lines=self.recipient_lines(c, lang),
            info=info,
            title=f"{L['credit_note']} {gs}",
            salutation=texts.salutation(lang, c.contact_gender, c.contact_first, c.contact_last),
            intro=texts.CN_INTRO[lang].format(rk=rk, re=re_no, d_invoice=format_date(deal.date("re"), lang)),
            lines=[line],
            creation_dt=self.dt(d),
            signer=self._staff_contact(c),
            vat_rate=vat,
            tax_note=note,
            outro=outro,
        )
        nums = {
            "customer_number": c.customer_number,
            "credit_note_number": gs,
            "invoice_number": re_no,
            "complaint_number": rk,
        }
        return render_business_pdf(doc), with_total(nums, doc), d

    def build_po_pdf(self, deal: Deal, variant: str) -> tuple[bytes, dict, date]:
        """The customer's own purchase order (customer letterhead, our company as recipient)."""
        c, lang = deal.customer, deal.lang
        L = LABELS[lang]
        an, au = self.num(deal, "offer"), self.num(deal, "order")
        d = deal.date("order")
        o = self.own[c.tenant]
        vat, _ = self.tax(c, lang)
        recipient = [
            o["name"],
            {"de": "Vertrieb", "en": "Sales", "es": "Ventas", "tr": "Satış", "pl": "Sprzedaż"}[lang],
            o["street"],
            f"{o['zip']} {o['city']}",
        ]
        if lang != "de":
            recipient.append(data.COUNTRY_NAME[lang]["DE"])
        info = [
            (L["no_po"], deal.po),
            (L["date"], format_date(d, lang)),
            self._info_custno(lang, variant, c.customer_number),
            (L["your_offer"], an),
            (L["contact"], c.contact_name),
        ]
        addr = [c.name] + c.delivery.lines(lang, c.delivery.country != "DE")
        doc = BizDoc(
            kind="order",
            lang=lang,
            sender=self.customer_sender(c, lang),
            recipient_lines=recipient,
            info=info,
            title=f"{L['order']} {deal.po}",
            salutation=texts.salutation_generic(lang),
            intro=texts.PO_INTRO[lang].format(an=an),
            lines=[ls.line(lang) for ls in deal.lines],
            creation_dt=self.dt(d),
            signer=c.contact_name,
            vat_rate=vat,
            outro=[texts.PO_OUTRO[lang].format(d_delivery=format_date(deal.date("promised"), lang))],
            blocks=[(L["delivery_address"], addr)],
            stamp=L["received_stamp"].format(d=format_date(d, lang), au=au),
            author=c.contact_name,
        )
        nums = {"customer_number": c.customer_number, "po_number": deal.po, "offer_number": an, "order_number": au}
        return render_business_pdf(doc), with_total(nums, doc), d

    def build_service_pdf(self, c: Customer, k: Contract, d: date, variant: str) -> tuple[bytes, dict]:
        lang = k.lang
        L = LABELS[lang]
        tech = self.rng.choice(data.TECHNICIANS[c.tenant])
        info = [
            (L["date"], format_date(d, lang)),
            self._info_custno(lang, variant, c.customer_number),
            (L["no_contract"], k.number),
            (L["technician"], tech),
        ]
        findings = [f.format(vt=k.number) for f in self.rng.sample(texts.SERVICE_FINDINGS[lang], 4)]
        hours = Decimal(self.rng.choice([2, 3, 4, 6, 8]))
        prods = {p.sku: p for p in data.PRODUCTS}
        lines = [
            LineSpec(prods["DL-9001"], hours, prods["DL-9001"].price).line(lang),
            LineSpec(prods["DL-9003"], Decimal(1), prods["DL-9003"].price).line(lang),
        ]
        if self.rng.random() < 0.6:
            lines.append(LineSpec(prods["NT-8001"], Decimal(1), prods["NT-8001"].price).line(lang))
        site = [c.name] + c.delivery.lines(lang, c.delivery.country != "DE")
        title = f"{L['service']} – {format_date(d, lang)}"
        doc = BizDoc(
            kind="service",
            lang=lang,
            sender=self.own_sender(c.tenant, lang),
            recipient_lines=self.recipient_lines(c, lang, contact=False),
            info=info,
            title=title,
            salutation="",
            intro={"de": "Einsatzort:", "en": "Site:"}[lang] + " " + ", ".join(site),
            lines=lines,
            creation_dt=self.dt(d),
            show_prices=False,
            blocks=[(L["findings"], findings)],
            signature_box=L["customer_sig"],
        )
        return render_business_pdf(doc), {"customer_number": c.customer_number, "contract_number": k.number}

    # ================================================================== item emitters
    def emit_offer_pdf(self, budget: int) -> int:
        c = self.pick_customer()
        deal = self.deal_for(c, "offer", "offer")
        variant = self.custno_variant(deal.lang)
        blob, nums, d = self.build_offer_pdf(deal, 1, variant)
        an = nums["offer_number"]
        key = self.write(c.tenant, f"fileshare/Vertrieb/Angebote/{d.year}/{an}.pdf", blob)
        self.add_gt(
            key, c.tenant, [c], "offer", deal.lang, "pdf", d, nums, family=an, hard_case=self.variant_tag(variant)
        )
        return 1

    def emit_offer_revision(self, budget: int) -> int:
        c = self.pick_customer()
        n = 3 if budget >= 1 and self.rng.random() < 0.35 else 2
        deal = self.deal_for(c, f"offer_v{n}", "offer", n_versions=n)
        variant = self.custno_variant(deal.lang)
        an = self.num(deal, "offer")
        for v in range(1, n + 1):
            blob, nums, d = self.build_offer_pdf(deal, v, variant)
            key = self.write(c.tenant, f"fileshare/Vertrieb/Angebote/{deal.date('offer_v1').year}/{an}_v{v}.pdf", blob)
            self.add_gt(key, c.tenant, [c], "offer", deal.lang, "pdf", d, nums, family=an, hard_case="offer_revision")
        return n

    def _attach_name(self, kind: str, lang: str, number: str) -> str:
        base = {
            "offer": LABELS[lang]["offer"],
            "order_confirmation": LABELS[lang]["order_confirmation"],
            "invoice": LABELS[lang]["invoice"],
            "order": LABELS[lang]["order"],
        }[kind]
        base = slugify(base, german=lang == "de").replace("-", "_").title().replace("_", "")
        return f"{base}_{number.replace('/', '-').replace(' ', '')}.pdf"

    def _cover_mail(self, deal: Deal, kind: str, blob: bytes, number: str, d: date, fname: str) -> Mail:
        c, lang = deal.customer, deal.lang
        tpl_lang = lang if lang in texts.COVER_MAIL[kind] else "en"
        subj, body = texts.COVER_MAIL[kind][tpl_lang]
        fmt = {"an": self.num(deal, "offer"), "cust": c.name, "po": deal.po}
        if kind in ("order_confirmation", "invoice"):
            fmt["au"] = self.num(deal, "order")
        if kind == "order_confirmation":
            fmt["ab"] = number
        if kind == "invoice":
            fmt["re"] = number
        att = Attachment(fname, blob, "application", "pdf")
        return self.outbound_mail(c, tpl_lang, subj.format(**fmt), body.format(**fmt), d, attachments=[att])

    def emit_offer_mail(self, budget: int) -> int:
        c = self.pick_customer()
        deal = self.deal_for(c, "offer", "offer")
        variant = self.custno_variant(deal.lang)
        blob, nums, d = self.build_offer_pdf(deal, 1, variant)
        an = nums["offer_number"]
        fname = self._attach_name("offer", deal.lang, an)
        mail = self._cover_mail(deal, "offer", blob, an, d, fname)
        key = self.write(c.tenant, self.mail_path("out", mail.date, mail.subject, c.tenant), render_eml(mail))
        self.add_gt(key, c.tenant, [c], "offer", mail.lang, "eml", d, {"offer_number": an})
        self.add_gt(
            f"{key}#{fname}",
            c.tenant,
            [c],
            "offer",
            deal.lang,
            "pdf",
            d,
            nums,
            family=an,
            hard_case=self.variant_tag(variant),
        )
        return 2

    def emit_oc_pdf(self, budget: int) -> int:
        c = self.pick_customer()
        deal = self.deal_for(c, "ab", "ab")
        variant = self.custno_variant(deal.lang)
        blob, nums, d = self.build_oc_pdf(deal, variant)
        key = self.write(
            c.tenant,
            f"fileshare/Vertrieb/Auftragsbestaetigungen/{d.year}/{nums['order_confirmation_number']}.pdf",
            blob,
        )
        self.add_gt(
            key, c.tenant, [c], "order_confirmation", deal.lang, "pdf", d, nums, hard_case=self.variant_tag(variant)
        )
        return 1

    def emit_oc_mail(self, budget: int) -> int:
        c = self.pick_customer()
        deal = self.deal_for(c, "ab", "ab")
        variant = self.custno_variant(deal.lang)
        blob, nums, d = self.build_oc_pdf(deal, variant)
        ab = nums["order_confirmation_number"]
        fname = self._attach_name("order_confirmation", deal.lang, ab)
        mail = self._cover_mail(deal, "order_confirmation", blob, ab, d, fname)
        key = self.write(c.tenant, self.mail_path("out", mail.date, mail.subject, c.tenant), render_eml(mail))
        self.add_gt(
            key,
            c.tenant,
            [c],
            "order_confirmation",
            mail.lang,
            "eml",
            d,
            {"order_confirmation_number": ab, "order_number": nums["order_number"], "po_number": deal.po},
        )
        self.add_gt(
            f"{key}#{fname}",
            c.tenant,
            [c],
            "order_confirmation",
            deal.lang,
            "pdf",
            d,
            nums,
            hard_case=self.variant_tag(variant),
        )
        return 2

    def emit_dn_pdf(self, budget: int) -> int:
        c = self.pick_customer()
        deal = self.deal_for(c, "ls", "ls")
        variant = self.custno_variant(deal.lang)
        blob, nums, d = self.build_dn_pdf(deal, variant)
        key = self.write(c.tenant, f"erp/lieferscheine/{d.year}/{nums['delivery_note_number']}.pdf", blob)
        self.add_gt(key, c.tenant, [c], "delivery_note", deal.lang, "pdf", d, nums, hard_case=self.variant_tag(variant))
        return 1

    def emit_two_customers_pdf(self, budget: int) -> int:
        c = self.pick_customer()
        others = [o for o in self.by_tenant[c.tenant] if o.customer_id != c.customer_id]
        if not others:
            return self.emit_dn_pdf(budget)
        same_country = [o for o in others if o.country == c.country]
        other = self.rng.choice(same_country or others)
        deal = self.deal_for(c, "ls", "ls")
        variant = "std"
        other_variant = "std" if self.rng.random() < 0.5 else None
        blob, nums, d = self.build_dn_pdf(deal, variant, other=other, other_variant=other_variant)
        key = self.write(c.tenant, f"erp/lieferscheine/{d.year}/{nums['delivery_note_number']}.pdf", blob)
        self.add_gt(key, c.tenant, [c, other], "delivery_note", deal.lang, "pdf", d, nums, hard_case="two_customers")
        return 1

    def emit_invoice_pdf(self, budget: int) -> int:
        c = self.pick_customer()
        deal = self.deal_for(c, "re", "re")
        variant = self.custno_variant(deal.lang)
        blob, nums, d = self.build_invoice_pdf(deal, variant)
        key = self.write(c.tenant, f"erp/rechnungen/{d.year}/{nums['invoice_number']}.pdf", blob)
        self.add_gt(key, c.tenant, [c], "invoice", deal.lang, "pdf", d, nums, hard_case=self.variant_tag(variant))
        return 1

    def emit_invoice_mail_dup(self, budget: int) -> int:
        c = self.pick_customer()
        deal = self.deal_for(c, "re", "re")
        variant = self.custno_variant(deal.lang)
        blob, nums, d = self.build_invoice_pdf(deal, variant)
        re_no = nums["invoice_number"]
        erp_key = self.write(c.tenant, f"erp/rechnungen/{d.year}/{re_no}.pdf", blob)
        self.add_gt(erp_key, c.tenant, [c], "invoice", deal.lang, "pdf", d, nums, hard_case="email_erp_duplicate")
        fname = f"{re_no}.pdf" if self.rng.random() < 0.5 else self._attach_name("invoice", deal.lang, re_no)
        mail = self._cover_mail(deal, "invoice", blob, re_no, d, fname)
        key = self.write(c.tenant, self.mail_path("out", mail.date, mail.subject, c.tenant), render_eml(mail))
        self.add_gt(
            key,
            c.tenant,
            [c],
            "invoice",
            mail.lang,
            "eml",
            d,
            {"invoice_number": re_no, "order_number": nums["order_number"]},
        )
        self.add_gt(
            f"{key}#{fname}",
            c.tenant,
            [c],
            "invoice",
            deal.lang,
            "pdf",
            d,
            nums,
            duplicate_of=erp_key,
            hard_case="email_erp_duplicate",
        )
        return 3

    def emit_credit_note_pdf(self, budget: int) -> int:
        c = self.pick_customer()
        deal = self.deal_for(c, "gs", "gs", need_reason=True)
        variant = self.custno_variant(deal.lang)
        blob, nums, d = self.build_cn_pdf(deal, variant)
        key = self.write(c.tenant, f"erp/gutschriften/{d.year}/{nums['credit_note_number']}.pdf", blob)
        self.add_gt(key, c.tenant, [c], "credit_note", deal.lang, "pdf", d, nums, hard_case=self.variant_tag(variant))
        return 1

    def emit_po_mail(self, budget: int) -> int:
        c = self.pick_customer()
        deal = self.deal_for(c, "order", "order", recent_days=90)
        variant = self.custno_variant(deal.lang)
        blob, nums, d = self.build_po_pdf(deal, variant)
        lang = deal.lang
        fname = self._attach_name("order", lang, deal.po)
        ctx = self.ctx(deal, c, lang, variant, with_kn=False)
        ctx["an"] = nums["offer_number"]
        ctx["d_delivery"] = format_date(deal.date("promised"), lang)
        subj, body = pick(self.rng, texts.ORDER_MAIL[lang])
        att = Attachment(fname, blob, "application", "pdf")
        mail, _ = self.inbound_mail(c, lang, subj.format(**ctx), body.format(**ctx), d, attachments=[att])
        key = self.write(c.tenant, self.mail_path("in", mail.date, mail.subject, c.tenant), render_eml(mail))
        self.add_gt(
            key, c.tenant, [c], "order", lang, "eml", d, {"offer_number": nums["offer_number"], "po_number": deal.po}
        )
        self.add_gt(f"{key}#{fname}", c.tenant, [c], "order", lang, "pdf", d, nums, hard_case=self.variant_tag(variant))
        return 2

    def _service_date(self, k: Contract) -> date:
        for _ in range(20):
            d = self.sample_date()
            if d >= k.start:
                return d
        return max(k.start, NOW_DATE - timedelta(days=3)) if k.start <= NOW_DATE else NOW_DATE

    def emit_service_pdf(self, budget: int) -> int:
        c = self.pick_customer()
        k = self.contract_for(c, "maintenance", anchor=self.sample_date() - timedelta(days=200), started=True)
        d = self._service_date(k)
        variant = self.custno_variant(k.lang)
        blob, nums = self.build_service_pdf(c, k, d, variant)
        key = self.write(
            c.tenant,
            f"fileshare/Service/Berichte/{d.year}/Servicebericht_{d:%Y%m%d}_{self.uniq(c.tenant):05d}.pdf",
            blob,
        )
        self.add_gt(key, c.tenant, [c], "service", k.lang, "pdf", d, nums, hard_case=self.variant_tag(variant))
        return 1

    # ---------------------------------------------------------------- e-mails
    def emit_inquiry_mail(self, budget: int, thread: bool = False) -> int:
        c = self.pick_customer()
        deal = self.deal_for(c, "inquiry", "inquiry")
        lang = deal.lang
        variant = self.custno_variant(lang)
        with_kn = self.rng.random() < 0.8
        ctx = self.ctx(deal, c, lang, variant, with_kn=with_kn)
        ctx["project_de"] = pick(self.rng, texts.PROJECTS["de"])
        subj, body = pick(self.rng, texts.INQUIRY[lang])
        d = deal.date("inquiry")
        mail, person = self.inbound_mail(c, lang, subj.format(**ctx), body.format(**ctx), d)
        key = self.write(c.tenant, self.mail_path("in", mail.date, mail.subject, c.tenant), render_eml(mail))
        nums = {"customer_number": c.customer_number if with_kn else None}
        tag = self.variant_tag(variant) if with_kn else "name_only_sender_domain"
        self.add_gt(key, c.tenant, [c], "correspondence", lang, "eml", d, nums, hard_case=tag)
        if not thread:
            return 1
        reply_d = min(NOW_DATE, d + timedelta(days=self.rng.randint(0, 2)))
        text = texts.INQUIRY_REPLY[lang].format(**ctx)
        reply = self.outbound_mail(c, lang, REPLY_PREFIX[lang] + mail.subject, text, reply_d, quote=(mail, person[2]))
        rkey = self.write(c.tenant, self.mail_path("out", reply.date, reply.subject, c.tenant), render_eml(reply))
        self.add_gt(
            rkey, c.tenant, [c], "correspondence", lang, "eml", reply.date.date(), nums, hard_case="thread_reply"
        )
        return 2

    def emit_inquiry_thread(self, budget: int) -> int:
        return self.emit_inquiry_mail(budget, thread=True)

    def emit_order_mail(self, budget: int) -> int:
        c = self.pick_customer()
        deal = self.deal_for(c, "order", "order", recent_days=90)
        lang = deal.lang
        variant = self.custno_variant(lang)
        ctx = self.ctx(deal, c, lang, variant, with_kn=True)
        ctx["an"] = self.num(deal, "offer")
        ctx["d_delivery"] = format_date(deal.date("promised"), lang)
        subj, body = pick(self.rng, texts.ORDER_MAIL[lang])
        d = deal.date("order")
        mail, _ = self.inbound_mail(c, lang, subj.format(**ctx), body.format(**ctx), d)
        key = self.write(c.tenant, self.mail_path("in", mail.date, mail.subject, c.tenant), render_eml(mail))
        self.add_gt(
            key,
            c.tenant,
            [c],
            "order",
            lang,
            "eml",
            d,
            {"customer_number": c.customer_number, "offer_number": ctx["an"], "po_number": deal.po},
            hard_case=self.variant_tag(variant),
        )
        return 1

    def complaint_ctx(self, deal: Deal, variant: str, with_kn: bool = True) -> tuple[dict, dict]:
        c, lang = deal.customer, deal.lang
        ctx = self.ctx(deal, c, lang, variant, with_kn=with_kn)
        au, ls_no, re_no, an = (
            self.num(deal, "order"),
            self.num(deal, "delivery_note"),
            self.num(deal, "invoice"),
            self.num(deal, "offer"),
        )
        inv_net = sum((ls.qty * ls.price for ls in deal.invoice_lines()), Decimal(0))
        ok_net = sum((ls.qty * ls.price for ls in deal.lines), Decimal(0))
        amount, expected = self.gross(c, inv_net), self.gross(c, ok_net)
        diff = self.gross(c, self.credit_amount(deal)) if deal.reason == "wrong_amount" else amount - expected
        ctx.update(
            {
                "au": au,
                "ls": ls_no,
                "re": re_no,
                "an": an,
                "d_promised": format_date(deal.date("promised"), lang),
                "d_delivery": format_date(deal.date("ls"), lang),
                "d_invoice": format_date(deal.date("re"), lang),
                "amount": format_amount(amount, lang),
                "amount_expected": format_amount(expected, lang),
                "diff": format_amount(diff, lang),
            }
        )
        nums = {"customer_number": c.customer_number if with_kn else None}
        return ctx, nums

    def _complaint_text(self, deal: Deal, ctx: dict, nums: dict) -> tuple[str, str]:
        assert deal.reason
        subj, body = pick(self.rng, texts.COMPLAINT[deal.reason][deal.lang])
        for placeholder, key in (
            ("{au}", "order_number"),
            ("{po}", "po_number"),
            ("{ls}", "delivery_note_number"),
            ("{re}", "invoice_number"),
            ("{an}", "offer_number"),
        ):
            if placeholder in subj or placeholder in body:
                nums[key] = ctx[placeholder[1:-1]]
        return subj.format(**ctx), body.format(**ctx)

    def emit_complaint_mail(self, budget: int, thread: bool = False) -> int:
        c = self.pick_customer()
        deal = self.deal_for(c, "rk", "rk", need_reason=True, recent_days=14)
        return self.complaint_docs(c, deal, thread)

    def complaint_docs(self, c: Customer, deal: Deal, thread: bool) -> int:
        """The customer's complaint e-mail about ``deal`` (dated ``rk``) and, for a thread, our reply."""
        lang = deal.lang
        variant = self.custno_variant(lang)
        with_kn = self.rng.random() < 0.85
        ctx, nums = self.complaint_ctx(deal, variant, with_kn)
        subj, body = self._complaint_text(deal, ctx, nums)
        d = deal.date("rk")
        mail, person = self.inbound_mail(c, lang, subj, body, d)
        if self.rng.random() < 0.3:
            mail.importance = "high"
        key = self.write(c.tenant, self.mail_path("in", mail.date, mail.subject, c.tenant), render_eml(mail))
        tag = self.variant_tag(variant) if with_kn else None
        self.add_gt(key, c.tenant, [c], "complaint", lang, "eml", d, nums, hard_case=tag)
        if not thread:
            return 1
        rk = self.num(deal, "complaint")
        rctx = dict(ctx, rk=rk, d_new=format_date(deal.date("rk_reply") + timedelta(days=self.rng.randint(2, 6)), lang))
        tpl = texts.COMPLAINT_REPLY[lang]
        assert deal.reason
        text = tpl["intro"].format(**rctx) + " " + tpl[deal.reason].format(**rctx)
        reply = self.outbound_mail(
            c, lang, f"{REPLY_PREFIX[lang]}{mail.subject} [{rk}]", text, deal.date("rk_reply"), quote=(mail, person[2])
        )
        rkey = self.write(c.tenant, self.mail_path("out", reply.date, reply.subject, c.tenant), render_eml(reply))
        rnums = dict(nums, complaint_number=rk)
        self.add_gt(rkey, c.tenant, [c], "complaint", lang, "eml", reply.date.date(), rnums, hard_case="thread_reply")
        return 2

    def emit_complaint_thread(self, budget: int) -> int:
        return self.emit_complaint_mail(budget, thread=True)

    def emit_forwarded_mail(self, budget: int) -> int:
        c = self.pick_customer()
        complaint = self.rng.random() < 0.6
        if complaint:
            deal = self.deal_for(c, "rk", "rk", need_reason=True, recent_days=14)
            variant = self.custno_variant(deal.lang)
            ctx, nums = self.complaint_ctx(deal, variant, True)
            subj, body = self._complaint_text(deal, ctx, nums)
            d_orig, register = deal.date("rk"), "complaint"
        else:
            deal = self.deal_for(c, "inquiry", "inquiry")
            variant = self.custno_variant(deal.lang)
            ctx = self.ctx(deal, c, deal.lang, variant, with_kn=True)
            s, b = pick(self.rng, texts.INQUIRY[deal.lang])
            subj, body = s.format(**ctx), b.format(**ctx)
            nums = {"customer_number": c.customer_number}
            d_orig, register = deal.date("inquiry"), "correspondence"
        lang = deal.lang
        orig, person = self.inbound_mail(c, lang, subj, body, d_orig)
        login, sname, _ = self.staff_of(c)
        colleagues = [s for s in data.STAFF[c.tenant] if s[0] != login]
        col = self.rng.choice(colleagues)
        d = min(NOW_DATE, d_orig + timedelta(days=self.rng.randint(0, 1)))
        dt = self.dt(d)
        if dt <= orig.date:
            dt = orig.date + timedelta(minutes=self.rng.randint(10, 180))
        if dt > NOW:
            dt = orig.date + (NOW - orig.date) / 2
        german_style = self.rng.random() < 0.7
        note_lang = "de" if german_style else "en"
        note = pick(self.rng, texts.FORWARD_NOTE[note_lang])
        to_addr = orig.to[0]
        if german_style:
            prefix = "WG: "
            fwd_head = (
                f"-----Ursprüngliche Nachricht-----\nVon: {orig.from_name} <{orig.from_addr}>\n"
                f"Gesendet: {format_date(orig.date.date(), 'de')} {orig.date:%H:%M}\n"
                f"An: {to_addr[0]} <{to_addr[1]}>\nBetreff: {orig.subject}\n"
            )
        else:
            prefix = "Fwd: "
            fwd_head = (
                f"---------- Forwarded message ---------\nFrom: {orig.from_name} <{orig.from_addr}>\n"
                f"Date: {format_date(orig.date.date(), 'en')} {orig.date:%H:%M}\n"
                f"Subject: {orig.subject}\nTo: {to_addr[0]} <{to_addr[1]}>\n"
            )
        greet = texts.salutation_informal(note_lang, col[1].split(" ")[0])
        body_text = f"{greet}\n\n{note}\n\n{sname.split(' ')[0]}\n\n{fwd_head}\n{orig.body}"
        mail = Mail(
            from_name=sname,
            from_addr=self.staff_email(c.tenant, login),
            to=[(col[1], self.staff_email(c.tenant, col[0]))],
            subject=prefix + orig.subject,
            date=dt,
            message_id=self.message_id(dt, self.own[c.tenant]["domain"]),
            body=body_text,
            lang=lang,
            references=[orig.message_id],
        )
        key = self.write(c.tenant, self.mail_path("out", mail.date, mail.subject, c.tenant), render_eml(mail))
        self.add_gt(key, c.tenant, [c], register, lang, "eml", mail.date.date(), nums, hard_case="forwarded")
        return 1

    def emit_name_only_mail(self, budget: int) -> int:
        c = self.pick_customer()
        lang = self.doc_lang(c)
        subj, body = texts.NAME_ONLY_MAIL[lang]
        d = self.sample_date()
        mail, _ = self.inbound_mail(c, lang, subj, body, d)
        key = self.write(c.tenant, self.mail_path("in", mail.date, mail.subject, c.tenant), render_eml(mail))
        self.add_gt(key, c.tenant, [c], "service", lang, "eml", d, {}, hard_case="name_only_sender_domain")
        return 1

    def emit_conflicting_mail(self, budget: int) -> int:
        c = self.pick_customer()
        others = [o for o in self.by_tenant[c.tenant] if o.customer_id != c.customer_id]
        if not others:
            return self.emit_inquiry_mail(budget)
        other = self.rng.choice(others)
        lang = "de" if c.country == "DE" else "en"
        subj, body = texts.CONFLICT_MAIL[lang]
        body = body.format(kn_other=texts.custno_phrase("std", lang, other.customer_number), other=other.name)
        d = self.sample_date()
        mail, _ = self.inbound_mail(c, lang, subj, body, d)
        key = self.write(c.tenant, self.mail_path("in", mail.date, mail.subject, c.tenant), render_eml(mail))
        self.add_gt(
            key,
            c.tenant,
            [c, other],
            "correspondence",
            lang,
            "eml",
            d,
            {"secondary_customer_numbers": [other.customer_number]},
            filing="review",
            hard_case="conflicting_ids",
        )
        return 1

    def emit_contract_mail(self, budget: int) -> int:
        c = self.pick_customer()
        k = self.contract_for(c, reuse=False)
        blob, nums = self.build_contract_docx(c, k, draft=True)
        fname = f"{'Entwurf' if k.lang == 'de' else 'Draft'}_{k.number}.docx"
        subj, body = texts.COVER_MAIL["contract"][k.lang]
        att = Attachment(fname, blob, "application", "vnd.openxmlformats-officedocument.wordprocessingml.document")
        d = k.signed - timedelta(days=self.rng.randint(3, 14))
        if d.weekday() > 4:
            d -= timedelta(days=d.weekday() - 4)
        mail = self.outbound_mail(c, k.lang, subj.format(vt=k.number), body.format(vt=k.number), d, attachments=[att])
        key = self.write(c.tenant, self.mail_path("out", mail.date, mail.subject, c.tenant), render_eml(mail))
        self.add_gt(key, c.tenant, [c], "contract", k.lang, "eml", d, {"contract_number": k.number})
        self.add_gt(f"{key}#{fname}", c.tenant, [c], "contract", k.lang, "docx", d, nums)
        return 2

    def emit_no_identifier_mail(self, budget: int) -> int:
        tenant = self.rng.choice(TENANTS)
        title, body, sender, domain = self.rng.choice(texts.NO_ID_TOPICS)
        d = self.sample_date()
        dt = self.dt(d)
        text = f"Sehr geehrte Damen und Herren,\n\n{body}\n\nMit freundlichen Grüßen\n{sender}\n"
        mail = Mail(
            from_name=sender,
            from_addr=f"newsletter@{domain}",
            to=[(self.own[tenant]["name"], self.own[tenant]["email"])],
            subject=title,
            date=dt,
            message_id=self.message_id(dt, domain),
            body=text,
            lang="de",
            html_alternative=True,
            mailer="Mailjet",
        )
        key = self.write(tenant, self.mail_path("in", dt, title, tenant), render_eml(mail))
        self.add_gt(key, tenant, [], "other", "de", "eml", d, {}, filing="review", hard_case="no_identifier")
        return 1

    # ---------------------------------------------------------------- office documents
    def build_contract_docx(self, c: Customer, k: Contract, draft: bool = False) -> tuple[bytes, dict]:
        lang = k.lang
        o = self.own[c.tenant]
        login, sname, _ = self.staff_of(c)
        variant = "std"
        kn_label, kn_value = self._info_custno(lang, variant, c.customer_number)
        fee = format_amount(k.fee, lang)
        site = c.delivery.one_line()
        court = o["city"]
        if lang == "de":
            title = "Wartungsvertrag" if k.kind == "maintenance" else "Rahmenliefervertrag"
            roles = ("Auftragnehmer", "Auftraggeber")
            facts = [
                ("Vertragsnummer", k.number),
                (kn_label, kn_value),
                ("Vertragsbeginn", format_date(k.start, "de")),
                ("Laufzeit", f"{k.years} Jahr{'e' if k.years > 1 else ''}"),
                (
                    "Jährliche Pauschale" if k.kind == "maintenance" else "Rahmenrabatt",
                    fee if k.kind == "maintenance" else f"{self.rng.choice([3, 5, 7, 8, 10])} %",
                ),
                ("Ansprechpartner", sname),
            ]
            if k.kind == "maintenance":
                sections = [
                    (
                        "§ 1 Vertragsgegenstand",
                        [
                            f"Der Auftragnehmer übernimmt die regelmäßige Wartung und Inspektion "
                            f"der beim Auftraggeber installierten Anlagen gemäß Anlage 1 am "
                            f"Standort {site}."
                        ],
                    ),
                    (
                        "§ 2 Leistungsumfang",
                        [
                            f"Die Wartung umfasst {self.rng.choice([1, 2, 4])} Inspektion(en) pro "
                            "Jahr, die Prüfung sicherheitsrelevanter Komponenten, den Austausch von "
                            "Verschleißteilen nach Herstellervorgaben sowie die Dokumentation in "
                            "einem Servicebericht."
                        ],
                    ),
                    (
                        "§ 3 Reaktionszeiten",
                        [
                            f"Störungsmeldungen werden werktags innerhalb von "
                            f"{self.rng.choice([4, 8, 24])} Stunden bearbeitet. Die Service-Hotline "
                            f"ist unter {o['phone']} erreichbar."
                        ],
                    ),
                    (
                        "§ 4 Vergütung",
                        [
                            f"Die jährliche Wartungspauschale beträgt {fee} zzgl. gesetzlicher "
                            "Umsatzsteuer und wird jeweils zum 1. Januar im Voraus in Rechnung gestellt. "
                            "Zusätzliche Einsätze werden nach Aufwand zu 89,00 EUR je Technikerstunde "
                            "berechnet."
                        ],
                    ),
                    (
                        "§ 5 Laufzeit und Kündigung",
                        [
                            f"Der Vertrag beginnt am {format_date(k.start, 'de')} und läuft "
                            f"zunächst {k.years} Jahr(e). Er verlängert sich jeweils um ein "
                            "weiteres Jahr, wenn er nicht mit einer Frist von drei Monaten "
                            "zum Ende der Laufzeit schriftlich gekündigt wird."
                        ],
                    ),
                    (
                        "§ 6 Haftung",
                        [
                            "Der Auftragnehmer haftet für Vorsatz und grobe Fahrlässigkeit unbeschränkt, "
                            "im Übrigen begrenzt auf den vertragstypischen, vorhersehbaren Schaden."
                        ],
                    ),
                    (
                        "§ 7 Schlussbestimmungen",
                        [
                            "Änderungen und Ergänzungen dieses Vertrags bedürfen der "
                            f"Schriftform. Gerichtsstand ist {court}."
                        ],
                    ),
                ]
                annex = [("Anlage", "Typ", "Standort")] + [
                    (p.sku, p.names["de"], c.delivery.city) for p in self.rng.sample(data.PRODUCTS[:18], 3)
                ]
                annex_title = "Anlage 1 – Gewartete Anlagenteile"
            else:
                sections = [
                    (
                        "§ 1 Gegenstand",
                        [
                            "Dieser Rahmenvertrag regelt die Bedingungen für Lieferungen von Komponenten "
                            "der Antriebs- und Steuerungstechnik an den Auftraggeber. Einzelaufträge "
                            "werden unter Bezug auf diesen Vertrag erteilt."
                        ],
                    ),
                    (
                        "§ 2 Preise",
                        [
                            "Es gelten die Preise der jeweils gültigen kundenspezifischen Preisliste. "
                            "Preisänderungen werden mit einer Frist von sechs Wochen angekündigt."
                        ],
                    ),
                    (
                        "§ 3 Abnahmemenge",
                        [
                            f"Der Auftraggeber beabsichtigt, im Vertragszeitraum Waren im Wert von "
                            f"mindestens {format_amount(k.fee * 20, 'de')} netto abzunehmen."
                        ],
                    ),
                    (
                        "§ 4 Lieferung",
                        [
                            f"Lieferungen erfolgen frei Haus an die Lieferanschrift {site}. "
                            "Teillieferungen sind zulässig."
                        ],
                    ),
                    (
                        "§ 5 Zahlung",
                        [
                            "Rechnungen sind innerhalb von 30 Tagen netto zahlbar. Bei Zahlung innerhalb "
                            "von 10 Tagen gewährt der Auftragnehmer 2 % Skonto."
                        ],
                    ),
                    (
                        "§ 6 Laufzeit",
                        [
                            f"Der Vertrag beginnt am {format_date(k.start, 'de')} und endet nach "
                            f"{k.years} Jahr(en), sofern er nicht verlängert wird."
                        ],
                    ),
                    ("§ 7 Schlussbestimmungen", [f"Es gilt deutsches Recht. Gerichtsstand ist {court}."]),
                ]
                annex, annex_title = [], ""
            place = f"{o['city']}, den {format_date(k.signed, 'de')}"
        else:
            title = "Maintenance Agreement" if k.kind == "maintenance" else "Framework Supply Agreement"
            roles = ("Contractor", "Customer")
            facts = [
                ("Contract number", k.number),
                (kn_label, kn_value),
                ("Start date", format_date(k.start, "en")),
                ("Term", f"{k.years} year{'s' if k.years > 1 else ''}"),
                (
                    "Annual fee" if k.kind == "maintenance" else "Framework discount",
                    fee if k.kind == "maintenance" else f"{self.rng.choice([3, 5, 7, 8, 10])} %",
                ),
                ("Contact", sname),
            ]
            if k.kind == "maintenance":
                sections = [
                    (
                        "1. Subject matter",
                        [
                            f"The Contractor shall carry out regular maintenance and inspection of "
                            f"the systems installed at the Customer's site {site} as listed in "
                            "Annex 1."
                        ],
                    ),
                    (
                        "2. Scope of services",
                        [
                            "Maintenance comprises scheduled inspections, testing of "
                            "safety-relevant components, replacement of wear parts according to "
                            "the manufacturer's specifications and a written service report."
                        ],
                    ),
                    (
                        "3. Response times",
                        [
                            f"Fault reports are handled within {self.rng.choice([8, 24, 48])} hours "
                            f"on working days. The service hotline is {o['phone']}."
                        ],
                    ),
                    (
                        "4. Fees",
                        [
                            f"The annual maintenance fee is {fee}, invoiced annually in advance. Additional "
                            "call-outs are charged at EUR 89.00 per technician hour plus travel costs."
                        ],
                    ),
                    (
                        "5. Term and termination",
                        [
                            f"This agreement commences on {format_date(k.start, 'en')} for an "
                            f"initial term of {k.years} year(s) and renews automatically for "
                            "one year unless terminated with three months' notice."
                        ],
                    ),
                    (
                        "6. Governing law",
                        [f"This agreement is governed by German law. Place of jurisdiction is {court}."],
                    ),
                ]
                annex = [("System", "Type", "Site")] + [
                    (p.sku, p.names["en"], c.delivery.city) for p in self.rng.sample(data.PRODUCTS[:18], 3)
                ]
                annex_title = "Annex 1 – Systems covered"
            else:
                sections = [
                    (
                        "1. Subject matter",
                        [
                            "This framework agreement governs the supply of drive and control "
                            "components to the Customer. Individual orders refer to this agreement."
                        ],
                    ),
                    (
                        "2. Prices",
                        ["Prices are those of the customer-specific price list in force at the time of the order."],
                    ),
                    ("3. Delivery", [f"Deliveries are made DAP to {site}. Partial deliveries are permitted."]),
                    ("4. Payment", ["Invoices are payable within 30 days net."]),
                    (
                        "5. Term",
                        [f"This agreement commences on {format_date(k.start, 'en')} and runs for {k.years} year(s)."],
                    ),
                    ("6. Governing law", [f"German law applies. Place of jurisdiction is {court}."]),
                ]
                annex, annex_title = [], ""
            place = f"{o['city']}, {format_date(k.signed, 'en')}"
        parties = [
            (roles[0], [o["name"], o["street"], f"{o['zip']} {o['city']}", f"USt-IdNr. {o['vat_id']}"]),
            (
                roles[1],
                [c.name]
                + c.billing.lines(lang, c.country != "DE")
                + [f"VAT ID {c.vat_id}" if lang == "en" else f"USt-IdNr. {c.vat_id}"],
            ),
        ]
        doc = ContractDoc(
            lang=lang,
            title=title,
            contract_number=k.number,
            parties=parties,
            key_facts=facts,
            sections=sections,
            signature_labels=(o["name"], c.name),
            place_date=place,
            author=sname,
            created=self.dt(k.signed),
            draft=draft,
            header_text=f"{o['name']} · {title} {k.number}",
            footer_text=f"{o['name']} · {o['register']} · IBAN {format_iban(o['iban'])}",
            annex_rows=annex,
            annex_title=annex_title,
        )
        return render_contract_docx(doc), {"customer_number": c.customer_number, "contract_number": k.number}

    def emit_contract_docx(self, budget: int) -> int:
        c = self.pick_customer()
        k = self.contract_for(c, reuse=False)
        if "docx" in k.used:  # pragma: no cover - reuse=False creates a fresh one
            k = self.contract_for(c, reuse=False)
        k.used.add("docx")
        blob, nums = self.build_contract_docx(c, k)
        name = {"maintenance": "Wartungsvertrag", "framework": "Rahmenvertrag"}[k.kind]
        key = self.write(c.tenant, f"fileshare/Vertraege/{k.signed.year}/{k.number}_{name}.docx", blob)
        self.add_gt(key, c.tenant, [c], "contract", k.lang, "docx", k.signed, nums)
        return 1

    def emit_pricelist_xlsx(self, budget: int) -> int:
        c = self.pick_customer()
        lang = self.doc_lang(c)
        d = self.sample_date()
        login, sname, _ = self.staff_of(c)
        variant = self.custno_variant(lang)
        kn_label, kn_value = self._info_custno(lang, variant, c.customer_number)
        lab = {
            "de": (
                "Preisliste {y} – kundenspezifische Konditionen",
                "Kunde",
                "Gültig ab",
                "Ansprechpartner",
                "Lieferant",
                ["Art.-Nr.", "Bezeichnung", "Einheit", "Listenpreis", "Rabatt %", "Nettopreis"],
                "Alle Preise netto zzgl. gesetzlicher USt., Lieferung frei Haus ab 500,00 EUR Warenwert.",
                "Preisliste",
            ),
            "en": (
                "Price list {y} – customer conditions",
                "Customer",
                "Valid from",
                "Contact",
                "Supplier",
                ["Part no.", "Description", "Unit", "List price", "Discount %", "Net price"],
                "All prices net, excluding VAT. Free delivery for orders above EUR 500.00.",
                "Price list",
            ),
            "es": (
                "Lista de precios {y} – condiciones del cliente",
                "Cliente",
                "Válida desde",
                "Contacto",
                "Proveedor",
                ["Ref.", "Descripción", "Unidad", "Precio tarifa", "Dto. %", "Precio neto"],
                "Precios netos sin IVA.",
                "Lista de precios",
            ),
            "tr": (
                "{y} Fiyat Listesi – müşteriye özel koşullar",
                "Müşteri",
                "Geçerlilik başlangıcı",
                "İlgili kişi",
                "Tedarikçi",
                ["Ürün kodu", "Açıklama", "Birim", "Liste fiyatı", "İndirim %", "Net fiyat"],
                "Tüm fiyatlar KDV hariç net fiyatlardır.",
                "Fiyat listesi",
            ),
            "pl": (
                "Cennik {y} – warunki indywidualne",
                "Klient",
                "Ważny od",
                "Osoba kontaktowa",
                "Dostawca",
                ["Nr art.", "Nazwa", "J.m.", "Cena katalogowa", "Rabat %", "Cena netto"],
                "Wszystkie ceny netto, bez VAT.",
                "Cennik",
            ),
        }[lang]
        year = d.year + (1 if d.month >= 11 else 0)
        valid = date(year, 1, 1)
        header = [
            (lab[0].format(y=year), ""),
            (lab[1], c.name),
            (kn_label, kn_value),
            (lab[2], format_date(valid, lang)),
            (lab[3], sname),
            (lab[4], self.own[c.tenant]["name"]),
        ]
        disc = self.rng.choice([0, 3, 5, 8, 10, 12, 15])
        rows = []
        for p in sorted(self.rng.sample(data.PRODUCTS, self.rng.randint(10, len(data.PRODUCTS))), key=lambda p: p.sku):
            list_price = float(p.price)
            net = float(money(p.price * (Decimal(100) - Decimal(disc)) / Decimal(100)))
            rows.append((p.sku, p.names[lang], data.UNITS[p.unit][lang], list_price, float(disc), net))
        pl = PriceList(
            lang=lang,
            sheet_title=f"{lab[7]} {year}",
            header_rows=header,
            columns=lab[5],
            rows=rows,
            valid_from=valid,
            author=sname,
            created=self.dt(d),
            footer_note=lab[6],
        )
        blob = render_pricelist_xlsx(pl)
        slug = slugify(c.short_name, german=c.country == "DE")[:40]
        key = self.write(
            c.tenant, f"fileshare/Preislisten/{year}/Preisliste_{year}_{slug}_{self.uniq(c.tenant):04d}.xlsx", blob
        )
        self.add_gt(
            key,
            c.tenant,
            [c],
            "other",
            lang,
            "xlsx",
            d,
            {"customer_number": c.customer_number},
            hard_case=self.variant_tag(variant),
        )
        return 1

    # ---------------------------------------------------------------- scans
    def _own_recipient(self, tenant: str, lang: str) -> list[str]:
        o = self.own[tenant]
        lines = [
            o["name"],
            {
                "de": "Kundenservice",
                "en": "Customer Service",
                "es": "Atención al cliente",
                "tr": "Müşteri Hizmetleri",
                "pl": "Obsługa klienta",
            }[lang],
            o["street"],
            f"{o['zip']} {o['city']}",
        ]
        if lang != "de":
            lines.append(data.COUNTRY_NAME[lang]["DE"])
        return lines

    def _customer_letterhead(self, c: Customer) -> list[str]:
        return [
            c.name,
            f"{c.billing.street} · {c.billing.city_line()} · Tel. {c.phone}",
            f"info@{c.email_domain} · www.{c.email_domain}",
        ]

    def _save_scan(self, tenant: str, img, d: date, fmt: str) -> tuple[str, str]:
        n = self.uniq(tenant)
        base = f"scans/{d:%Y}/{d:%m}/Scan_{d:%Y%m%d}_{n:04d}"
        if fmt == "png":
            return self.write(tenant, base + ".png", to_png(img)), "png"
        if fmt == "tiff":
            return self.write(tenant, base + ".tif", to_tiff(img)), "tiff"
        return self.write(tenant, base + ".pdf", render_image_pdf([to_bilevel(img)], self.dt(d), "Scan")), "scan_pdf"

    def emit_scan_letter(self, budget: int) -> int:
        c = self.pick_customer()
        kind = self.rng.choice(["complaint", "complaint", "address", "termination", "termination"])
        fmt = self.rng.choice(["png", "tiff"])
        variant = self.custno_variant(c.lang)
        if kind == "complaint":
            deal = self.deal_for(c, "rk", "rk", need_reason=True, recent_days=14)
            lang = deal.lang
            ctx, nums = self.complaint_ctx(deal, variant, with_kn=False)
            subj, body = self._complaint_text(deal, ctx, nums)
            d = deal.date("rk")
            register = "complaint"
        elif kind == "address":
            lang = self.doc_lang(c)
            ctx = self.ctx(None, c, lang, variant, with_kn=False)
            ctx["new_address"] = (
                f"{data.format_street(c.country, self.rng.choice(data.STREETS[c.country]), self.rng.randint(1, 90))}, "
                f"{c.billing.city_line()}"
            )
            subj, body = texts.LETTER_ADDRESS_CHANGE[lang]
            subj, body = subj.format(**ctx), body.format(**ctx)
            d = self.sample_date()
            nums = {}
            register = "correspondence"
        else:
            k = self.contract_for(c, "maintenance", anchor=self.sample_date() - timedelta(days=200), started=True)
            lang = k.lang
            ctx = self.ctx(None, c, lang, variant, with_kn=False)
            ctx["vt"] = k.number
            subj, body = texts.LETTER_TERMINATION[lang]
            subj, body = subj.format(**ctx), body.format(**ctx)
            d = max(k.signed + timedelta(days=60), self.sample_date())
            d = min(d, NOW_DATE)
            if d.weekday() > 4:
                d -= timedelta(days=d.weekday() - 4)
            nums = {"contract_number": k.number}
            register = "contract"
        kn_label, kn_value = self._info_custno(lang, variant, c.customer_number)
        nums["customer_number"] = c.customer_number
        letter = ScanLetter(
            letterhead=self._customer_letterhead(c),
            recipient=self._own_recipient(c.tenant, lang),
            right_info=[f"{kn_label}: {kn_value}"],
            date_line=f"{c.billing.city}, {format_date(d, lang)}",
            subject=subj,
            body=[texts.salutation_generic(lang), body],
            closing=[texts.REGARDS[lang], c.contact_name, c.name],
        )
        img = render_letter(letter, self.rng)
        key, kind_out = self._save_scan(c.tenant, img, d, fmt)
        self.add_gt(key, c.tenant, [c], register, lang, kind_out, d, nums, hard_case=self.variant_tag(variant))
        return 1

    def emit_scan_pdf(self, budget: int) -> int:
        c = self.pick_customer()
        if self.rng.random() < 0.65:
            deal = self.deal_for(c, "ls", "ls_scan")
            lang = deal.lang
            L = LABELS[lang]
            ls_no, au = self.num(deal, "delivery_note"), self.num(deal, "order")
            d = deal.date("ls")
            o = self.own[c.tenant]
            table = [(L["pos"], L["sku"], L["desc"], L["qty"])]
            for i, ls in enumerate(deal.lines[:10], 1):
                table.append((str(i), ls.product.sku, ls.product.names[lang][:28], str(ls.qty)))
            letter = ScanLetter(
                letterhead=[o["name"], f"{o['street']} · {o['zip']} {o['city']} · {o['phone']}"],
                recipient=[c.name] + c.delivery.lines(lang, c.delivery.country != "DE"),
                right_info=[
                    f"{L['no_dn']}: {ls_no}",
                    f"{L['no_order']}: {au}",
                    f"{L['customer_no']}: {c.customer_number}",
                    f"{L['your_order']}: {deal.po}",
                ],
                date_line=format_date(d, lang),
                subject=f"{L['delivery_note']} {ls_no}",
                body=[texts.DN_INTRO[lang].format(au=au, po=deal.po)],
                table=table,
                closing=[L["received"], c.contact_name],
                stamp=f"{'ERHALTEN' if lang == 'de' else 'RECEIVED'}\n{format_date(d, lang)}\n{c.short_name[:22]}",
            )
            nums = {
                "customer_number": c.customer_number,
                "delivery_note_number": ls_no,
                "order_number": au,
                "po_number": deal.po,
            }
            register = "delivery_note"
        else:
            k = self.contract_for(c)
            lang = k.lang
            o = self.own[c.tenant]
            d = k.signed
            de = lang == "de"
            title = (
                ("Wartungsvertrag" if k.kind == "maintenance" else "Rahmenliefervertrag")
                if de
                else ("Maintenance Agreement" if k.kind == "maintenance" else "Framework Supply Agreement")
            )
            letter = ScanLetter(
                letterhead=[o["name"], f"{o['street']} · {o['zip']} {o['city']}"],
                recipient=[c.name] + c.billing.lines(lang, c.country != "DE"),
                right_info=[
                    f"{'Vertragsnummer' if de else 'Contract no.'}: {k.number}",
                    f"{LABELS[lang]['customer_no']}: {c.customer_number}",
                ],
                date_line=f"{o['city']}, {format_date(d, lang)}",
                subject=f"{title} {k.number} – {'Unterschriftenseite' if de else 'signature page'}",
                body=[
                    (
                        "Die Parteien bestätigen mit ihrer Unterschrift den Vertrag in der vorliegenden Fassung "
                        "einschließlich aller Anlagen."
                    )
                    if de
                    else "By signing below the parties confirm the agreement in its present form including all annexes."
                ],
                closing=[
                    f"{'Für' if de else 'For'} {o['name']}",
                    "",
                    f"{'Für' if de else 'For'} {c.name}",
                    c.contact_name,
                ],
            )
            nums = {"customer_number": c.customer_number, "contract_number": k.number}
            register = "contract"
        img = render_letter(letter, self.rng)
        key, kind_out = self._save_scan(c.tenant, img, d, "pdf")
        self.add_gt(key, c.tenant, [c], register, lang, kind_out, d, nums)
        return 1

    def emit_name_only_scan(self, budget: int) -> int:
        ambiguous = {self.customers[0].customer_id, self.customers[1].customer_id} if len(self.customers) > 1 else set()
        pool_ok = [x for x in self.customers if x.customer_id not in ambiguous]
        c = self.pick_customer(exclude=ambiguous) if pool_ok else self.pick_customer()
        lang = "de" if c.country == "DE" else "en"
        subj, body = texts.NAME_ONLY_LETTER[lang]
        d = self.sample_date()
        letter = ScanLetter(
            letterhead=[c.name, f"{c.billing.street} · {c.billing.city_line()}"],
            recipient=self._own_recipient(c.tenant, lang),
            date_line=f"{c.billing.city}, {format_date(d, lang)}",
            subject=subj,
            body=[texts.salutation_generic(lang), body],
            closing=[texts.REGARDS[lang], c.contact_name],
        )
        img = render_letter(letter, self.rng)
        key, kind_out = self._save_scan(c.tenant, img, d, self.rng.choice(["png", "tiff", "pdf"]))
        self.add_gt(key, c.tenant, [c], "correspondence", lang, kind_out, d, {}, filing="review", hard_case="name_only")
        return 1

    # ---------------------------------------------------------------- notes, html
    def emit_phone_note_txt(self, budget: int) -> int:
        c = self.pick_customer()
        d = self.sample_date()
        login, sname, _ = self.staff_of(c)
        variant = self.custno_variant("de")
        deals = [x for x in self.deals[c.customer_id] if x.happened("order")]
        nums = {"customer_number": c.customer_number}
        if deals and self.rng.random() < 0.6:
            deal = self.rng.choice(deals)
            au = self.num(deal, "order")
            d = min(NOW_DATE, deal.date("order") + timedelta(days=self.rng.randint(3, 20)))
            topic = (
                f"Fragt nach dem Liefertermin zu Auftrag {au}. Zugesagt war der "
                f"{format_date(deal.date('promised'), 'de')}. Habe Rücksprache mit der Logistik zugesagt."
            )
            nums["order_number"] = au
        else:
            topic = self.rng.choice(
                [
                    "Möchte ein Angebot für eine zweite Förderstrecke. Bitte Unterlagen per E-Mail schicken.",
                    "Beschwert sich über lange Reaktionszeiten der Hotline. Bitte Rückruf durch Teamleitung.",
                    "Fragt nach Schulungsterminen für neue Mitarbeiter im nächsten Quartal.",
                    "Bittet um Zusendung der aktuellen Preisliste und der Konformitätserklärungen.",
                ]
            )
        if d.weekday() > 4:
            d -= timedelta(days=d.weekday() - 4)
        kn_label, kn_value = self._info_custno("de", variant, c.customer_number)
        gender_word = "Herr" if c.contact_gender == "m" else "Frau"
        callback = min(NOW_DATE + timedelta(days=3), d + timedelta(days=2))
        txt = (
            f"TELEFONNOTIZ\n============\n\nDatum:            {format_date(d, 'de')}\n"
            f"Uhrzeit:          {self.rng.randint(8, 16):02d}:{self.rng.randint(0, 59):02d} Uhr\n"
            f"Aufgenommen von:  {sname}\n\nAnrufer:          {gender_word} {c.contact_name}\n"
            f"Firma:            {c.name}\n{kn_label + ':':<18}{kn_value}\nRückruf unter:    {c.phone}\n\n"
            f"Anliegen:\n{topic}\n\nErledigung: Rückruf bis {format_date(callback, 'de')}\n"
        )
        key = self.write(
            c.tenant,
            f"fileshare/Notizen/{d.year}/Telefonnotiz_{d:%Y%m%d}_{self.uniq(c.tenant):04d}.txt",
            txt.encode("utf-8"),
        )
        self.add_gt(key, c.tenant, [c], "correspondence", "de", "txt", d, nums, hard_case=self.variant_tag(variant))
        return 1

    def emit_service_note_txt(self, budget: int) -> int:
        c = self.pick_customer()
        k = self.contract_for(c, "maintenance", anchor=self.sample_date() - timedelta(days=200), started=True)
        d = self._service_date(k)
        if d.weekday() > 4:
            d -= timedelta(days=d.weekday() - 4)
        tech = self.rng.choice(data.TECHNICIANS[c.tenant])
        p = self.rng.choice(data.PRODUCTS[:18])
        problem = self.rng.choice(
            [
                f"{p.names['de']} meldet Übertemperatur, Anlage steht.",
                f"Förderband läuft ruckartig an, Verdacht auf defekten {p.names['de']}.",
                "Not-Aus löst sporadisch ohne erkennbaren Grund aus.",
                "Display der Bedienstation bleibt dunkel nach Stromausfall.",
            ]
        )
        txt = (
            f"STÖRUNGSMELDUNG / SERVICEEINSATZ\n\nEingang: {format_date(d, 'de')} "
            f"{self.rng.randint(6, 15):02d}:{self.rng.randint(0, 59):02d}\nKunde: {c.name}\n"
            f"Kundennummer: {c.customer_number}\nWartungsvertrag: {k.number}\n"
            f"Standort: {c.delivery.one_line()}\nMelder: {c.contact_name}, Tel. {c.phone}\n\n"
            f"Fehlerbild:\n{problem}\n\nMaßnahme:\nTechniker {tech} disponiert für "
            f"{format_date(min(NOW_DATE + timedelta(days=2), d + timedelta(days=1)), 'de')}. Ersatzteile aus "
            f"Lager mitnehmen.\n\nStatus: {'offen' if (NOW_DATE - d).days < 10 else 'erledigt'}\n"
        )
        key = self.write(
            c.tenant,
            f"fileshare/Service/Meldungen/{d.year}/Stoerung_{d:%Y%m%d}_{self.uniq(c.tenant):04d}.txt",
            txt.encode("utf-8"),
        )
        self.add_gt(
            key,
            c.tenant,
            [c],
            "service",
            "de",
            "txt",
            d,
            {"customer_number": c.customer_number, "contract_number": k.number},
        )
        return 1

    def emit_webform_html(self, budget: int) -> int:
        import html as H

        c = self.pick_customer()
        lang = self.doc_lang(c)
        d = self.sample_date()
        variant = "std"
        with_kn = self.rng.random() < 0.7
        first, last, addr = self.inbound_person(c)
        ctx = self.ctx(None, c, lang, variant, with_kn=False)
        ctx["project_de"] = pick(self.rng, texts.PROJECTS["de"])
        _, msg = pick(self.rng, texts.INQUIRY[lang])
        msg = msg.format(**ctx)
        labels = {
            "de": (
                "Kontaktformular – neue Anfrage",
                "Firma",
                "Name",
                "E-Mail",
                "Telefon",
                "Kundennummer",
                "Nachricht",
                "Eingegangen",
            ),
            "en": (
                "Contact form – new enquiry",
                "Company",
                "Name",
                "Email",
                "Phone",
                "Customer number",
                "Message",
                "Received",
            ),
        }
        lab = labels["de" if lang == "de" else "en"]
        dt = self.dt(d)
        rows = [
            (lab[1], c.name),
            (lab[2], f"{first} {last}"),
            (lab[3], addr),
            (lab[4], c.phone),
            (lab[5], c.customer_number if with_kn else ""),
            (lab[7], dt.strftime("%d.%m.%Y %H:%M")),
        ]
        tr = "".join(f'<tr><th style="text-align:left">{H.escape(k)}</th><td>{H.escape(v)}</td></tr>' for k, v in rows)
        page = (
            f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{H.escape(lab[0])}</title>'
            f"</head><body><h2>{H.escape(lab[0])}</h2><table>{tr}</table><h3>{H.escape(lab[6])}</h3>"
            f"<p>{H.escape(msg)}</p><hr><p><small>{H.escape(self.own[c.tenant]['web'])} · Formular-ID "
            f"{self.rng.randint(100000, 999999)}</small></p></body></html>\n"
        )
        key = self.write(
            c.tenant,
            f"crm/webformular/{d.year}/anfrage_{d:%Y%m%d}_{self.uniq(c.tenant):04d}.html",
            page.encode("utf-8"),
        )
        self.add_gt(
            key,
            c.tenant,
            [c],
            "correspondence",
            lang,
            "html",
            d,
            {"customer_number": c.customer_number if with_kn else None},
            hard_case=None if with_kn else "name_only_sender_domain",
        )
        return 1

    def emit_ticket_html(self, budget: int) -> int:
        import html as H

        c = self.pick_customer()
        k = self.contract_for(c, "maintenance", anchor=self.sample_date() - timedelta(days=200), started=True)
        d = self._service_date(k)
        if d.weekday() > 4:
            d -= timedelta(days=d.weekday() - 4)
        tech = self.rng.choice(data.TECHNICIANS[c.tenant])
        tid = f"{d.year}-{self.rng.randint(1000, 9999)}"
        events = [
            (format_date(d, "de"), "Ticket eröffnet durch Hotline", "neu"),
            (format_date(min(NOW_DATE, d + timedelta(days=1)), "de"), f"Zugewiesen an {tech}", "in Bearbeitung"),
        ]
        if (NOW_DATE - d).days > 5:
            events.append(
                (
                    format_date(d + timedelta(days=self.rng.randint(2, 5)), "de"),
                    "Störung behoben, Anlage läuft",
                    "geschlossen",
                )
            )
        rows = "".join(f"<tr><td>{a}</td><td>{H.escape(b)}</td><td>{c_}</td></tr>" for a, b, c_ in events)
        page = (
            f'<!DOCTYPE html>\n<html lang="de"><head><meta charset="utf-8"><title>Serviceticket {tid}</title>'
            f"</head><body><h1>Serviceticket {tid}</h1><dl><dt>Kunde</dt><dd>{H.escape(c.name)}</dd>"
            f"<dt>Kundennummer</dt><dd>{c.customer_number}</dd><dt>Vertrag</dt><dd>{k.number}</dd>"
            f"<dt>Standort</dt><dd>{H.escape(c.delivery.one_line())}</dd><dt>Priorität</dt>"
            f"<dd>{self.rng.choice(['hoch', 'mittel', 'niedrig'])}</dd></dl><h2>Verlauf</h2>"
            f'<table border="1"><tr><th>Datum</th><th>Ereignis</th><th>Status</th></tr>{rows}</table>'
            f"</body></html>\n"
        )
        key = self.write(
            c.tenant, f"service/tickets/{d.year}/ticket_{tid}_{self.uniq(c.tenant):04d}.html", page.encode("utf-8")
        )
        self.add_gt(
            key,
            c.tenant,
            [c],
            "service",
            "de",
            "html",
            d,
            {"customer_number": c.customer_number, "contract_number": k.number},
        )
        return 1

    def emit_ambiguous_note_txt(self, budget: int) -> int:
        if len(self.customers) < 2:
            return self.emit_phone_note_txt(budget)
        c = self.rng.choice(self.customers[:2])
        d = self.sample_date()
        _, sname, _ = self.rng.choice(data.STAFF[c.tenant])  # not the account manager: no hidden hint
        txt = texts.AMBIGUOUS_NOTE_DE.format(
            date=format_date(d, "de"),
            time=f"{self.rng.randint(8, 16):02d}:{self.rng.randint(0, 59):02d}",
            staff=sname,
            caller=self.rng.choice([s for s in data.SURNAMES["DE"] if s != "Müller"]),
        )
        key = self.write(
            c.tenant,
            f"fileshare/Notizen/{d.year}/Telefonnotiz_{d:%Y%m%d}_{self.uniq(c.tenant):04d}.txt",
            txt.encode("utf-8"),
        )
        self.add_gt(
            key, c.tenant, [c], "correspondence", "de", "txt", d, {}, filing="review", hard_case="ambiguous_name"
        )
        return 1

    def emit_no_identifier_html(self, budget: int) -> int:
        tenant = self.rng.choice(TENANTS)
        title, body, sender, domain = self.rng.choice(texts.NO_ID_TOPICS)
        d = self.sample_date()
        page = texts.NEWSLETTER_DE.format(title=title, body=body, sender=sender, domain=domain)
        key = self.write(
            tenant,
            f"fileshare/Allgemein/{d.year}/{slugify(title)[:40]}_{self.uniq(tenant):04d}.html",
            page.encode("utf-8"),
        )
        self.add_gt(key, tenant, [], "other", "de", "html", d, {}, filing="review", hard_case="no_identifier")
        return 1

    # ================================================================== the story: one bad delivery batch
    def emit_bad_batch(self, budget: int) -> int:
        """The complaint spike (see BAD_BATCH_WEEK): run once, writes exactly ``self.bad_batch.documents``."""
        plan = self.bad_batch
        assert plan is not None
        rng = self.rng
        product = next(p for p in data.PRODUCTS if p.sku == BAD_BATCH_SKU)
        pool = list(self.by_tenant.get(BAD_BATCH_TENANT) or self.customers)
        deals: list[Deal] = []
        left: list[Customer] = []
        for _ in range(plan.complaints):
            if not left:  # several different customers; only a tiny world repeats one
                left = list(pool)
            c = rng.choices(left, weights=[x.weight for x in left])[0]
            left.remove(c)
            # most customers unpack the batch early in the week
            rk_day = BAD_BATCH_WEEK + timedelta(days=rng.choices(range(5), weights=[3, 3, 2, 1, 1])[0])
            deal = self.new_deal(c, "rk", rk_day, reason="damaged")  # delivery note 0-3 days before
            # the batch's product is the first line: the complaint texts and the credit note name it
            prev = next((ls for ls in deal.lines if ls.product.sku == product.sku), None)
            head = LineSpec(product, Decimal(rng.choice([2, 3, 4, 5, 6, 8])), prev.price if prev else product.price)
            deal.versions[-1] = [head] + [ls for ls in deal.lines if ls is not prev]
            # the service team is swamped that week: answers take a few days, credit notes a week or two
            deal.rel["rk_reply"] = deal.rel["rk"] + rng.randint(1, 4)
            deal.rel["gs"] = max(deal.rel["rk"], deal.rel["re"]) + rng.randint(6, 14)
            deal.used.add("rk")
            deals.append(deal)
        written = self._erp_pdfs(deals, plan.delivery_notes, "ls", self.build_dn_pdf, "lieferscheine", "delivery_note")
        replies = set(rng.sample(range(len(deals)), plan.replies))
        for i, deal in enumerate(deals):
            written += self.complaint_docs(deal.customer, deal, thread=i in replies)
        written += self._erp_pdfs(deals, plan.credit_notes, "gs", self.build_cn_pdf, "gutschriften", "credit_note")
        assert written == plan.documents, (written, plan)
        return written

    def _erp_pdfs(self, deals: list[Deal], n: int, stage: str, build: Any, folder: str, register: str) -> int:
        """ERP PDFs (delivery notes, credit notes) of `n` of these deals, drawn with the world's rng."""
        for i in sorted(self.rng.sample(range(len(deals)), n)):
            deal = deals[i]
            deal.used.add(stage)
            variant = self.custno_variant(deal.lang)
            blob, nums, d = build(deal, variant)
            c = deal.customer
            key = self.write(c.tenant, f"erp/{folder}/{d.year}/{nums[register + '_number']}.pdf", blob)
            self.add_gt(key, c.tenant, [c], register, deal.lang, "pdf", d, nums, hard_case=self.variant_tag(variant))
        return n

    # ================================================================== driver
    def per_item(self, item: str) -> int:
        if item == "bad_batch":
            assert self.bad_batch is not None
            return self.bad_batch.documents
        return PLAN[item][0]

    def plan(self) -> list[str]:
        # the bad batch's documents are part of the budget: the shares apply to the rest
        n = self.n_docs - (self.bad_batch.documents if self.bad_batch else 0)
        counts = {}
        for name, (per, share) in PLAN.items():
            k = int(n * share / per + 0.5)
            if self.n_docs >= 100:
                k = max(k, 1)
            counts[name] = k
        total = sum(counts[t] * PLAN[t][0] for t in counts)
        while total > n:
            name = max(counts, key=lambda t: (counts[t] * PLAN[t][0], t))
            if counts[name] == 0:
                break
            counts[name] -= 1
            total -= PLAN[name][0]
        items = [name for name in PLAN for _ in range(counts[name])]
        self.rng.shuffle(items)
        if self.bad_batch:
            items.insert(0, "bad_batch")  # first, so that it always fits into the budget
        return items

    def run(self) -> None:
        items = self.plan()
        planned = [self.per_item(i) for i in items]
        remaining_planned = sum(planned)
        emitted = 0
        for item, per in zip(items, planned, strict=True):
            remaining_planned -= per
            slack = self.n_docs - emitted - remaining_planned - per
            if per > self.n_docs - emitted:
                item = FILLERS[0]
                slack = 0
            if self._coverage and item in COVERAGE_ITEMS:
                self._forced = self._coverage.pop(0)
            emitted += getattr(self, f"emit_{item}")(slack)
            self._forced = None
            self._forced_lang = None
        while emitted < self.n_docs:
            item = self.rng.choice(FILLERS)
            emitted += getattr(self, f"emit_{item}")(0)
        assert emitted == len(self.gt) == self.n_docs, (emitted, len(self.gt), self.n_docs)


# =========================================================================== public API


def _prepare_out(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    entries = list(out_dir.iterdir())
    if not entries:
        return
    manifest = out_dir / "manifest.json"
    is_ours = False
    if manifest.is_file():
        try:
            is_ours = json.loads(manifest.read_text(encoding="utf-8")).get("generator") == "demo.generate"
        except (OSError, ValueError):
            is_ours = False
    if not is_ours:
        raise FileExistsError(f"{out_dir} is not empty and does not contain a demo corpus; refusing to overwrite")
    for name in OUR_TOP_LEVEL:
        p = out_dir / name
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


def _customers_xlsx(customers: list[Customer]) -> bytes:
    import io

    from openpyxl import Workbook

    from .customers import CSV_COLUMNS
    from .render_office import normalize_ooxml

    wb = Workbook()
    ws = wb.active
    ws.title = "Kunden"
    ws.append(CSV_COLUMNS)
    for c in customers:
        row = c.row()
        ws.append([row[k] for k in CSV_COLUMNS])
    wb.properties.creator = "CRM Export"
    wb.properties.created = NOW.replace(tzinfo=None)
    buf = io.BytesIO()
    wb.save(buf)
    return normalize_ooxml(buf.getvalue(), NOW, NOW)


def generate(out_dir: Path, customers: int = 60, documents: int = 400, seed: int = 7) -> Manifest:
    """Generate the demo corpus into ``out_dir`` and return its manifest."""
    if customers < 2:
        raise ValueError("customers must be >= 2")
    if documents < 1:
        raise ValueError("documents must be >= 1")
    out_dir = Path(out_dir)
    _prepare_out(out_dir)
    world = World(out_dir, customers, documents, seed)
    world.run()

    (out_dir / "customers.csv").write_bytes(customers_csv(world.customers))
    (out_dir / "customers.xlsx").write_bytes(_customers_xlsx(world.customers))
    with (out_dir / "ground_truth.jsonl").open("w", encoding="utf-8", newline="\n") as fh:
        for g in world.gt:
            fh.write(g.to_json() + "\n")

    def count(attr: str, per_tenant: bool = False) -> dict:
        cnt = Counter(str(getattr(g, attr)) for g in world.gt)
        return dict(sorted(cnt.items()))

    counts = {
        "documents": len(world.gt),
        "customers": len(world.customers),
        "customers_by_tenant": {t: len(world.by_tenant[t]) for t in TENANTS},
        "by_kind": count("kind"),
        "by_language": count("language"),
        "by_tenant": count("tenant"),
        "by_register": count("register"),
        "by_expected_filing": count("expected_filing"),
        "by_hard_case": dict(sorted(Counter(g.hard_case for g in world.gt if g.hard_case).items())),
        "attachments": sum(1 for g in world.gt if "#" in g.doc_key),
        "duplicates": sum(1 for g in world.gt if g.duplicate_of),
        "families_with_versions": len({g.family for g in world.gt if g.hard_case == "offer_revision"}),
        "files_by_tenant": {t: sum(1 for p in world.paths if p.startswith(t + "/")) for t in TENANTS},
    }
    own = {}
    for t in TENANTS:
        o = world.own[t]
        own[t] = {
            k: o[k]
            for k in (
                "name",
                "street",
                "zip",
                "city",
                "country",
                "phone",
                "email",
                "domain",
                "web",
                "vat_id",
                "tax_number",
                "iban",
                "bic",
                "bank",
                "register",
                "managing_directors",
            )
        }
    manifest = Manifest(
        args={"customers": customers, "documents": documents, "seed": seed},
        seed=seed,
        now=NOW.isoformat(),
        counts=counts,
        own_company=own,
        tenants=list(TENANTS),
        files=world.files_written,
        font=find_unicode_font().regular.name,
        notes=[
            "documents counts ground-truth documents incl. e-mail attachments (doc_key '<eml>#<filename>')",
            "ingest each tenant folder separately (--tenant nord / --tenant sued); customers.csv holds both tenants",
            "no .msg files: Outlook OLE .msg cannot be written with the available libraries",
            "story: older history (> 3 months) is seasonal - busy spring and autumn, a dip in August and "
            "around Christmas/New Year",
        ],
    )
    if world.bad_batch:
        b = world.bad_batch
        manifest.notes.append(
            f"story: complaint spike in the week of {BAD_BATCH_WEEK.isoformat()} (ISO week "
            f"{BAD_BATCH_WEEK.isocalendar()[0]}-W{BAD_BATCH_WEEK.isocalendar()[1]:02d}): a bad delivery batch of "
            f"{BAD_BATCH_SKU} from tenant {BAD_BATCH_TENANT} - {b.complaints} 'damaged' complaint e-mails from "
            f"different customers, {b.replies} replies, {b.credit_notes} credit notes, {b.delivery_notes} delivery notes"
        )
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest.to_dict(), ensure_ascii=False, indent=2, sort_keys=False) + "\n", encoding="utf-8"
    )
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m demo.generate", description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=60)
    ap.add_argument("--documents", type=int, default=400)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=Path("demo-corpus"))
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    m = generate(args.out, customers=args.customers, documents=args.documents, seed=args.seed)
    dt = time.perf_counter() - t0
    c = m.counts
    print(
        f"wrote {c['documents']} documents ({m.files} files) for {c['customers']} customers to {args.out} in {dt:.1f}s",
        file=sys.stderr,
    )
    print(f"  kinds: {c['by_kind']}", file=sys.stderr)
    print(f"  languages: {c['by_language']}", file=sys.stderr)
    print(f"  filing: {c['by_expected_filing']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
