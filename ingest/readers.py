"""Read files, folders and JSONL into SourceDocuments; bad input becomes a record, never an exception."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ingest.html_text import html_to_page
from ingest.metadata import (
    extract_date,
    extract_markdown_title,
    extract_source,
    extract_title,
    normalise_date,
)
from ingest.records import Skipped, SourceDocument

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
BINARY_SNIFF_BYTES = 8 * 1024
SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".jsonl")
_OPTIONAL_FIELDS = ("title", "date", "source", "url")
_REPLACED = "not valid UTF-8; decoded with replacement characters"


@dataclass(frozen=True, slots=True)
class Warned:
    """A problem worth telling the user about that did not stop the document from being ingested."""

    origin: str
    reason: str


Record = SourceDocument | Skipped | Warned


def read_inputs(paths: Sequence[Path], *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Record]:
    """Every document under `paths`, in a deterministic order, with a record for each input not read.

    A `Warned` comes just before the document it is about. An id seen twice keeps its first document.
    """
    first_seen: dict[str, str] = {}
    for path in paths:
        for record in _read_path(path, max_bytes=max_bytes):
            if isinstance(record, SourceDocument):
                if record.id in first_seen:
                    reason = f"duplicate id {record.id} (first seen at {first_seen[record.id]})"
                    yield Skipped(record.origin, reason)
                    continue
                first_seen[record.id] = record.origin
            yield record


def decode_text(data: bytes) -> tuple[str, bool]:
    """`data` as UTF-8 text, and whether invalid bytes had to be replaced with U+FFFD to get it."""
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace"), True


def normalise_text(text: str) -> str:
    """Unify line endings and drop a byte-order mark; nothing else, since offsets point into the result."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def parse_jsonl_line(line: str, *, origin: str) -> SourceDocument | Skipped:
    """One JSONL line as a document: `id` (or BEIR's `_id`) and `text`; explicit metadata wins."""
    try:
        value = json.loads(line.removeprefix("\ufeff"))
    except json.JSONDecodeError as error:
        return Skipped(origin, f"invalid JSON: {error.msg} at column {error.colno}")
    if not isinstance(value, dict):
        return Skipped(origin, f"expected a JSON object, got {_json_type(value)}")
    id_key = "id" if value.get("id") is not None else "_id"
    for key in (id_key, "text", *_OPTIONAL_FIELDS):
        if value.get(key) is not None and not isinstance(value[key], str):
            return Skipped(origin, f"field {key!r} must be a string, got {_json_type(value[key])}")
    fields: dict[str, str | None] = {key: (value.get(key) or "").strip() or None for key in _OPTIONAL_FIELDS}
    doc_id, text = value.get(id_key), normalise_text(value.get("text") or "")
    if not doc_id or not doc_id.strip():
        return Skipped(origin, "missing or empty 'id'")
    if not text.strip():
        return Skipped(origin, "missing or empty 'text'")
    date = fields["date"]
    if date is not None and normalise_date(date) is None:
        return Skipped(origin, f"date {date!r} is not a recognised date (use YYYY-MM-DD)")
    return SourceDocument(
        id=doc_id,
        text=text,
        title=fields["title"] or extract_title(text),
        date=normalise_date(date) if date else extract_date(text),
        source=fields["source"] or extract_source(text),
        url=fields["url"],
        origin=origin,
    )


def _read_path(path: Path, *, max_bytes: int) -> Iterator[Record]:
    if path.is_dir():
        for found in _walk(path, root=path):
            if isinstance(found, Skipped):
                yield found
            else:
                doc_id = found.relative_to(path).with_suffix("").as_posix()
                yield from _read_file(found, doc_id=doc_id, max_bytes=max_bytes)
    elif path.exists():
        yield from _read_file(path, doc_id=path.stem, max_bytes=max_bytes)
    else:
        yield Skipped(str(path), "no such file or folder")


def _walk(folder: Path, *, root: Path) -> Iterator[Path | Skipped]:
    """Files under `folder` sorted by name at each level; hidden entries (.git, .DS_Store) left out."""
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as error:
        yield Skipped(str(folder), f"cannot read folder: {error.strerror or error}")
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(path, root=root)
        elif entry.is_symlink() and path.is_dir():
            # Following folder links could loop forever or leave the tree the user pointed at.
            yield Skipped(str(path), "symbolic link to a folder; not followed")
        else:
            yield path


def _read_file(path: Path, *, doc_id: str, max_bytes: int) -> Iterator[Record]:
    origin, suffix = str(path), path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        yield Skipped(origin, f"unsupported file type {suffix or '(no extension)'}")
    elif not path.is_file():
        yield Skipped(origin, "not a regular file")
    elif suffix == ".jsonl":
        yield from _read_jsonl(path, max_bytes=max_bytes)
    else:
        data = _load(path, max_bytes=max_bytes)
        if isinstance(data, Skipped):
            yield data
            return
        text, replaced = decode_text(data)
        if replaced:
            yield Warned(origin, _REPLACED)
        yield _document(suffix, normalise_text(text), doc_id=doc_id, origin=origin)


def _load(path: Path, *, max_bytes: int) -> bytes | Skipped:
    origin = str(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)  # bounded: the size on disk may change or lie (/proc)
    except OSError as error:
        return Skipped(origin, f"cannot read file: {error.strerror or error}")
    if len(data) > max_bytes:
        return Skipped(origin, f"file is over the {max_bytes}-byte limit (max_bytes)")
    if b"\0" in data[:BINARY_SNIFF_BYTES]:
        return Skipped(origin, "binary file (NUL bytes in the first 8 KiB)")
    return data


def _document(suffix: str, text: str, *, doc_id: str, origin: str) -> SourceDocument | Skipped:
    if suffix in (".html", ".htm"):
        page = html_to_page(text)
        if not page.text.strip():
            return Skipped(origin, "no visible text in the HTML")
        return SourceDocument(doc_id, page.text, page.title, page.date, page.source, page.url, origin)
    if not text.strip():
        return Skipped(origin, "empty or whitespace-only text")
    title = extract_markdown_title(text) if suffix == ".md" else extract_title(text)
    return SourceDocument(doc_id, text, title, extract_date(text), extract_source(text), None, origin)


def _read_jsonl(path: Path, *, max_bytes: int) -> Iterator[Record]:
    """One document per line, streamed: a corpus file may be far larger than `max_bytes`."""
    origin, documents = str(path), 0
    try:
        with path.open("rb") as handle:
            if b"\0" in handle.read(BINARY_SNIFF_BYTES):
                yield Skipped(origin, "binary file (NUL bytes in the first 8 KiB)")
                return
            handle.seek(0)
            for lineno, raw in enumerate(_lines(handle, max_bytes=max_bytes), start=1):
                line_origin = f"{origin}:{lineno}"
                if raw is None:
                    yield Skipped(line_origin, f"line is over the {max_bytes}-byte limit (max_bytes)")
                elif raw.strip():
                    documents += 1
                    line, replaced = decode_text(raw)
                    if replaced:
                        yield Warned(line_origin, _REPLACED)
                    yield parse_jsonl_line(line, origin=line_origin)
    except OSError as error:
        yield Skipped(origin, f"cannot read file: {error.strerror or error}")
        return
    if documents == 0:
        yield Skipped(origin, "empty JSONL file (no lines)")


def _lines(handle: BinaryIO, *, max_bytes: int) -> Iterator[bytes | None]:
    """Lines of at most `max_bytes`; None stands for a longer one, which is read past, never held."""
    while raw := handle.readline(max_bytes + 1):
        if len(raw) <= max_bytes:
            yield raw
            continue
        while raw and not raw.endswith(b"\n"):
            raw = handle.readline(max_bytes + 1)
        yield None


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "an array", bool: "a boolean", int: "a number", float: "a number"}
    return names.get(type(value), "null" if value is None else type(value).__name__)
