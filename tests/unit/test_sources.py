"""indexing.sources: deterministic enumeration of folders, files and mbox messages (no heavy imports)."""

from __future__ import annotations

import email
import mailbox
from email.message import EmailMessage

import pytest

from indexing.sources import iter_mbox, iter_source_files


def _msg(n: int, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"sender{n}@example.com"
    msg["To"] = "team@example.com"
    msg["Subject"] = f"Nachricht {n}"
    msg.set_content(body)
    return msg


def make_mbox(path, bodies: list[str]) -> None:
    box = mailbox.mbox(str(path))
    for n, body in enumerate(bodies):
        box.add(_msg(n, body))
    box.flush()
    box.close()


def test_folder_walk_is_sorted_relative_and_skips_hidden(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "z").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("x")
    (tmp_path / "b" / "2.txt").write_text("zwei")
    (tmp_path / "a" / "z" / "1.pdf").write_bytes(b"%PDF")
    (tmp_path / "a" / ".hidden.txt").write_text("x")
    (tmp_path / "manifest.json").write_text("{}")
    (tmp_path / "C.txt").write_text("gross")
    items = list(iter_source_files([tmp_path]))
    assert [i.rel_key for i in items] == ["C.txt", "a/z/1.pdf", "b/2.txt", "manifest.json"]
    assert items[1].size == 4 and items[1].read_bytes() == b"%PDF"
    assert items[1].file_name == "1.pdf" and not items[1].is_mbox_message
    assert list(iter_source_files([tmp_path])) == items  # deterministic


def test_single_file_and_missing_path(tmp_path):
    f = tmp_path / "x.txt"
    f.write_text("hallo")
    [item] = list(iter_source_files([f]))
    assert item.rel_key == "x.txt" and item.size == 5
    with pytest.raises(FileNotFoundError):
        list(iter_source_files([tmp_path / "nope"]))


def test_mbox_expanded_into_messages(tmp_path):
    bodies = ["Erste Nachricht.", "From here on the second one has a From line.\nZeile 2", "Dritte."]
    (tmp_path / "mail").mkdir()
    box_path = tmp_path / "mail" / "archiv.mbox"
    make_mbox(box_path, bodies)
    items = list(iter_source_files([tmp_path]))
    assert [i.rel_key for i in items] == ["mail/archiv.mbox#0", "mail/archiv.mbox#1", "mail/archiv.mbox#2"]
    for n, item in enumerate(items):
        raw = item.read_bytes()
        assert not raw.startswith(b"From ")
        parsed = email.message_from_bytes(raw)
        assert parsed["Subject"] == f"Nachricht {n}"
        assert bodies[n].splitlines()[0] in parsed.get_payload()  # ">From " unescaped again
        assert item.is_mbox_message and item.file_name == f"archiv#{n}.eml"
        assert abs(item.size - len(raw)) <= 2
    # the stdlib agrees on the number of messages
    assert len(mailbox.mbox(str(box_path))) == 3


def test_mbox_edge_cases(tmp_path):
    empty = tmp_path / "leer.mbox"
    empty.write_bytes(b"")
    assert list(iter_mbox(empty)) == []
    lone = tmp_path / "einzeln.mbox"
    lone.write_bytes(b"From: a@example.com\nSubject: lose Mail\n\nText\n")
    [item] = list(iter_mbox(lone))
    assert item.rel_key == "einzeln.mbox#0" and item.read_bytes().startswith(b"From: a@example.com")
