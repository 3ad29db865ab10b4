"""An uploaded file (name + bytes) as SourceDocuments, parsed in memory by the same readers as `citeqa ingest`.

The upload's name is client-controlled text: only its last component's stem is used, and only as a
document id. Nothing is ever opened or written under it.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from ingest import readers
from ingest.records import Skipped, SourceDocument

MAX_ID_CHARS = 512
_UNSAFE = re.compile(r"[^\w.-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class UploadRejected(Exception):
    """An upload that cannot be ingested; `status` is the HTTP status that says why."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def base_name(filename: str) -> str:
    """The last component of a client's file name, whatever separator its system uses."""
    return re.split(r"[\\/]", filename)[-1]


def id_from_filename(filename: str) -> str | None:
    """The sanitised stem: `../../etc/a b.txt` gives `a_b`; None when nothing usable is left."""
    stem = PurePosixPath(base_name(filename)).stem
    cleaned = _UNSAFE.sub("_", stem).strip("._")[:MAX_ID_CHARS]
    return cleaned or None


def checked_id(value: str) -> str:
    value = value.strip()
    if not value or len(value) > MAX_ID_CHARS or _CONTROL.search(value):
        raise UploadRejected(422, f"field 'id' must be 1–{MAX_ID_CHARS} characters without control characters")
    return value


def documents_from_upload(filename: str, data: bytes, *, doc_id: str | None) -> tuple[list[SourceDocument], list[str]]:
    """The documents in one uploaded file and the warnings about it; raises UploadRejected."""
    name = base_name(filename)
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in readers.SUPPORTED_SUFFIXES:
        shown, accepted = suffix or "(no extension)", " ".join(readers.SUPPORTED_SUFFIXES)
        raise UploadRejected(415, f"unsupported file type {shown}; upload one of {accepted}")
    if not data.strip():
        raise UploadRejected(422, "the uploaded file is empty")
    if b"\0" in data[: readers.BINARY_SNIFF_BYTES]:
        raise UploadRejected(415, "the uploaded file is binary (NUL bytes in the first 8 KiB), not text")
    if suffix == ".jsonl":
        if doc_id is not None:
            raise UploadRejected(422, "field 'id' is for single-document uploads; JSONL lines carry their own ids")
        return _jsonl_documents(name, data)
    doc_id = checked_id(doc_id) if doc_id is not None else id_from_filename(name)
    if doc_id is None:
        raise UploadRejected(422, f"cannot make a document id from the file name {name!r}; send an 'id' field")
    text, replaced = readers.decode_text(data)
    warnings = [f"{name}: not valid UTF-8; decoded with replacement characters"] if replaced else []
    record = readers._document(suffix, readers.normalise_text(text), doc_id=doc_id, origin=f"upload:{name}")
    return [_accepted(record)], warnings


def _jsonl_documents(name: str, data: bytes) -> tuple[list[SourceDocument], list[str]]:
    documents: dict[str, SourceDocument] = {}
    warnings = []
    for lineno, raw in enumerate(data.splitlines(), start=1):
        if not raw.strip():
            continue
        line, replaced = readers.decode_text(raw)
        if replaced:
            warnings.append(f"{name}:{lineno}: not valid UTF-8; decoded with replacement characters")
        document = _accepted(readers.parse_jsonl_line(line, origin=f"upload:{name}:{lineno}"))
        if document.id in documents:
            first = documents[document.id].origin.removeprefix("upload:")
            raise UploadRejected(422, f"{name}:{lineno}: duplicate id {document.id!r} (first at {first})")
        documents[document.id] = document
    return list(documents.values()), warnings


def _accepted(record: SourceDocument | Skipped) -> SourceDocument:
    """All or nothing: one unreadable document rejects the whole upload, naming where and why."""
    if isinstance(record, Skipped):
        raise UploadRejected(422, f"{record.origin.removeprefix('upload:')}: {record.reason}")
    return record
