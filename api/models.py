"""Request and response models of the REST API (pydantic: validation, and the OpenAPI 3.1 document).

Request models forbid unknown fields and bound every size; they convert to the application layer's plain
requests (`to_request`). Response models are built from the application layer's typed results (`from_*`).
Strings are data: nothing here renders or interprets them.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import warnings
from typing import Annotated, Any, Literal

from flask_openapi3 import FileStorage
from pydantic import BaseModel, ConfigDict, Field, field_validator

from search.request import CUSTOMER_ATTRS, DATE_FIELDS, FACET_NAMES, DateRange, SearchRequest

# "register" is a classmethod of abc.ABCMeta, which pydantic models inherit: a field of that name would take the
# method as its default in subclasses. Our fields are `register_`, named "register" on the wire (alias).
warnings.filterwarnings("ignore", message='Field name "register"', category=UserWarning)

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
Text = Annotated[str, Field(max_length=200)]
FacetName = Literal[
    "register",
    "customer",
    "month",
    "language",
    "source",
    "status",
    "entity",
    "filing",
    "tenant",
    "channel",
    "direction",
    "reason",
    "currency",
    "case",
    "assignee",
]
FACET_FIELD = FACET_NAMES
FACET_NAME = {v: k for k, v in FACET_FIELD.items()}
FilterValues = Annotated[list[Text], Field(max_length=50)]


_SCHEMAS: dict[str, dict[str, Any]] = {}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
        """Cached per class and arguments: flask-openapi3 asks for a query model's schema on every request
        (6–7 ms each, measured with bench/api.py); the schema of a class never changes."""
        key = repr((cls, args, sorted(kwargs.items())))
        cached = _SCHEMAS.get(key)
        if cached is None:
            cached = _SCHEMAS[key] = super().model_json_schema(*args, **kwargs)
        # the per-request call (no arguments) only reads it; the document generator gets its own copy
        return cached if not args and not kwargs else copy.deepcopy(cached)


class Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


def no_control(value: str) -> str:
    if CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    return value


# ------------------------------------------------------------------------------------------------ requests


class SearchQuery(Strict):
    q: str = Field("", max_length=2000, description='query text (operators: "phrase", kunde:, typ:, nr:, datum:)')
    mode: Literal["hybrid", "keyword", "semantic"] = "hybrid"
    sort: Literal["relevance", "date_desc", "date_asc", "customer"] = "relevance"
    group: Literal["customer", "register", "month"] | None = None
    register_: FilterValues = Field([], alias="register")
    customer: FilterValues = []
    month: FilterValues = []
    language: FilterValues = []
    source: FilterValues = []
    status: FilterValues = []
    entity: FilterValues = []
    filing: FilterValues = []
    tenant: FilterValues = []
    channel: FilterValues = []
    direction: FilterValues = []
    reason: FilterValues = []
    currency: FilterValues = []
    case: FilterValues = Field([], description="the state of the document's case: open | overdue | closed")
    assignee: FilterValues = Field([], description="who holds the document's case (login)")
    segment: FilterValues = Field([], description="customers' segment (master data)")
    manager: FilterValues = Field([], description="customers' account manager (login)")
    department: FilterValues = Field([], description="customers' department")
    date_field: Literal["doc_date", "received_at", "indexed_at"] = "doc_date"
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    versions: Literal["latest", "all"] = "latest"
    facets: Annotated[list[FacetName], Field(max_length=15)] = []
    size: int = Field(20, ge=1, le=100)
    cursor: str | None = Field(None, max_length=2000, description="the `next_cursor` of the previous page")

    def values(self, facet: str) -> list[str]:
        return list(getattr(self, "register_" if facet == "register" else facet))

    def filters(self) -> dict[str, tuple[str, ...]]:
        return {FACET_FIELD[name]: tuple(self.values(name)) for name in FACET_FIELD if self.values(name)}

    def fingerprint(self) -> dict[str, Any]:
        """Everything that defines the result list (not the page): a cursor belongs to exactly this."""
        return self.model_dump(mode="json", exclude={"cursor", "facets"}, by_alias=True)

    def to_request(self, page: int, *, facets: bool = True) -> SearchRequest:
        date_range = None
        if self.date_from or self.date_to:
            assert self.date_field in DATE_FIELDS
            date_range = DateRange(field=self.date_field, gte=self.date_from, lte=self.date_to)
        wanted = tuple(FACET_FIELD[f] for f in self.facets) if self.facets else None
        return SearchRequest(
            text=self.q, mode=self.mode, sort=self.sort, group_by=self.group, filters=self.filters(),
            date_range=date_range, latest_only=self.versions == "latest", size=self.size,
            page=1 if self.group else page, group_page=page if self.group else 1,
            facets=wanted if facets else (),
            customer_attrs={k: tuple(getattr(self, k)) for k in CUSTOMER_ATTRS if getattr(self, k)},
        )  # fmt: skip


class ExportQuery(SearchQuery):
    format: Literal["csv", "xlsx", "json"] = "csv"
    limit: int = Field(10_000, ge=1, le=10_000)


class CustomerLookupQuery(Strict):
    number: str | None = Field(None, max_length=100)
    name: str | None = Field(None, max_length=200)
    size: int = Field(10, ge=1, le=100)


class CustomerPath(Strict):
    customer_id: str = Field(max_length=200)


class DocumentPath(Strict):
    doc_id: str = Field(max_length=300)


class DocumentQuery(Strict):
    q: str = Field("", max_length=1000, description="terms to mark in the text")


class SimilarQuery(Strict):
    k: int = Field(6, ge=1, le=50)


class ViewPath(Strict):
    view_id: str = Field(max_length=64)


class ViewResultsQuery(Strict):
    customer: str | None = Field(None, max_length=200, description="the dossier a dossier-scoped view runs in")
    size: int = Field(20, ge=1, le=100)
    cursor: str | None = Field(None, max_length=2000)


class NotificationsQuery(Strict):
    unread: bool = False
    size: int = Field(50, ge=1, le=200)
    page: int = Field(1, ge=1, le=200)


class MarkRead(Strict):
    ids: Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=1000)] | None = Field(
        None, description="notification ids; omitted or null: all unread ones"
    )
    read: bool = True


class Address(Strict):
    street: str = Field("", max_length=200)
    zip: str = Field("", max_length=20)
    city: str = Field("", max_length=100)
    country: str = Field("", max_length=60)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)


ShortList = Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=50)]


class CustomerIn(Strict):
    """One customer of the ERP/CRM master data (the CSV export's columns as fields)."""

    customer_id: str = Field(min_length=1, max_length=100)
    customer_number: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=300)
    tenant: str | None = Field(None, max_length=100, description="default: the key's tenant")
    legal_form: str = Field("", max_length=100)
    aliases: ShortList = []
    segment: str = Field("", max_length=100)
    account_manager: str = Field("", max_length=100)
    department: str = Field("", max_length=100)
    contact_email: ShortList = []
    email_domain: ShortList = []
    phone: ShortList = []
    iban: ShortList = []
    vat_id: str = Field("", max_length=40)
    billing: Address | None = None
    delivery: Address | None = None

    @field_validator("customer_id", "customer_number", "name", "tenant", "legal_form", "segment", "account_manager",
                     "department", "vat_id")  # fmt: skip
    @classmethod
    def _plain(cls, value: str | None) -> str | None:
        return None if value is None else no_control(value).strip()

    @field_validator("aliases", "contact_email", "email_domain", "phone", "iban")
    @classmethod
    def _plain_list(cls, value: list[str]) -> list[str]:
        out = [no_control(v).strip() for v in value]
        if any("|" in v for v in out):
            raise ValueError("'|' is not allowed in list values")
        return [v for v in out if v]

    def to_row(self) -> dict[str, str]:
        row = {
            "customer_id": self.customer_id, "customer_number": self.customer_number, "name": self.name,
            "tenant": self.tenant or "", "legal_form": self.legal_form, "aliases": "|".join(self.aliases),
            "segment": self.segment, "account_manager": self.account_manager, "department": self.department,
            "contact_email": "|".join(self.contact_email), "email_domain": "|".join(self.email_domain),
            "phone": "|".join(self.phone), "iban": "|".join(self.iban), "vat_id": self.vat_id,
        }  # fmt: skip
        for kind in ("billing", "delivery"):
            addr = getattr(self, kind)
            if addr is not None:
                for k in ("street", "zip", "city", "country"):
                    row[f"{kind}_{k}"] = no_control(getattr(addr, k)).strip()
                for k in ("lat", "lon"):
                    row[f"{kind}_{k}"] = "" if getattr(addr, k) is None else str(getattr(addr, k))
        return row


class CustomersUpsert(Strict):
    customers: Annotated[list[CustomerIn], Field(min_length=1, max_length=1000)]


# ------------------------------------------------------------------------------------------------ responses


class Links(Out):
    self: str
    cockpit: str | None = Field(None, description="the same resource's page in the cockpit")
    next: str | None = None


class MessageOut(Out):
    code: str
    params: dict[str, Any] = {}
    text: str


class Fragment(Out):
    text: str
    match: bool


class HitOut(Out):
    doc_id: str
    title: str
    register_: str | None = Field(None, alias="register")
    doc_date: str | None
    language: str | None
    customer_ids: list[str]
    customer_names: list[str]
    version: int | None
    is_latest: bool | None
    score: float | None
    highlights: list[list[Fragment]] = Field(description="text fragments with the matched terms marked")
    links: Links


class FacetValue(Out):
    value: str
    count: int
    selected: bool


class GroupOut(Out):
    key: str | None
    count: int
    hits: list[HitOut]


class SearchOut(Out):
    total: int
    total_is_exact: bool
    mode: str
    took_ms: float | None
    hits: list[HitOut]
    facets: dict[str, list[FacetValue]]
    groups: list[GroupOut]
    total_groups: int
    messages: list[MessageOut]
    next_cursor: str | None
    links: Links


class AddressOut(Out):
    kind: str | None = None
    street: str | None = None
    zip: str | None = None
    city: str | None = None
    country: str | None = None
    lat: float | None = None
    lon: float | None = None


class CustomerOut(Out):
    customer_id: str
    number: str | None = None
    name: str = ""
    legal_form: str | None = None
    aliases: list[str] = []
    tenant: str | None = None
    segment: str | None = None
    account_manager: str | None = None
    department: str | None = None
    emails: list[str] = []
    domains: list[str] = []
    phones: list[str] = []
    ibans: list[str] = []
    vat_id: str | None = None
    addresses: list[AddressOut] = []
    updated_at: str | None = None
    links: Links


class CustomersOut(Out):
    customers: list[CustomerOut]


class RejectedRow(Out):
    row: int
    code: str
    detail: str
    message: str


class ChangeReportOut(Out):
    new: list[str]
    changed: list[str]
    unchanged: list[str]
    rejected: list[RejectedRow]


class RegisterOut(Out):
    register_: str = Field(alias="register")
    count: int
    latest: list[HitOut]


class TimelineOut(Out):
    month: str
    register_: str = Field(alias="register")
    count: int


class DossierOut(Out):
    customer_id: str
    name: str
    customer: CustomerOut | None
    total: int
    open_complaints: int
    last_order: HitOut | None
    last_delivery: HitOut | None
    revenue_12m: float | None
    currency: str | None
    revenue_documents: int
    registers: list[RegisterOut]
    latest: list[HitOut]
    timeline: list[TimelineOut]
    links: Links


class DocCustomer(Out):
    customer_id: str
    name: str
    number: str | None
    links: Links


class VersionOut(Out):
    doc_id: str
    version: int | None
    is_latest: bool | None
    doc_date: str | None
    title: str | None


class FilingOut(Out):
    status: str | None
    confidence: float | None
    reasons: list[str]
    register_reason: str | None
    candidates: list[str]


class DocumentOut(Out):
    doc_id: str
    title: str
    register_: str | None = Field(None, alias="register")
    doc_date: str | None
    received_at: str | None
    indexed_at: str | None
    tenant: str | None
    language: str | None
    version: int | None
    is_latest: bool | None
    family_id: str | None
    file_name: str | None
    mime_type: str | None
    source_kind: str | None
    status: str | None
    total_amount: float | None
    currency: str | None
    content_sha256: str | None
    customers: list[DocCustomer]
    versions: list[VersionOut]
    filing: FilingOut
    text_chars: int
    links: dict[str, str]


class TextOut(Out):
    doc_id: str
    text: list[Fragment]
    chars: int
    truncated: bool


class PassageOut(Out):
    ord: int
    text: str


class PassagesOut(Out):
    doc_id: str
    passages: list[PassageOut]


class HitsOut(Out):
    hits: list[HitOut]


class ViewOut(Out):
    id: str
    name: str
    description: str
    scope: str
    sharing: str
    owner: str | None
    tenant: str | None
    links: dict[str, str]


class ViewsOut(Out):
    views: list[ViewOut]


class ViewResultsOut(Out):
    view: ViewOut
    total: int | None
    hits: list[HitOut]
    messages: list[MessageOut]
    next_cursor: str | None
    links: Links


class NotificationOut(Out):
    id: str
    view_id: str
    view_name: str
    doc_id: str
    title: str
    customer_ids: list[str]
    register_: str | None = Field(None, alias="register")
    doc_date: str | None
    created_at: str | None
    read: bool
    available: bool
    links: dict[str, str]


class NotificationsOut(Out):
    notifications: list[NotificationOut]
    total: int
    unread: int
    links: Links


class ExportJsonOut(Out):
    rows: list[dict[str, Any]]
    truncated: bool


class MarkedOut(Out):
    marked: int


# ------------------------------------------------------------------------------------------------ intake


class DocumentUpload(BaseModel):
    """multipart/form-data: the file and what the sending system knows about it."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, coerce_numbers_to_str=True)
    file: FileStorage = Field(description="the document (PDF, Office, e-mail, image, text …)")
    customer_id: str | None = Field(None, max_length=100, description="hint: the customer (id or number) it belongs to")
    register_: str | None = Field(None, alias="register", max_length=40, description="hint: the register")
    source_system: str | None = Field(None, max_length=100, description="the sending system, e.g. SAP")
    source_doc_id: str | None = Field(None, max_length=200, description="the document's id in the sending system")
    tenant: str | None = Field(None, max_length=100, description="only for keys of several tenants")


class JobPath(Strict):
    job_id: str = Field(max_length=64, pattern=r"^job_[0-9a-f]{1,40}$")


class JobLinks(Out):
    self: str
    document: str | None = None
    cockpit: str | None = None


class JobOut(Out):
    id: str
    state: str = Field(description="queued | running | done | failed")
    outcome: str | None = Field(None, description="indexed | new_version | review | unchanged | duplicate | failed")
    doc_id: str | None = None
    tenant: str
    channel: str
    file_name: str
    sha256: str
    size: int
    reason_code: str | None = None
    message: str | None = Field(None, description="the reason of a failure, in the caller's language")
    created_at: str
    finished_at: str | None = None
    links: JobLinks
