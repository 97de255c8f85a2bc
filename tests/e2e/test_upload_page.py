"""Upload in the browser with a real queue worker: two files dropped on "Neue Dokumente" — one is refused at once
with its reason, the other goes queued → done, and its row links to the indexed document."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from core.settings import get_settings
from tests.e2e._cockpit import browser_login, customer, goto, index_all, make_app, severe_logs, shot
from tests.worker_proc import WorkerProc, purge_queue


def test_upload_two_files_and_follow_them_to_the_document(dash_duo, es, index_prefix, redis_url, artifacts_dir,
                                                           tmp_path):  # fmt: skip
    index_all(es, index_prefix, [customer("C1", "Müller Bau GmbH", "nord", number="K-10001")], [])
    good = tmp_path / "Reklamation Ventile.txt"
    good.write_text("Müller Bau GmbH, Kundennummer K-10001.\nReklamation: Die Ventile der letzten Lieferung sind "
                    "undicht. Bitte um Ersatz.\n", encoding="utf-8")  # fmt: skip
    empty = tmp_path / "leer.txt"
    empty.write_bytes(b"")
    worker = WorkerProc(index_prefix, tmp_path / "worker.log").start()
    try:
        app = make_app(index_prefix, get_settings().archive_dir, es)
        base = browser_login(dash_duo, app, "jonas.weber")
        goto(dash_duo, base + "/neu", ".intake-page .intake-drop")
        field = dash_duo.driver.find_element(By.CSS_SELECTOR, ".intake-page .intake-drop input[type=file]")
        field.send_keys(f"{good}\n{empty}")
        dash_duo.wait_for_contains_text(".intake-page .intake-table", "leer.txt", timeout=20)
        dash_duo.wait_for_element(".intake-page .intake-row.state-done", timeout=90)
        table = dash_duo.find_element(".intake-page .intake-table").text
        assert "Reklamation Ventile.txt" in table and "indexiert" in table, table
        assert "leer" in table and "0 Byte" in table, table  # refused with its reason, nothing queued for it
        shot(dash_duo, artifacts_dir, "upload-page")
        link = dash_duo.find_element(".intake-page .intake-row.state-done a")
        link.click()
        dash_duo.wait_for_contains_text("body", "Ventile", timeout=20)
        assert "/document/" in dash_duo.driver.current_url
        assert severe_logs(dash_duo) == []
    finally:
        worker.stop()
        purge_queue(index_prefix)
