"""Shared fixtures: the real services, started on demand for the whole session.

- `es_endpoint` / `es`: the project's Elasticsearch (ES_URL if set, else the local node, started here
  if it is not running and stopped at the end if this session started it).
- `index_prefix`: a fresh index prefix per test; its indices are deleted afterwards.
- `redis_url`: Debian's redis-server, started by the project's launcher.

Tests under tests/integration are marked `integration`, under tests/e2e `e2e`. A skipped test of
either kind fails the session: real-service tests must run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import core  # noqa: F401

os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager: use /usr/bin/chromedriver, never download
os.environ.setdefault("SE_AVOID_STATS", "true")
from core import services
from core.settings import get_settings

# as every process of the product (web.cli, web.wsgi): what tests and the services they start write is private
os.umask(0o077)

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


# --------------------------------------------------------------------------- markers and accounting


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).parts
        if "integration" in parts:
            item.add_marker(pytest.mark.integration)
        if "e2e" in parts:
            item.add_marker(pytest.mark.e2e)


_REAL_KINDS = ("integration", "e2e")


def _kind(item_keywords: object) -> str | None:
    for kind in _REAL_KINDS:
        if kind in item_keywords:  # type: ignore[operator]
            return kind
    return None


_counts: dict[str, dict[str, int]] = {k: {"passed": 0, "failed": 0, "skipped": 0} for k in _REAL_KINDS}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    kind = _kind(report.keywords)
    if kind is None:
        return
    if report.when == "call" and report.passed:
        _counts[kind]["passed"] += 1
    elif report.failed:
        _counts[kind]["failed"] += 1
    elif report.skipped:
        _counts[kind]["skipped"] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    tr = terminalreporter
    tr.section("real services")
    for kind in _REAL_KINDS:
        c = _counts[kind]
        tr.write_line(
            f"{kind} tests run: {c['passed'] + c['failed']} (passed {c['passed']}, failed {c['failed']}, skipped {c['skipped']})"
        )
    if any(_counts[k]["skipped"] for k in _REAL_KINDS):
        tr.write_line("FAILED: real-service tests were skipped; they must run", red=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if any(_counts[k]["skipped"] for k in _REAL_KINDS) and exitstatus == 0:
        session.exitstatus = 1


# --------------------------------------------------------------------------- services


@pytest.fixture(scope="session")
def es_endpoint() -> Iterator[services.EsEndpoint]:
    settings = get_settings()
    already = settings.es_url is not None or services.elasticsearch_running(settings)
    ep = services.start_elasticsearch(settings)
    yield ep
    if not already and os.environ.get("COCKPIT_KEEP_SERVICES") != "1":
        services.stop_elasticsearch(settings)


@pytest.fixture(scope="session")
def es(es_endpoint: services.EsEndpoint):  # type: ignore[no-untyped-def]
    """The application's client (role core.es_roles.app_role), as the cockpit, API and workers connect."""
    from core.es import make_client

    client = make_client(services.app_endpoint(get_settings()))
    yield client
    client.close()


@pytest.fixture(scope="session")
def es_admin(es_endpoint: services.EsEndpoint):  # type: ignore[no-untyped-def]
    """The administrator's client: clean-up, and the tests that play an attacker with full rights."""
    from core.es import make_client

    client = make_client(es_endpoint)
    yield client
    client.close()


@pytest.fixture()
def index_prefix(es_admin) -> Iterator[str]:  # type: ignore[no-untyped-def]
    prefix = f"test-{uuid.uuid4().hex[:10]}"
    yield prefix
    es_admin.options(ignore_status=404).indices.delete(index=f"{prefix}-*", expand_wildcards="all")


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    settings = get_settings()
    already = services.redis_url(settings) is not None
    url = services.start_redis(settings)
    if url is None:
        pytest.fail("redis-server is not installed (apt-get install redis-server): Redis tests must run")
    yield url
    if not already and not settings.redis_url and os.environ.get("COCKPIT_KEEP_SERVICES") != "1":
        services.stop_redis(settings)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# --------------------------------------------------------------------------- browser (dash.testing)


def pytest_setup_options():  # type: ignore[no-untyped-def]
    """dash.testing hook: Debian's headless Chromium with the flags this closed network needs."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1366,768",
    ):
        options.add_argument(flag)
    return options


# --------------------------------------------------------------------------- an ingested demo corpus


@pytest.fixture(scope="session")
def demo_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated demo corpus (real files), the same for every test of the session."""
    from demo.generate import generate

    out = tmp_path_factory.mktemp("demo") / "corpus"
    generate(out, customers=20, documents=60, seed=7)
    return out


@pytest.fixture(scope="session")
def demo_index(  # type: ignore[no-untyped-def]
    es, es_admin, demo_corpus: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, object]]:
    """The demo corpus ingested through the real pipeline into its own prefix (read-only for tests).

    Yields {"prefix", "corpus", "var_dir", "runs"}. Tests that write must use `index_prefix` instead.
    """
    from indexing.customers import ingest_customer_file
    from indexing.pipeline import own_identifiers_from, run_ingest

    prefix = f"test-demo-{uuid.uuid4().hex[:8]}"
    var_dir = tmp_path_factory.mktemp("demo-var")
    ingest_customer_file(demo_corpus / "customers.csv", es=es, prefix=prefix)
    runs = [
        run_ingest(
            [demo_corpus / tenant],
            tenant=tenant,
            es=es,
            prefix=prefix,
            var_dir=var_dir,
            workers=1,
            own_identifiers=own_identifiers_from(demo_corpus / "manifest.json", tenant),
        )
        for tenant in ("nord", "sued")
    ]
    yield {"prefix": prefix, "corpus": demo_corpus, "var_dir": var_dir, "runs": runs}
    es_admin.options(ignore_status=404).indices.delete(index=f"{prefix}-*", expand_wildcards="all")
