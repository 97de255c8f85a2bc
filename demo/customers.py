"""CRM master data for the demo world (both tenants)."""

from __future__ import annotations

import csv
import io
import random
import re
import unicodedata
from dataclasses import dataclass, field

from . import data
from .ids import make_iban, random_bic, random_iban, random_vat_id

CSV_COLUMNS = [
    "customer_id",
    "customer_number",
    "name",
    "legal_form",
    "aliases",
    "email_domain",
    "contact_email",
    "phone",
    "iban",
    "vat_id",
    "segment",
    "account_manager",
    "department",
    "tenant",
    "billing_street",
    "billing_zip",
    "billing_city",
    "billing_country",
    "billing_lat",
    "billing_lon",
    "delivery_street",
    "delivery_zip",
    "delivery_city",
    "delivery_country",
    "delivery_lat",
    "delivery_lon",
    "contact_name",
    "language",
]

TENANTS = ("nord", "sued")


@dataclass
class Address:
    street: str
    zip: str
    city: str
    country: str
    lat: float
    lon: float

    def lines(self, lang: str, with_country: bool) -> list[str]:
        if self.country == "GB":
            out = [self.street, self.city, self.zip]
        elif self.country == "PL":
            out = [self.street, f"{self.zip} {self.city}"]
        else:
            out = [self.street, f"{self.zip} {self.city}"]
        if with_country:
            out.append(
                data.COUNTRY_NAME[lang][self.country].upper() if lang == "de" else data.COUNTRY_NAME[lang][self.country]
            )
        return out

    def city_line(self) -> str:
        return f"{self.city} {self.zip}" if self.country == "GB" else f"{self.zip} {self.city}"

    def one_line(self) -> str:
        if self.country == "GB":
            return f"{self.street}, {self.city} {self.zip}"
        return f"{self.street}, {self.zip} {self.city}"


@dataclass
class Customer:
    customer_id: str
    customer_number: str
    name: str
    legal_form: str
    aliases: list[str]
    email_domain: str
    contact_first: str
    contact_last: str
    contact_gender: str
    contact_email: str
    phone: str
    iban: str
    bic: str
    vat_id: str
    segment: str
    account_manager: str
    department: str
    tenant: str
    country: str
    billing: Address
    delivery: Address
    weight: float = 1.0
    extra: dict = field(default_factory=dict)

    @property
    def lang(self) -> str:
        return data.COUNTRY_LANG[self.country]

    @property
    def contact_name(self) -> str:
        return f"{self.contact_first} {self.contact_last}"

    @property
    def short_name(self) -> str:
        return self.aliases[0] if self.aliases else self.name

    def row(self) -> dict:
        return {
            "customer_id": self.customer_id,
            "customer_number": self.customer_number,
            "name": self.name,
            "legal_form": self.legal_form,
            "aliases": "|".join(self.aliases),
            "email_domain": self.email_domain,
            "contact_email": self.contact_email,
            "phone": self.phone,
            "iban": self.iban,
            "vat_id": self.vat_id,
            "segment": self.segment,
            "account_manager": self.account_manager,
            "department": self.department,
            "tenant": self.tenant,
            "billing_street": self.billing.street,
            "billing_zip": self.billing.zip,
            "billing_city": self.billing.city,
            "billing_country": self.billing.country,
            "billing_lat": f"{self.billing.lat:.4f}",
            "billing_lon": f"{self.billing.lon:.4f}",
            "delivery_street": self.delivery.street,
            "delivery_zip": self.delivery.zip,
            "delivery_city": self.delivery.city,
            "delivery_country": self.delivery.country,
            "delivery_lat": f"{self.delivery.lat:.4f}",
            "delivery_lon": f"{self.delivery.lon:.4f}",
            "contact_name": self.contact_name,
            "language": self.lang,
        }


# --------------------------------------------------------------------------- helpers

_TRANSLIT = str.maketrans(
    {
        "ä": "ae",
        "ö": "oe",
        "ü": "ue",
        "ß": "ss",
        "Ä": "Ae",
        "Ö": "Oe",
        "Ü": "Ue",
        "ı": "i",
        "İ": "I",
        "ş": "s",
        "Ş": "S",
        "ğ": "g",
        "Ğ": "G",
        "ç": "c",
        "Ç": "C",
        "ł": "l",
        "Ł": "L",
    }
)


_TRANSLIT_FOREIGN = str.maketrans({"ı": "i", "İ": "I", "ł": "l", "Ł": "L", "ß": "ss"})


def ascii_fold(text: str, german: bool = True) -> str:
    """Transliterate to ASCII (German umlauts as ae/oe/ue when ``german``)."""
    text = text.translate(_TRANSLIT if german else _TRANSLIT_FOREIGN)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def slugify(text: str, german: bool = True) -> str:
    s = ascii_fold(text, german).lower()
    s = s.replace("&", " und ") if german else s.replace("&", " and ")
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    return s


def strip_legal_form(name: str, legal_form: str) -> str:
    if name.endswith(" " + legal_form):
        return name[: -len(legal_form) - 1].strip()
    return name


_TLD = {"DE": "de", "ES": "es", "TR": "com.tr", "PL": "pl", "GB": "co.uk"}


def _aliases(name: str, legal_form: str, country: str) -> list[str]:
    base = strip_legal_form(name, legal_form)
    out = [base]
    if base.startswith("Gebr. "):
        out.append("Gebrüder " + base[6:])
    if " & Söhne" in base:
        out.append(base.replace(" & Söhne", " und Söhne"))
    if " + " in base:
        out.append(base.replace(" + ", " & "))
    folded = ascii_fold(base, german=country == "DE")
    if folded != base:
        out.append(folded)
    return out


# --------------------------------------------------------------------------- generation

# name, legal form, country, tenant, city, segment, explicit aliases
ANCHORS = [
    ("Müller Bau GmbH", "GmbH", "DE", "nord", "Hamburg", "A", ["Müller Bau", "MB Bau", "Mueller Bau"]),
    ("Müller Baustoffe AG", "AG", "DE", "nord", "Hamburg", "B", ["Müller Baustoffe", "MBS", "Mueller Baustoffe"]),
    (
        "Schäfer & Söhne KG",
        "KG",
        "DE",
        "sued",
        "Stuttgart",
        "A",
        ["Schäfer & Söhne", "Schäfer und Söhne", "Schaefer & Soehne"],
    ),
    ("Kowalski Sp. z o.o.", "Sp. z o.o.", "PL", "nord", "Gdańsk", "B", ["Kowalski"]),
    ("Yılmaz Lojistik A.Ş.", "A.Ş.", "TR", "sued", "İstanbul", "B", ["Yılmaz Lojistik", "Yilmaz Lojistik"]),
    (
        "Hernández Instalaciones S.L.",
        "S.L.",
        "ES",
        "sued",
        "Valencia",
        "C",
        ["Hernández Instalaciones", "Hernandez Instalaciones"],
    ),
    ("Brightwater Ltd", "Ltd", "GB", "nord", "Manchester", "B", ["Brightwater"]),
]

#: surnames reserved for the anchor customers (keeps "Firma Müller" ambiguity to exactly two firms)
_ANCHOR_SURNAMES = {"Müller", "Schäfer", "Kowalski", "Yılmaz", "Hernández"}

FOREIGN_SHARE = 0.28
FOREIGN_CYCLE = ["ES", "PL", "TR", "GB"]


def _phone(rng: random.Random, country: str, area: str) -> str:
    local = str(rng.randint(2, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(rng.choice((5, 6, 7))))
    return f"{data.COUNTRY_PHONE[country]} {area} {local}"


def _jitter(rng: random.Random, v: float) -> float:
    return round(v + rng.uniform(-0.03, 0.03), 4)


def _address(rng: random.Random, city: data.City) -> Address:
    street = data.format_street(city.country, rng.choice(data.STREETS[city.country]), rng.randint(1, 140))
    return Address(street, city.zip, city.name, city.country, _jitter(rng, city.lat), _jitter(rng, city.lon))


def _cities(country: str, tenant: str) -> list[data.City]:
    if country == "DE":
        return [c for c in data.CITIES if c.country == "DE" and c.region == tenant]
    return [c for c in data.CITIES if c.country == country]


def _gen_name(rng: random.Random, country: str, city: data.City) -> tuple[str, str]:
    if country == "DE":
        pattern, lf = rng.choice(data.DE_PATTERNS)
        pool = [x for x in data.SURNAMES["DE"] if x not in _ANCHOR_SURNAMES]
        s = rng.choice(pool)
        s2 = rng.choice([x for x in pool if x != s])
        t = rng.choice(data.DE_TRADES)
        return pattern.format(s=s, s2=s2, t=t, c=city.name), lf
    pattern, lf = rng.choice(data.FOREIGN_PATTERNS[country])
    s = rng.choice([x for x in data.SURNAMES[country] if x not in _ANCHOR_SURNAMES])
    w = rng.choice([x for x in data.GB_WORDS if x != "Brightwater"])
    return pattern.format(s=s, w=w), lf


def generate_customers(n: int, rng: random.Random) -> list[Customer]:
    numbers = rng.sample(range(10000, 100000), n)
    specs: list[tuple] = []
    for anchor in ANCHORS[:n]:
        specs.append(anchor)
    n_generated = n - len(specs)
    n_foreign_total = round(n * FOREIGN_SHARE)
    n_foreign = max(0, n_foreign_total - sum(1 for a in specs if a[2] != "DE"))
    n_foreign = min(n_foreign, n_generated)
    gen_countries = [FOREIGN_CYCLE[i % len(FOREIGN_CYCLE)] for i in range(n_foreign)]
    gen_countries += ["DE"] * (n_generated - n_foreign)
    rng.shuffle(gen_countries)

    used_names = {a[0] for a in specs}
    used_domains: set[str] = set()
    used_aliases = {al.lower() for a in specs for al in a[6]}
    tenant_counts = {"nord": sum(1 for a in specs if a[3] == "nord"), "sued": sum(1 for a in specs if a[3] == "sued")}

    for country in gen_countries:
        tenant = "nord" if tenant_counts["nord"] <= tenant_counts["sued"] else "sued"
        tenant_counts[tenant] += 1
        city = rng.choice(_cities(country, tenant))
        for attempt in range(200):
            name, lf = _gen_name(rng, country, city)
            if attempt > 50:
                name = f"{strip_legal_form(name, lf)} {city.name} {lf}"
            aliases = _aliases(name, lf, country)
            if name not in used_names and not any(a.lower() in used_aliases for a in aliases):
                break
        else:  # pragma: no cover - exhausted name space, extremely large n
            name = f"{name} {len(used_names)}"
            aliases = _aliases(name, lf, country)
        used_names.add(name)
        used_aliases.update(a.lower() for a in aliases)
        segment = rng.choices(["A", "B", "C"], weights=[2, 4, 4])[0]
        specs.append((name, lf, country, tenant, city.name, segment, aliases))

    staff = {t: [s[0] for s in data.STAFF[t]] for t in TENANTS}
    customers: list[Customer] = []
    for idx, (name, lf, country, tenant, city_name, segment, aliases) in enumerate(specs):
        city = data.CITY_BY_NAME[city_name]
        num = numbers[idx]
        billing = _address(rng, city)
        if rng.random() < 0.65:
            delivery = Address(billing.street, billing.zip, billing.city, billing.country, billing.lat, billing.lon)
        else:
            dcity = rng.choice(_cities(country, tenant)) if rng.random() < 0.5 else city
            delivery = _address(rng, dcity)
            if dcity.name == city.name and delivery.street == billing.street:
                delivery.street = data.format_street(country, "Werkstraße", rng.randint(1, 60))
        first, gender = rng.choice(data.FIRST_NAMES[country])
        last = rng.choice([s for s in data.SURNAMES[country] if s != "Müller"])
        base = strip_legal_form(name, lf)
        domain = f"{slugify(base, german=country == 'DE')}.{_TLD[country]}"
        if domain in used_domains:
            domain = f"{slugify(base + ' ' + city.name, german=country == 'DE')}.{_TLD[country]}"
        used_domains.add(domain)
        local = rng.choice(["{f}.{l}", "{f}.{l}", "{fi}.{l}", "einkauf" if country == "DE" else "purchasing"])
        contact_email = (
            local.format(
                f=slugify(first, country == "DE"), l=slugify(last, country == "DE"), fi=slugify(first, True)[0]
            )
            + "@"
            + domain
        )
        department = "vertrieb-export" if country != "DE" else f"vertrieb-{tenant}"
        customers.append(
            Customer(
                customer_id=f"C{num}",
                customer_number=f"K-{num}",
                name=name,
                legal_form=lf,
                aliases=list(aliases),
                email_domain=domain,
                contact_first=first,
                contact_last=last,
                contact_gender=gender,
                contact_email=contact_email,
                phone=_phone(rng, country, city.area),
                iban=random_iban(rng, country),
                bic=random_bic(rng, country),
                vat_id=random_vat_id(rng, country),
                segment=segment,
                account_manager=rng.choice(staff[tenant]),
                department=department,
                tenant=tenant,
                country=country,
                billing=billing,
                delivery=delivery,
                weight={"A": 3.0, "B": 1.6, "C": 1.0}[segment] * rng.uniform(0.6, 1.4),
            )
        )
    # every account manager gets customers; round-robin the first ones per tenant
    for tenant in TENANTS:
        own = [c for c in customers if c.tenant == tenant]
        for i, c in enumerate(own[: len(staff[tenant])]):
            c.account_manager = staff[tenant][i]
    return customers


def own_company(tenant: str) -> dict:
    oc = dict(data.OWN_COMPANIES[tenant])
    seed = oc.pop("vat_seed")
    from .ids import _mod_11_10_check  # local import: private helper

    oc["vat_id"] = "DE" + seed + _mod_11_10_check(seed)
    oc["iban"] = make_iban("DE", oc.pop("bank_code") + oc.pop("account"))
    oc["short"] = oc["name"].replace(" GmbH", "")
    return oc


def customers_csv(customers: list[Customer]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    for c in customers:
        writer.writerow(c.row())
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
