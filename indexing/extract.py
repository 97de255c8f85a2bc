"""Extract stage of the ingest pipeline: bytes (or a path) in, structured text out. No Elasticsearch.

    result = extract(path_or_bytes, file_name="Rechnung.pdf", limits=Limits())
    if isinstance(result, ExtractFailure): ...  # result.reason_code in REASON_CODES
    else: result.text, result.elements, result.email, result.attachments, ...

`extract()` never raises for bad input: every problem becomes an `ExtractFailure` with one of
`REASON_CODES` and a short English message (exception class and message, never a traceback).

How a file is read:

* The type comes from the CONTENT (libmagic + unstructured's zip/OLE sniffing), not from the name. When
  the name's extension says something else (an HTML page named .pdf), the content wins and a
  ``mislabelled: ...`` warning is added. Random bytes named .docx/.pdf are ``corrupt``; an unknown
  binary is ``unsupported_type``.
* PDF: unstructured ``fast`` (pdfminer). Pages with less than ``Limits.min_chars_per_page`` characters
  are OCRed (``ocr_only``, tesseract in the document's language, see `_ocr_in_language`): the whole
  document when no page has a text layer, otherwise page by page. Never ``hi_res``/``auto`` (they need
  a model from a hub).
* Images (PNG/JPEG/TIFF incl. multi-page/BMP/WEBP/HEIC): ``ocr_only``. Blank images are ``no_text``
  without running tesseract.
* DOCX/XLSX/PPTX/HTML/XML/TXT/CSV/TSV: the unstructured partitioner; legacy DOC/PPT only when
  LibreOffice (``soffice``) is installed; XLS via pandas/xlrd.
* E-mail (EML, mbox messages, MSG): headers -> `EmailMeta`; the body (plain text preferred, else HTML)
  is partitioned; attachments are returned as raw bytes in `Extracted.attachments` and NOT partitioned
  here: the caller runs `extract()` on each (they become documents of their own, linked to the mail).
  EML is parsed with the stdlib (broken charsets are decoded with replacement characters); MSG with
  extract-msg.

Limits: `Limits.max_bytes` before anything is parsed, `Limits.max_pages` after cheap page counting
(PDF pages via pypdf, PPTX slides, TIFF frames). `Limits.timeout_s` is enforced with SIGALRM when
`extract()` runs in the main thread (ingest workers are processes); elsewhere it is not enforced.

Unstructured is imported lazily (first call ~4-8 s); call `warm_up()` once in a long-running worker.
"""

from __future__ import annotations

import codecs
import contextlib
import email
import email.header
import email.message
import email.policy
import email.utils
import io
import logging
import mimetypes
import os
import re
import shutil
import signal
import threading
import time
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path, PurePath
from typing import Any, NamedTuple, cast

import core  # noqa: F401  (sets HF_HUB_OFFLINE, DO_NOT_TRACK, UNSTRUCTURED_DISABLE_NOTICE before unstructured loads)

log = logging.getLogger(__name__)

# unstructured renders PDF pages for OCR at 350 dpi by default; 300 dpi read the same words ~27 % faster on
# a dense A4 test page (12.8 s vs 17.6 s on 2 cores); below 300 it re-OCRs zoomed pages and misses words.
os.environ.setdefault("PDF_RENDER_DPI", "300")

# tesseract parallelises one page over OpenMP threads; their spin-waiting costs far more CPU than it saves
# (one demo scan: 4.3 s CPU with the default threads, 0.65 s with one, same text). The pipeline already runs
# extraction in parallel worker processes next to the embedder, so each tesseract gets one thread.
# OMP_NUM_THREADS does not reach it: tesseract reads OMP_THREAD_LIMIT.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

# unstructured's stock tesseract agent recognises each page twice (hOCR, then plain text); ours writes both
# from one tesseract run (see indexing/ocr_agent.py). OCR_AGENT set in the environment wins.
_OCR_AGENT = "indexing.ocr_agent.OneRunTesseractAgent"


def _use_one_run_ocr() -> None:
    os.environ.setdefault("OCR_AGENT", _OCR_AGENT)
    from unstructured.partition.utils import constants

    module = _OCR_AGENT.rsplit(".", 1)[0]
    if module not in constants.OCR_AGENT_MODULES_WHITELIST:  # the list object unstructured checks against
        constants.OCR_AGENT_MODULES_WHITELIST.append(module)


OCR_LANGUAGES: tuple[str, ...] = ("deu", "eng", "spa", "tur", "pol")  # the first: most documents' language
_TESSERACT_LANGUAGE = {"de": "deu", "en": "eng", "es": "spa", "tr": "tur", "pl": "pol"}  # nlp.language codes

REASON_CODES = (
    "empty_file",  # zero bytes
    "too_large",  # over Limits.max_bytes (or an image over the decoder's pixel budget)
    "too_many_pages",  # over Limits.max_pages
    "encrypted",  # password-protected PDF / Office file
    "corrupt",  # the content is damaged or not what its name says and unreadable as anything else
    "unsupported_type",  # a type we do not extract (archives, audio, unknown binaries, ...)
    "no_text",  # parsed fine, but no text at all (blank scan, empty document)
    "timeout",  # over Limits.timeout_s
    "error",  # anything unexpected: "<ExceptionClass>: <message>"
)


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 1024 * 1024
    max_pages: int = 200
    ocr: bool = True  # False: never run tesseract (scans become no_text)
    ocr_languages: tuple[str, ...] = OCR_LANGUAGES
    min_chars_per_page: int = 20  # a PDF page with fewer extracted characters is OCRed
    max_ocr_pages: int = 200  # OCR at most this many pages of one document (the rest: warning)
    timeout_s: float | None = 600.0  # main thread only (SIGALRM); None: no limit


class Element(NamedTuple):
    text: str
    category: str  # unstructured category: Title, NarrativeText, ListItem, Table, Header, ... or UNCLASSIFIED
    page_number: int | None
    raw_text: str = ""  # for UNCLASSIFIED: the text as unstructured had it (its title check runs on that)


# Plain-text, PDF (fast and OCR) and XML elements: unstructured decides Title / NarrativeText / Text with
# English heuristics that run the spaCy pipeline on EVERY element (sentence count, POS tags; ~40 % of the
# CPU of a text PDF). The only thing we use of it is the title (`_title`, first plausible Title), so the
# heuristics are skipped while partitioning and run, with unstructured's own functions on the same text,
# only on the title candidates until the first Title. Such elements carry this category.
UNCLASSIFIED = "Unclassified"


@dataclass
class EmailMeta:
    subject: str
    from_addr: str  # addr-spec, lower case ("" if missing)
    to_addrs: list[str]
    cc: list[str]
    date: str | None  # ISO 8601 with offset
    message_id: str | None  # without <>
    in_reply_to: str | None  # without <>
    references: list[str]  # without <>
    is_forward: bool
    from_name: str = ""


@dataclass
class Attachment:
    file_name: str
    content: bytes
    mime_type: str  # as declared by the message; extract() re-detects from the content
    is_inline: bool = False  # Content-Disposition inline / Content-ID (logos in signatures, mostly)


@dataclass
class Extracted:
    title: str
    text: str  # element texts joined by blank lines
    elements: list[Element]
    pages: int | None
    mime_type: str  # detected from the content
    file_type: str  # unstructured FileType name in lower case: "pdf", "docx", "eml", "png", ...
    ocr_used: bool = False
    warnings: list[str] = field(default_factory=list)
    email: EmailMeta | None = None
    attachments: list[Attachment] = field(default_factory=list)
    ok: bool = field(default=True, init=False)


@dataclass
class ExtractFailure:
    reason_code: str  # one of REASON_CODES
    message: str
    mime_type: str | None = None
    ok: bool = field(default=False, init=False)


class _Fail(Exception):  # noqa: N818  (internal control flow: becomes an ExtractFailure)
    def __init__(self, reason_code: str, message: str):
        super().__init__(message)
        self.reason_code = reason_code
        self.message = message


class _Timeout(BaseException):  # noqa: N818  (BaseException: libraries' `except Exception` must not eat it)
    pass


# --------------------------------------------------------------------------------------------------- API


def extract(source: bytes | Path | str, *, file_name: str, limits: Limits | None = None) -> Extracted | ExtractFailure:
    """Extract text and structure from one file. Never raises for bad input (see module docstring)."""
    limits = limits or Limits()
    ctx: _Ctx | None = None
    try:
        data = _read_source(source, limits)
        if not data:
            return ExtractFailure("empty_file", "file is empty (0 bytes)")
        ctx = _Ctx(data=data, file_name=file_name or "unnamed", limits=limits)
        with _deadline(limits.timeout_s), _deferred_text_heuristics():
            _detect(ctx)
            return _run(ctx)
    except _Fail as exc:
        return ExtractFailure(exc.reason_code, exc.message, ctx.mime_type if ctx else None)
    except _Timeout:
        return ExtractFailure(
            "timeout", f"extraction took longer than {limits.timeout_s:g} s", ctx.mime_type if ctx else None
        )
    except MemoryError:
        return ExtractFailure("too_large", "out of memory while extracting", ctx.mime_type if ctx else None)
    except Exception as exc:  # noqa: BLE001  (the contract: never raise for bad input)
        log.debug("extract(%s) failed", file_name, exc_info=True)
        return ExtractFailure("error", _describe(exc), ctx.mime_type if ctx else None)


_WARM = False
# a one-page PDF with one line of text (hand-written; offsets in the xref are not checked by the readers we use)
_WARM_UP_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 100]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 56>>stream\nBT /F1 12 Tf 10 50 Td (Warm-up page for the extractor) Tj ET\nendstream endobj\n"
    b"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def warm_up() -> float:
    """Import the partitioners and load the spaCy model once; returns the seconds it took."""
    global _WARM
    t0 = time.perf_counter()
    if not _WARM:
        import docx  # noqa: F401
        import pdfminer.high_level  # noqa: F401
        import pikepdf  # noqa: F401
        import pptx  # noqa: F401
        import pypdf  # noqa: F401
        import unstructured.partition.csv
        import unstructured.partition.docx
        import unstructured.partition.image
        import unstructured.partition.pdf
        import unstructured.partition.pptx
        import unstructured.partition.text
        import unstructured.partition.xlsx  # noqa: F401

        with contextlib.suppress(ImportError):  # see _html_elements
            import unstructured.partition.html  # noqa: F401
        # run the small paths once: loads the spaCy pipeline, libmagic and the element classifiers
        extract(_WARM_UP_PDF, file_name="warm-up.pdf", limits=Limits(ocr=False, timeout_s=None))
        extract(b"Warm-up sentence for the text partitioner.", file_name="warm-up.txt", limits=Limits(timeout_s=None))
        _WARM = True
    return time.perf_counter() - t0


# ------------------------------------------------------------------------------------------ plumbing


@dataclass
class _Ctx:
    data: bytes
    file_name: str
    limits: Limits
    file_type: Any = None  # unstructured FileType
    mime_type: str = "application/octet-stream"
    warnings: list[str] = field(default_factory=list)

    @property
    def stem(self) -> str:
        return PurePath(self.file_name.replace("\\", "/")).stem or self.file_name

    @property
    def extension(self) -> str:
        return PurePath(self.file_name.replace("\\", "/")).suffix.lower()


def _read_source(source: bytes | Path | str, limits: Limits) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if len(data) > limits.max_bytes:
            raise _Fail("too_large", f"{len(data)} bytes > limit {limits.max_bytes}")
        return data
    path = Path(source)
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise _Fail("too_large", f"{size} bytes > limit {limits.max_bytes}")
        return path.read_bytes()
    except OSError as exc:
        raise _Fail("error", f"cannot read file: {_describe(exc)}") from exc


def _describe(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    msg = msg[:300]
    return f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__


@contextlib.contextmanager
def _deadline(seconds: float | None) -> Iterator[None]:
    if not seconds or seconds <= 0 or not hasattr(signal, "SIGALRM"):
        yield
        return
    if threading.current_thread() is not threading.main_thread():
        yield  # signals only reach the main thread: not enforced here
        return
    limit = float(seconds)

    def _on_alarm(signum: int, frame: Any) -> None:
        raise _Timeout()

    previous = signal.signal(signal.SIGALRM, _on_alarm)
    prev_left, prev_interval = signal.setitimer(signal.ITIMER_REAL, limit)
    if 0 < prev_left < limit:  # an outer alarm (e.g. pytest-timeout) is due first: keep its time
        signal.setitimer(signal.ITIMER_REAL, prev_left)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if prev_left > 0:  # re-arm the outer alarm with what is left of it (at least a moment)
            left = max(prev_left - (time.monotonic() - started), 0.001)
            signal.setitimer(signal.ITIMER_REAL, left, prev_interval)


# ------------------------------------------------------------------------------------------ detection

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_TEXTUAL = {"TXT", "CSV", "TSV", "MD", "RST", "ORG", "JSON", "NDJSON", "XML", "HTML", "EML"}
_TEXT_LIKE = {"TXT", "CSV", "TSV", "MD", "RST", "ORG", "JSON", "NDJSON"}  # interchangeable as plain text
_IMAGES = {"PNG", "JPG", "TIFF", "BMP", "WEBP", "HEIC"}
_EXT_ALIASES = {".jpeg": "JPG", ".jpg": "JPG", ".tif": "TIFF", ".tiff": "TIFF", ".htm": "HTML", ".mbox": "EML"}
_COMPATIBLE = [{"HTML", "XML"}, {"EML", "TXT"}]


def _detect(ctx: _Ctx) -> None:
    """Set ctx.file_type / ctx.mime_type from the content; warn when the name says otherwise."""
    from unstructured.file_utils.filetype import detect_filetype
    from unstructured.file_utils.model import FileType

    data = ctx.data
    if data[:8] == _OLE_MAGIC:
        _check_ole_encryption(ctx)

    ext_type = _ext_type(ctx.extension)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # EncodingDetectionWarning for non-UTF-8 text; we decode ourselves
            ft = detect_filetype(file=io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001  (undecodable text heads etc.)
        log.debug("detect_filetype failed: %s", exc)
        ft = FileType.UNK
    magic_mime = _magic_mime(data)

    # textual content: the content only tells "text"; a textual extension may refine it (.md, .csv, .eml)
    if ft.name in _TEXT_LIKE and ext_type is not None and ext_type.name in _TEXTUAL:
        ft = ext_type
    if ft.name in _TEXTUAL and ft.name != "EML" and _looks_like_email(data):  # an HTML-only mail sniffs as HTML
        ft = FileType.EML

    ctx.file_type = ft
    if ft.name in ("UNK", "EMPTY", "ZIP"):
        ctx.mime_type = magic_mime or "application/octet-stream"
    else:
        ctx.mime_type = ft.mime_type

    claimed = ext_type.name if ext_type is not None else "UNK"
    if claimed not in ("UNK", "EMPTY") and ft.name not in ("UNK", "ZIP", "EMPTY") and not _compatible(ft.name, claimed):
        ctx.warnings.append(
            f"mislabelled: name says {ctx.extension} ({claimed}), content is {ft.name} ({ctx.mime_type});"
            f" parsed as {ft.name}"
        )


def _ext_type(ext: str) -> Any:
    from unstructured.file_utils.model import FileType

    if not ext:
        return None
    if ext in _EXT_ALIASES:
        return FileType[_EXT_ALIASES[ext]]
    return FileType.from_extension(ext)


def _compatible(a: str, b: str) -> bool:
    if a == b or (a in _TEXT_LIKE and b in _TEXT_LIKE):
        return True
    return any(a in group and b in group for group in _COMPATIBLE)


def _magic_mime(data: bytes) -> str | None:
    try:
        import magic

        return str(magic.from_buffer(data[:65536], mime=True)).lower() or None
    except Exception:  # noqa: BLE001  (libmagic missing: fall back to the `filetype` package)
        try:
            import filetype

            return filetype.guess_mime(data[:8192])
        except Exception:  # noqa: BLE001
            return None


_EMAIL_HEADER = re.compile(
    rb"^(from|to|subject|date|message-id|received|return-path|mime-version|delivered-to|x-[\w-]+|cc|reply-to)"
    rb"[ \t]*:",
    re.IGNORECASE,
)


def _looks_like_email(data: bytes) -> bool:
    head = data[:8192].replace(b"\r\n", b"\n")
    header_block = head.split(b"\n\n", 1)[0]
    lines = [ln for ln in header_block.split(b"\n") if ln and not ln[:1].isspace()]
    if len(lines) < 2:
        return False
    known = sum(1 for ln in lines if _EMAIL_HEADER.match(ln))
    names = {ln.split(b":", 1)[0].strip().lower() for ln in lines if b":" in ln}
    return known >= 2 and known >= len(lines) * 0.6 and bool(names & {b"from", b"subject", b"message-id", b"received"})


def _check_ole_encryption(ctx: _Ctx) -> None:
    """Encrypted OOXML is an OLE container with an EncryptedPackage stream; legacy formats flag it inside."""
    try:
        import olefile

        with olefile.OleFileIO(io.BytesIO(ctx.data)) as ole:
            streams = {"/".join(s) for s in ole.listdir()}
    except Exception as exc:  # noqa: BLE001
        raise _Fail("corrupt", f"damaged OLE/Compound File container: {_describe(exc)}") from exc
    if "EncryptedPackage" in streams or "EncryptionInfo" in streams:
        ctx.mime_type = _magic_mime(ctx.data) or "application/x-ole-storage"
        raise _Fail("encrypted", "password-protected Office document (encrypted OLE package)")
    if streams & {"WordDocument", "Workbook", "PowerPoint Document", "Book"}:
        try:
            import msoffcrypto

            if msoffcrypto.OfficeFile(io.BytesIO(ctx.data)).is_encrypted():
                raise _Fail("encrypted", "password-protected legacy Office document")
        except _Fail:
            raise
        except Exception:  # noqa: BLE001,S110  (msoffcrypto missing or unsure: let the parser decide)
            pass


# ------------------------------------------------------------------------------------------- dispatch


def _run(ctx: _Ctx) -> Extracted:
    name = ctx.file_type.name
    handler: Callable[[_Ctx], Extracted] | None = {
        "PDF": _extract_pdf,
        "DOCX": _extract_docx,
        "XLSX": _extract_xlsx,
        "XLS": _extract_xlsx,
        "PPTX": _extract_pptx,
        "DOC": _extract_legacy_office,
        "PPT": _extract_legacy_office,
        "HTML": _extract_html,
        "XML": _extract_xml,
        "CSV": _extract_csv,
        "TSV": _extract_csv,
        "TXT": _extract_text,
        "MD": _extract_text,
        "RST": _extract_text,
        "ORG": _extract_text,
        "JSON": _extract_text,
        "NDJSON": _extract_text,
        "EML": _extract_eml,
        "MSG": _extract_msg,
    }.get(name)
    if handler is None and name in _IMAGES:
        handler = _extract_image
    if handler is None:
        ext_type = _ext_type(ctx.extension)
        claimed = ext_type.name if ext_type is not None else None
        if name in ("UNK", "EMPTY") and claimed and claimed not in ("UNK", "ZIP") and claimed not in _TEXTUAL:
            raise _Fail("corrupt", f"not a valid {claimed} file (content unrecognised: {ctx.mime_type})")
        if name == "ZIP" and claimed in ("DOCX", "XLSX", "PPTX", "ODT", "EPUB"):
            raise _Fail("corrupt", f"not a valid {claimed} file (a zip archive without the {claimed} parts)")
        what = name if name not in ("UNK", "EMPTY") else "unknown"
        raise _Fail("unsupported_type", f"unsupported file type: {what} ({ctx.mime_type})")
    try:
        return handler(ctx)
    except (_Fail, _Timeout):
        raise
    except Exception as exc:  # noqa: BLE001
        code = _classify_exception(exc)
        if code == "error" and name in _BINARY_DOCS and not _is_environment_error(exc):
            # the parsers of binary formats fail in many ways on damaged input (AttributeError, KeyError, ...)
            raise _Fail("corrupt", f"unreadable {name}: {_describe(exc)}") from exc
        raise _Fail(code, _describe(exc)) from exc


_BINARY_DOCS = {"PDF", "DOCX", "XLSX", "XLS", "PPTX", "DOC", "PPT", "MSG"} | _IMAGES


def _is_environment_error(exc: BaseException) -> bool:
    """A missing module or program (tesseract, poppler, soffice) is our problem, not the file's."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(
        names & {"ImportError", "TesseractNotFoundError", "PDFInfoNotInstalledError", "FileNotFoundError"}
        or "not installed" in str(exc).lower()
        or "not in your path" in str(exc).lower()
    )


_CORRUPT_EXC_NAMES = {
    "BadZipFile",
    "BadZipfile",
    "XMLSyntaxError",
    "PackageNotFoundError",
    "PdfReadError",
    "PdfStreamError",
    "PDFSyntaxError",
    "PSEOF",
    "PSSyntaxError",
    "UnidentifiedImageError",
    "PDFPageCountError",
    "EmptyDataError",
    "ParserError",
    "XLRDError",
    "InvalidFileException",
    "UnprocessableEntityError",
    "EOFError",
    "DecompressedSizeExceededError",
}


def _classify_exception(exc: BaseException) -> str:
    names = {cls.__name__ for cls in type(exc).__mro__}
    text = str(exc).lower()
    if names & {"PDFPasswordIncorrect", "PDFEncryptionError", "FileNotDecryptedError", "PasswordError"}:
        return "encrypted"
    if "password" in text or "encrypted" in text:
        return "encrypted"
    if names & {"DecompressionBombError"} or "max_pixels" in text or "exceeds the limit" in text:
        return "too_large"
    if names & {"PageCountExceededError"}:
        return "too_many_pages"
    if names & _CORRUPT_EXC_NAMES:
        return "corrupt"
    if "truncated" in text or "cannot identify image" in text:
        return "corrupt"
    return "error"


# --------------------------------------------------------------------------------------- text helpers

_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\u200b-\u200d\u2060\ufeff\ufffe]")
_WS = re.compile(r"\s+")
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})
_SKIP_CATEGORIES = {"PageBreak", "Image", "Formula"}


def clean_text(text: str) -> str:
    """Collapse whitespace runs, drop control/zero-width characters, undo typographic ligatures."""
    text = _CTRL.sub("", str(text)).translate(_LIGATURES)
    return _WS.sub(" ", text).strip()


def _to_elements(raw: list[Any], page_offset: int = 0, *, deferred: bool = False) -> list[Element]:
    """unstructured elements -> ours. `deferred`: partitioned under `_deferred_text_heuristics()`, so its
    plain `Text` elements (category UncategorizedText) were not classified and become UNCLASSIFIED."""
    out: list[Element] = []
    for el in raw:
        category = getattr(el, "category", None) or type(el).__name__
        if category in _SKIP_CATEGORIES:
            continue
        raw_text = getattr(el, "text", "") or ""
        text = clean_text(raw_text)
        if not text:
            continue
        page = getattr(getattr(el, "metadata", None), "page_number", None)
        page = (page + page_offset) if isinstance(page, int) else None
        if deferred and category == "UncategorizedText":
            out.append(Element(text, UNCLASSIFIED, page, str(raw_text)))
        else:
            out.append(Element(text, str(category), page))
    return out


_HEURISTICS_LOCK = threading.Lock()
_HEURISTICS_OFF = 0


def _unclassified(text: str, **_: Any) -> bool:
    return False


@contextlib.contextmanager
def _deferred_text_heuristics() -> Iterator[None]:
    """While active, unstructured's `element_from_text` (plain text, PDF, XML) leaves out its English
    narrative/title heuristics: such elements become `Text` marked as unclassified (see UNCLASSIFIED).

    Patches the two names in `unstructured.partition.text` (where `element_from_text` looks them up),
    reference-counted so that concurrent extractions in threads restore them only at the end.
    """
    global _HEURISTICS_OFF
    import unstructured.partition.text as text_module

    with _HEURISTICS_LOCK:
        if _HEURISTICS_OFF == 0:
            text_module.is_possible_narrative_text = _unclassified  # type: ignore[assignment]
            text_module.is_possible_title = _unclassified  # type: ignore[assignment]
        _HEURISTICS_OFF += 1
    try:
        yield
    finally:
        with _HEURISTICS_LOCK:
            _HEURISTICS_OFF -= 1
            if _HEURISTICS_OFF == 0:
                from unstructured.partition import text_type

                text_module.is_possible_narrative_text = text_type.is_possible_narrative_text
                text_module.is_possible_title = text_type.is_possible_title


_PAGE_MARKER = re.compile(
    r"^\W*(seite|page|pag|pagina|página|strona|str|sayfa|blatt|folie|slide)\.?\s*\d+"
    r"(\s*(von|of|de|z|/|-)\s*\d+)?\W*$",
    re.IGNORECASE,
)


def _title(elements: list[Element], fallback: str) -> str:
    """First plausible Title element (>= 4 letters, not a page marker, not a long sentence), else fallback.

    UNCLASSIFIED elements are classified here, lazily, as unstructured's `element_from_text` would have."""
    for el in elements:
        if el.category not in ("Title", UNCLASSIFIED) or len(el.text) > 200:
            continue
        plausible = sum(c.isalpha() for c in el.text) >= 4 and not _PAGE_MARKER.match(el.text)
        if plausible and (el.category == "Title" or _is_title(el.raw_text or el.text)):
            return el.text
    return fallback[:200]


def _is_title(text: str) -> bool:
    """unstructured's decision for a text that reached its narrative/title checks: Title?"""
    from unstructured.partition.text_type import is_possible_narrative_text, is_possible_title

    return not is_possible_narrative_text(text) and is_possible_title(text)


def _finish(
    ctx: _Ctx,
    elements: list[Element],
    *,
    pages: int | None = None,
    ocr_used: bool = False,
    title: str | None = None,
    email_meta: EmailMeta | None = None,
    attachments: list[Attachment] | None = None,
    allow_empty: bool = False,
) -> Extracted:
    if not elements and not allow_empty:
        raise _Fail("no_text", f"no text found in {ctx.file_type.name} file")
    if pages is None:
        numbered = [el.page_number for el in elements if el.page_number is not None]
        pages = max(numbered) if numbered else None
    return Extracted(
        title=title or _title(elements, ctx.stem),
        text="\n\n".join(el.text for el in elements),
        elements=elements,
        pages=pages,
        mime_type=ctx.mime_type,
        file_type=ctx.file_type.name.lower(),
        ocr_used=ocr_used,
        warnings=ctx.warnings,
        email=email_meta,
        attachments=attachments or [],
    )


_LATIN_CODECS = {
    codecs.lookup(n).name
    for n in (
        "cp1250",
        "cp1252",
        "cp1254",
        "cp1257",
        "latin-1",
        "iso8859-2",
        "iso8859-9",
        "iso8859-15",
        "iso8859-13",
        "mac-roman",
        "mac-latin2",
        "cp850",
        "cp852",
        "cp857",
    )
}


def _decode_text(data: bytes, declared: str | None = None) -> tuple[str, str | None]:
    """Decode bytes robustly. Returns (text, warning or None). Never raises."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(enc, errors="replace"), None
    candidates: list[str] = []
    warning = None
    if declared:
        try:
            candidates.append(codecs.lookup(declared.strip().strip('"').lower()).name)
        except LookupError:
            warning = f"unknown charset {declared!r}"
    candidates.append("utf-8")
    for enc in dict.fromkeys(candidates):
        try:
            return data.decode(enc), warning
        except (UnicodeDecodeError, LookupError):
            continue
    guess = None
    try:  # only Latin-script code pages: on short texts the detector likes to answer Big5 or Shift-JIS
        from charset_normalizer import from_bytes

        for match in from_bytes(data[:200_000]):
            if codecs.lookup(match.encoding).name in _LATIN_CODECS:
                guess = match.encoding
                break
    except Exception:  # noqa: BLE001,S110
        pass
    enc = guess or "cp1252"
    fixed = f"decoded as {enc}" + (" with replacement characters" if not guess else "")
    note = f"{warning}; {fixed}" if warning else (f"charset {declared!r} did not fit; {fixed}" if declared else None)
    try:
        return data.decode(enc, errors="replace"), note
    except LookupError:
        return data.decode("cp1252", errors="replace"), note


# -------------------------------------------------------------------------------------------- formats


def _extract_pdf(ctx: _Ctx) -> Extracted:
    from unstructured.partition.pdf import partition_pdf

    data, pages, reader = _open_pdf(ctx)
    if pages > ctx.limits.max_pages:
        raise _Fail("too_many_pages", f"{pages} pages > limit {ctx.limits.max_pages}")
    langs = list(ctx.limits.ocr_languages)
    raw = partition_pdf(file=io.BytesIO(data), strategy="fast", languages=langs)
    elements = _to_elements(raw, deferred=True)

    chars = dict.fromkeys(range(1, pages + 1), 0)
    for el in elements:
        if el.page_number in chars:
            chars[el.page_number] += len(el.text)
    thin = [p for p, n in chars.items() if n < ctx.limits.min_chars_per_page]
    ocr_used = False
    if thin and ctx.limits.ocr:
        _use_one_run_ocr()
        todo = thin[: ctx.limits.max_ocr_pages]
        if len(todo) < len(thin):
            ctx.warnings.append(f"OCR limited to {len(todo)} of {len(thin)} pages without text layer")
        try:
            if len(todo) == pages:
                ocr_elements = _ocr_in_language(ctx, partition_pdf, data)
            else:
                ocr_elements = []
                for page in todo:
                    one = _single_page_pdf(reader, page)
                    ocr_elements.extend(_ocr_in_language(ctx, partition_pdf, one, starting_page_number=page))
            replaced = set(todo)
            if ocr_elements:
                ocr_used = True
                # the OCR text of a page replaces the few characters fast found on it
                by_page: dict[int | None, list[Element]] = {}
                for el in [e for e in elements if e.page_number not in replaced] + ocr_elements:
                    by_page.setdefault(el.page_number, []).append(el)
                elements = [el for p in sorted(by_page, key=lambda x: (x is None, x or 0)) for el in by_page[p]]
        except _Timeout:
            raise
        except Exception as exc:  # noqa: BLE001  (tesseract/poppler missing or choking: keep the text layer)
            if not elements and _is_environment_error(exc):
                raise _Fail("error", f"OCR unavailable: {_describe(exc)}") from exc
            ctx.warnings.append(f"OCR failed: {_describe(exc)}")
    elif thin and not elements:
        ctx.warnings.append("PDF has no text layer and OCR is disabled")
    if not elements and _pdf_damaged(ctx, data):
        raise _Fail("corrupt", "damaged PDF (truncated or repaired) without readable text")
    if not elements:
        tried = "OCR tried" if ctx.limits.ocr else "no OCR"
        raise _Fail("no_text", f"no text found in the PDF ({pages} page(s), {tried})")
    return _finish(ctx, elements, pages=pages, ocr_used=ocr_used)


def _open_pdf(ctx: _Ctx) -> tuple[bytes, int, Any]:
    """Open with pypdf (lenient); on failure let qpdf (pikepdf) repair it. Returns (bytes, pages, reader)."""
    import pypdf

    data = ctx.data
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception as exc:  # noqa: BLE001
                raise _Fail("encrypted", f"encrypted PDF that cannot be opened: {_describe(exc)}") from exc
            if not ok:
                raise _Fail("encrypted", "password-protected PDF (needs a user password)")
            ctx.warnings.append("PDF is encrypted with an empty user password (owner restrictions only)")
        pages = len(reader.pages)
        if pages > 0:
            if b"%%EOF" not in data[-8192:]:
                ctx.warnings.append("PDF appears truncated (no %%EOF marker at the end)")
            return data, pages, reader
    except _Fail:
        raise
    except Exception as exc:  # noqa: BLE001
        log.debug("pypdf could not open %s: %s", ctx.file_name, exc)
    try:
        import pikepdf

        with pikepdf.open(io.BytesIO(data)) as pdf:
            pages = len(pdf.pages)
            buf = io.BytesIO()
            pdf.save(buf)
    except Exception as exc:  # noqa: BLE001
        if type(exc).__name__ == "PasswordError":
            raise _Fail("encrypted", "password-protected PDF") from exc
        raise _Fail("corrupt", f"damaged PDF: {_describe(exc)}") from exc
    if pages == 0:
        raise _Fail("corrupt", "damaged PDF: no pages found")
    ctx.warnings.append("damaged PDF was repaired before extraction")
    repaired = buf.getvalue()
    return repaired, pages, pypdf.PdfReader(io.BytesIO(repaired), strict=False)


def _pdf_damaged(ctx: _Ctx, data: bytes) -> bool:
    if b"%%EOF" not in ctx.data[-8192:]:
        return True
    return data is not ctx.data  # repaired by qpdf


def _single_page_pdf(reader: Any, page: int) -> bytes:
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_page(reader.pages[page - 1])
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _ocr_in_language(ctx: _Ctx, partition: Callable[..., list[Any]], data: bytes, **options: Any) -> list[Element]:
    """`partition` (unstructured's partition_pdf / partition_image) of `data` with ``ocr_only``, in the
    page's own language: first with the primary language alone, again with the language the
    recognised text is written in when that is another of `Limits.ocr_languages` with letters of its own.

    One language model per run instead of all five together: tesseract tries every listed model on
    uncertain words, which costs about twice the CPU and mixes the alphabets up (a German "Mühlenweg"
    read as Spanish "Múhlenweg"). The primary model reads the Latin letters of the other languages well
    enough for the language to be identified on its text; Spanish, Turkish and Polish pages then pay a
    second run for their own letters ("Dąbrowski", not "Dabrowski"). English pages keep the primary
    model's text: English has no letters of its own, and the (usually German) letterhead keeps its umlauts.
    """
    from nlp.language import detect_language

    def recognise(languages: list[str]) -> list[Element]:
        raw = partition(file=io.BytesIO(data), strategy="ocr_only", languages=languages, **options)
        return _to_elements(raw, deferred=True)

    langs = list(ctx.limits.ocr_languages)
    elements = recognise(langs[:1])
    if len(langs) > 1 and elements:
        detected = detect_language(" ".join(el.text for el in elements))
        other = _TESSERACT_LANGUAGE.get(detected)
        if other is not None and other != langs[0] and other in langs and detected != "en":
            elements = recognise([other]) or elements
    return elements


def _extract_image(ctx: _Ctx) -> Extracted:
    from PIL import Image, ImageOps

    try:
        Image.MAX_IMAGE_PIXELS = 200_000_000
        img = Image.open(io.BytesIO(ctx.data))
        frames = getattr(img, "n_frames", 1) or 1
        width, height = img.size
    except Exception as exc:  # noqa: BLE001
        if type(exc).__name__ == "DecompressionBombError":
            raise _Fail("too_large", f"image too large: {_describe(exc)}") from exc
        raise _Fail("corrupt", f"unreadable image: {_describe(exc)}") from exc
    if frames > ctx.limits.max_pages:
        raise _Fail("too_many_pages", f"{frames} frames > limit {ctx.limits.max_pages}")
    if min(width, height) < 16 or width * height < 4_000:
        raise _Fail("no_text", f"image too small to hold text ({width}x{height} px)")
    if not ctx.limits.ocr:
        raise _Fail("no_text", "image and OCR disabled")

    from unstructured.partition.image import partition_image

    _use_one_run_ocr()
    elements: list[Element] = []
    blank = 0
    for index in range(min(frames, ctx.limits.max_ocr_pages)):
        try:
            img.seek(index)
            frame = img.convert("RGB") if img.mode not in ("RGB", "L") else img.copy()
            lo, hi = cast("tuple[int, int]", ImageOps.grayscale(frame).getextrema())
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise _Fail("corrupt", f"damaged image (frame {index + 1}): {_describe(exc)}") from exc
        if hi - lo < 16:  # uniform page: nothing to read
            blank += 1
            continue
        if frames == 1:
            payload = ctx.data
        else:
            buf = io.BytesIO()
            frame.save(buf, format="PNG")
            payload = buf.getvalue()
        recognised = _ocr_in_language(ctx, partition_image, payload)
        page = index + 1
        elements.extend(el._replace(page_number=page) for el in recognised)
    if frames > ctx.limits.max_ocr_pages:
        ctx.warnings.append(f"OCR limited to {ctx.limits.max_ocr_pages} of {frames} frames")
    if not elements:
        what = "blank image" if blank == frames else "no text recognised in the image"
        raise _Fail("no_text", what)
    return _finish(ctx, elements, pages=frames, ocr_used=True)


MAX_EXPANDED_BYTES = 256 * 1024 * 1024  # a ZIP-based Office file may expand to this much, no more
MAX_EXPANSION_RATIO = 200  # …nor to more than 200 times its size (a zip bomb)
MAX_ZIP_MEMBERS = 10_000


def _zip_names(ctx: _Ctx) -> list[str]:
    """The members of a ZIP-based Office file; refuses damaged files and zip bombs before anything unpacks."""
    try:
        with zipfile.ZipFile(io.BytesIO(ctx.data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as exc:
        raise _Fail("corrupt", f"damaged Office file: {_describe(exc)}") from exc
    expanded = sum(i.file_size for i in infos)
    if len(infos) > MAX_ZIP_MEMBERS:
        raise _Fail("too_large", f"{len(infos)} parts inside the file (limit {MAX_ZIP_MEMBERS})")
    if expanded > MAX_EXPANDED_BYTES or expanded > MAX_EXPANSION_RATIO * max(len(ctx.data), 1):
        raise _Fail("too_large", f"expands to {expanded // (1024 * 1024)} MB from {len(ctx.data) // 1024} KB "
                                 "(zip bomb?)")  # fmt: skip
    return [i.filename for i in infos]


def _extract_docx(ctx: _Ctx) -> Extracted:
    from unstructured.partition.docx import partition_docx

    _zip_names(ctx)
    raw = partition_docx(file=io.BytesIO(ctx.data), strategy="fast")
    return _finish(ctx, _to_elements(raw))


def _extract_xlsx(ctx: _Ctx) -> Extracted:
    from unstructured.partition.xlsx import partition_xlsx

    if ctx.file_type.name == "XLSX":
        _zip_names(ctx)
    raw = partition_xlsx(file=io.BytesIO(ctx.data))
    return _finish(ctx, _to_elements(raw))


def _extract_pptx(ctx: _Ctx) -> Extracted:
    from unstructured.partition.pptx import partition_pptx

    slides = sum(1 for n in _zip_names(ctx) if re.fullmatch(r"ppt/slides/slide\d+\.xml", n))
    if slides > ctx.limits.max_pages:
        raise _Fail("too_many_pages", f"{slides} slides > limit {ctx.limits.max_pages}")
    raw = partition_pptx(file=io.BytesIO(ctx.data), strategy="fast")
    return _finish(ctx, _to_elements(raw), pages=slides or None)


def _extract_legacy_office(ctx: _Ctx) -> Extracted:
    if shutil.which("soffice") is None and shutil.which("libreoffice") is None:
        raise _Fail("unsupported_type", f"legacy {ctx.file_type.name} needs LibreOffice (soffice), not installed")
    if ctx.file_type.name == "DOC":
        from unstructured.partition.doc import partition_doc

        raw = partition_doc(file=io.BytesIO(ctx.data))
    else:
        from unstructured.partition.ppt import partition_ppt

        raw = partition_ppt(file=io.BytesIO(ctx.data))
    return _finish(ctx, _to_elements(raw))


def _extract_html(ctx: _Ctx) -> Extracted:
    text, warning = _decode_text(ctx.data, _html_charset(ctx.data))
    if warning:
        ctx.warnings.append(warning)
    return _finish(ctx, _html_elements(ctx, text))


def _html_elements(ctx: _Ctx, html: str) -> list[Element]:
    try:
        from unstructured.partition.html import partition_html
    except ImportError as exc:  # e.g. urllib3 1.x in the venv: unstructured.safe_http needs urllib3 2
        ctx.warnings.append(f"HTML partitioner unavailable ({_describe(exc)}); HTML read as plain text")
        from unstructured.partition.text import partition_text

        text = _html_to_text(html)
        return _to_elements(partition_text(text=text), deferred=True) if text.strip() else []
    return _to_elements(partition_html(text=html))


_BLOCK_TAGS = (
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "ul",
    "ol",
    "blockquote",
    "pre",
    "section",
    "article",
    "header",
    "footer",
    "hr",
    "dt",
    "dd",
    "title",
)


def _html_to_text(html: str) -> str:
    """Plain text of an HTML page, one line per block element (fallback when partition_html is unusable)."""
    try:
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(html, "lxml")
        for tag in soup(["script", "style", "head", "noscript", "template"]):
            tag.decompose()
        for tag in soup.find_all(["td", "th"]):
            tag.append(" ")
        for tag in soup.find_all(_BLOCK_TAGS):
            tag.append("\n\n")
        return soup.get_text("")
    except Exception:  # noqa: BLE001
        return re.sub(r"<[^>]+>", " ", html)


def _html_charset(data: bytes) -> str | None:
    m = re.search(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", data[:4096], re.IGNORECASE)
    return m.group(1).decode("ascii", "replace") if m else None


def _extract_xml(ctx: _Ctx) -> Extracted:
    from unstructured.partition.xml import partition_xml

    text, warning = _decode_text(ctx.data)
    if warning:
        ctx.warnings.append(warning)
    try:
        raw = partition_xml(text=text)
    except Exception as exc:  # noqa: BLE001  (broken XML: index what is readable as text)
        ctx.warnings.append(f"XML not well-formed, read as plain text: {_describe(exc)}")
        return _extract_text(ctx, text)
    return _finish(ctx, _to_elements(raw, deferred=True))


def _extract_csv(ctx: _Ctx) -> Extracted:
    text, warning = _decode_text(ctx.data)
    if warning:
        ctx.warnings.append(warning)
    try:
        if ctx.file_type.name == "TSV":
            from unstructured.partition.tsv import partition_tsv

            raw = partition_tsv(file=io.BytesIO(text.encode("utf-8")))
        else:
            from unstructured.partition.csv import partition_csv

            raw = partition_csv(file=io.BytesIO(text.encode("utf-8")), encoding="utf-8")
    except Exception as exc:  # noqa: BLE001  (ragged rows etc.: the text is still worth indexing)
        ctx.warnings.append(f"table parsing failed, read as plain text: {_describe(exc)}")
        return _extract_text(ctx, text)
    return _finish(ctx, _to_elements(raw))


def _extract_text(ctx: _Ctx, text: str | None = None) -> Extracted:
    from unstructured.partition.text import partition_text

    if text is None:
        text, warning = _decode_text(ctx.data)
        if warning:
            ctx.warnings.append(warning)
    if not text.strip():
        raise _Fail("no_text", "text file holds only whitespace")
    raw = partition_text(text=text)
    return _finish(ctx, _to_elements(raw, deferred=True))


# ---------------------------------------------------------------------------------------------- e-mail

_FORWARD_TOKENS = {"fw", "fwd", "wg", "tr", "enc", "rv", "pd", "ilt", "i̇lt", "doorst"}
_PREFIX_CHAIN = re.compile(r"^\s*((?:[^\W\d_]{1,6}\s*(?:\[\d+\])?\s*:\s*)+)", re.UNICODE)
_FORWARD_BODY = re.compile(
    r"-{2,}\s*(forwarded message|original message follows|weitergeleitete nachricht|mensaje reenviado"
    r"|wiadomość przekazana|iletilen ileti|message transféré)",
    re.IGNORECASE,
)


def _is_forward_subject(subject: str) -> bool:
    m = _PREFIX_CHAIN.match(subject or "")
    if not m:
        return False
    tokens = [t.strip().split("[")[0].strip().lower() for t in m.group(1).split(":") if t.strip()]
    return any(t in _FORWARD_TOKENS for t in tokens)


def _raw_header(value: Any) -> str:
    """The header text still RFC 2047-encoded; raw 8-bit bytes decoded with a charset guess."""
    if value is None:
        return ""
    if isinstance(value, email.header.Header):
        chunks = getattr(value, "_chunks", [])  # compat32 keeps the undecoded text here
        raw = "".join(c if isinstance(c, str) else bytes(c).decode("ascii", "replace") for c, _ in chunks)
    else:
        raw = str(value)
    if any("\udc80" <= ch <= "\udcff" for ch in raw):  # raw 8-bit bytes smuggled in as surrogates
        raw = _decode_text(raw.encode("utf-8", "surrogateescape"))[0]
    return raw


def _decode_header(value: Any) -> str:
    """RFC 2047 decoding that survives raw 8-bit bytes, unknown charsets and junk (never raises)."""
    raw = _raw_header(value)
    if not raw:
        return ""
    try:
        parts = email.header.decode_header(raw)
    except Exception:  # noqa: BLE001
        return clean_text(raw)
    out = []
    for chunk, charset in parts:
        if isinstance(chunk, str):
            out.append(chunk)
        elif charset in (None, "unknown-8bit"):
            out.append(chunk.decode("raw-unicode-escape", errors="replace"))
        else:
            out.append(_decode_text(chunk, charset)[0])
    return clean_text("".join(out))


def _addresses(values: list[Any]) -> list[tuple[str, str]]:
    """(display name, lower-case address) pairs. Parsed before RFC 2047 decoding: "Müller, Anna" stays one."""
    raws = [_raw_header(v).replace(";", ",") for v in values if v]
    pairs = []
    for name, addr in email.utils.getaddresses([r for r in raws if r]):
        addr = addr.strip().strip("<>").lower()
        if addr or name:
            pairs.append((_decode_header(name), addr))
    return pairs


def _ids(value: str | None) -> list[str]:
    if not value:
        return []
    found = re.findall(r"<([^<>\s]+)>", value)
    return found or [v.strip("<> ") for v in value.split() if v.strip("<> ")]


def _first_id(value: str | None) -> str | None:
    found = _ids(value)
    return found[0] if found else None


def _iso_date(value: str | None, ctx: _Ctx) -> str | None:
    if not value:
        return None
    try:
        dt = email.utils.parsedate_to_datetime(value)
    except Exception:  # noqa: BLE001
        try:
            from dateutil import parser as dateparser

            dt = dateparser.parse(value, fuzzy=True)
        except Exception:  # noqa: BLE001
            ctx.warnings.append(f"unparseable Date header {value[:60]!r}")
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.isoformat()


def _safe_name(name: str, fallback: str) -> str:
    name = clean_text(name).replace("/", "_").replace("\\", "_").strip(". ")
    return name[:180] or fallback


def _unbase64_message(content: bytes) -> bytes:
    import base64
    import binascii

    try:
        return base64.b64decode(b"".join(content.split()), validate=True)
    except (binascii.Error, ValueError):
        return content


def _iter_leaf_parts(part: email.message.Message) -> Iterator[email.message.Message]:
    if part.get_content_type() == "message/rfc822":
        yield part
        return
    if part.is_multipart():
        payload = part.get_payload()
        for sub in payload if isinstance(payload, list) else []:
            if isinstance(sub, email.message.Message):
                yield from _iter_leaf_parts(sub)
        return
    yield part


def _extract_eml(ctx: _Ctx) -> Extracted:
    msg = email.message_from_bytes(ctx.data, policy=email.policy.compat32)
    get = lambda h: _decode_header(msg.get(h))  # noqa: E731
    subject = get("Subject")
    from_pairs = _addresses([msg.get("From")])
    meta = EmailMeta(
        subject=subject,
        from_addr=from_pairs[0][1] if from_pairs else "",
        from_name=from_pairs[0][0] if from_pairs else "",
        to_addrs=[a for _, a in _addresses(msg.get_all("To", [])) if a],
        cc=[a for _, a in _addresses(msg.get_all("Cc", [])) if a],
        date=_iso_date(str(msg.get("Date") or "") or None, ctx),
        message_id=_first_id(str(msg.get("Message-ID") or "")),
        in_reply_to=_first_id(str(msg.get("In-Reply-To") or "")),
        references=_ids(str(msg.get("References") or "")),
        is_forward=_is_forward_subject(subject),
    )
    if msg.defects:
        ctx.warnings.append("malformed MIME structure: " + ", ".join(sorted({type(d).__name__ for d in msg.defects})))

    plain: list[str] = []
    html: list[str] = []
    attachments: list[Attachment] = []
    for index, part in enumerate(_iter_leaf_parts(msg)):
        ctype = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        filename = _decode_header(part.get_filename()) if part.get_filename() else ""
        if ctype == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if not isinstance(inner, email.message.Message):
                inner = None
            content = _message_bytes(inner) if inner is not None else b""
            if (part.get("Content-Transfer-Encoding") or "").strip().lower() == "base64":
                content = _unbase64_message(content)  # not allowed for message/rfc822, but some clients do it
                inner = email.message_from_bytes(content, policy=email.policy.compat32)
            inner_subject = _decode_header(inner.get("Subject")) if inner is not None else ""
            meta.is_forward = True
            attachments.append(
                Attachment(_safe_name(filename or f"{inner_subject or 'message'}.eml", "message.eml"), content, ctype)
            )
            continue
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
            body = part.get_payload(decode=True)
            text, warning = _decode_text(body if isinstance(body, bytes) else b"", part.get_content_charset())
            if warning:
                ctx.warnings.append(f"body part {index}: {warning}")
            (plain if ctype == "text/plain" else html).append(text)
            continue
        if part.is_multipart():
            continue
        raw_content = part.get_payload(decode=True)
        content = raw_content if isinstance(raw_content, bytes) else b""
        if not filename:
            ext = mimetypes.guess_extension(ctype) or ".bin"
            filename = f"part-{index}{ext}"
        is_inline = disposition == "inline" or (disposition != "attachment" and part.get("Content-ID") is not None)
        attachments.append(Attachment(_safe_name(filename, f"part-{index}"), content, ctype, is_inline))

    elements: list[Element] = []
    body_plain = "\n\n".join(t for t in plain if t.strip())
    if body_plain.strip():
        from unstructured.partition.text import partition_text

        elements = _to_elements(partition_text(text=body_plain), deferred=True)
    elif any(t.strip() for t in html):
        elements = _html_elements(ctx, "\n".join(html))
    if not meta.is_forward and _FORWARD_BODY.search("\n".join(el.text for el in elements[:200])):
        meta.is_forward = True
    if not elements:
        if not (subject or attachments or from_pairs):
            raise _Fail("no_text", "e-mail without headers, body or attachments")
        ctx.warnings.append("e-mail has no text body")
    return _finish(
        ctx, elements, title=subject or None, email_meta=meta, attachments=attachments, allow_empty=True, pages=None
    )


def _message_bytes(msg: email.message.Message) -> bytes:
    try:
        return msg.as_bytes(policy=email.policy.compat32)
    except Exception:  # noqa: BLE001
        return msg.as_string(policy=email.policy.compat32).encode("utf-8", errors="replace")


def _extract_msg(ctx: _Ctx) -> Extracted:
    import extract_msg

    try:
        msg = extract_msg.openMsg(ctx.data, delayAttachments=False, strict=False)
    except Exception as exc:  # noqa: BLE001
        raise _Fail("corrupt", f"unreadable Outlook MSG: {_describe(exc)}") from exc
    try:
        return _msg_to_extracted(ctx, msg)
    finally:
        with contextlib.suppress(Exception):
            msg.close()


def _msg_to_extracted(ctx: _Ctx, msg: Any) -> Extracted:
    def attr(name: str) -> Any:
        try:
            return getattr(msg, name, None)
        except Exception as exc:  # noqa: BLE001  (extract-msg computes properties lazily and may fail)
            ctx.warnings.append(f"MSG property {name} unreadable: {_describe(exc)}")
            return None

    subject = clean_text(attr("subject") or "")
    from_pairs = _addresses([attr("sender") or ""])
    date = attr("date")
    header = attr("header")
    references = _ids(header.get("References")) if header is not None and header.get("References") else []
    meta = EmailMeta(
        subject=subject,
        from_addr=from_pairs[0][1] if from_pairs else "",
        from_name=from_pairs[0][0] if from_pairs else "",
        to_addrs=[a for _, a in _addresses([attr("to") or ""]) if a],
        cc=[a for _, a in _addresses([attr("cc") or ""]) if a],
        date=(date if date.tzinfo else date.replace(tzinfo=UTC)).isoformat() if hasattr(date, "isoformat") else None,
        message_id=_first_id(attr("messageId")),
        in_reply_to=_first_id(attr("inReplyTo")),
        references=references,
        is_forward=_is_forward_subject(subject),
    )

    attachments: list[Attachment] = []
    for index, att in enumerate(attr("attachments") or []):
        try:
            data = att.data
            name = att.longFilename or att.shortFilename or getattr(att, "name", None) or ""
            mime = getattr(att, "mimetype", None) or ""
            inline = bool(getattr(att, "hidden", False))
            if isinstance(data, bytes | bytearray):
                content = bytes(data)
                mime = mime or mimetypes.guess_type(name)[0] or "application/octet-stream"
            elif data is not None and hasattr(data, "exportBytes"):  # embedded MSG
                content = data.exportBytes()
                name = name or f"{clean_text(getattr(data, 'subject', '') or 'message')}.msg"
                mime = "application/vnd.ms-outlook"
                meta.is_forward = True
            else:
                ctx.warnings.append(f"attachment {index} skipped (type {type(att).__name__})")
                continue
            attachments.append(Attachment(_safe_name(name, f"attachment-{index}"), content, mime, inline))
        except Exception as exc:  # noqa: BLE001
            ctx.warnings.append(f"attachment {index} unreadable: {_describe(exc)}")

    body = attr("body") or ""
    elements: list[Element] = []
    if isinstance(body, str) and body.strip():
        from unstructured.partition.text import partition_text

        elements = _to_elements(partition_text(text=body), deferred=True)
    else:
        html = attr("htmlBody")
        if html:
            text = html if isinstance(html, str) else _decode_text(html, _html_charset(html))[0]
            elements = _html_elements(ctx, text)
    if not meta.is_forward and _FORWARD_BODY.search("\n".join(el.text for el in elements[:200])):
        meta.is_forward = True
    if not elements:
        if not (subject or attachments or from_pairs):
            raise _Fail("no_text", "MSG without headers, body or attachments")
        ctx.warnings.append("e-mail has no text body")
    return _finish(ctx, elements, title=subject or None, email_meta=meta, attachments=attachments, allow_empty=True)
