"""Hostile input at the intake: a zip bomb dressed as a DOCX and e-mails nested deeper than the limit are
refused with reasons, and every level is accounted; the run goes on."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage

from indexing.pipeline import MAX_ATTACHMENT_DEPTH, run_ingest
from tests.helpers import HashEmbedder


def zip_bomb_docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr("word/document.xml", " " * (40 * 1024 * 1024))  # 40 MB of spaces: ~40 KB compressed
    return buf.getvalue()


def nested_mail(depth: int) -> bytes:
    """A mail whose attachment is a mail whose attachment is … `depth` levels of forwarded mails."""
    inner = EmailMessage()
    inner["From"], inner["To"], inner["Subject"] = "a@example.com", "b@example.com", "Ebene 0"
    inner.set_content("Die innerste Nachricht: Reklamation der Lieferung LS-1.")
    for level in range(1, depth + 1):
        outer = EmailMessage()
        outer["From"], outer["To"], outer["Subject"] = "a@example.com", "b@example.com", f"Ebene {level}"
        outer.set_content(f"Weitergeleitet, Ebene {level}.")
        outer.add_attachment(inner.as_bytes(), maintype="message", subtype="rfc822", filename=f"ebene-{level - 1}.eml")
        inner = outer
    return inner.as_bytes()


def test_zip_bombs_and_deep_nesting_are_refused_with_reasons(es, index_prefix, tmp_path):
    src = tmp_path / "inbox"
    src.mkdir()
    bomb = zip_bomb_docx()
    assert len(bomb) < 1024 * 1024
    (src / "angebot.docx").write_bytes(bomb)
    (src / "tief.eml").write_bytes(nested_mail(MAX_ATTACHMENT_DEPTH + 3))
    run = run_ingest([src], tenant="nord", es=es, prefix=index_prefix, var_dir=tmp_path / "var", workers=0,
                     embedder=HashEmbedder())  # fmt: skip
    reasons = {f.source_uri: (f.reason_code, f.message) for f in run.failed}
    bomb_reason = reasons.get("nord/angebot.docx")
    assert bomb_reason and bomb_reason[0] == "too_large" and "zip bomb" in bomb_reason[1], reasons
    deep = [r for r in reasons.items() if r[1][0] == "too_deep"]
    assert len(deep) == 1, reasons  # the level below the limit is reported, not expanded
    assert run.adds_up(), run.describe()
    assert run.documents_indexed >= MAX_ATTACHMENT_DEPTH  # the mail and its levels down to the limit
