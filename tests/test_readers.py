"""Reading files, folders and JSONL: real files in tmp_path; bad input is a record, never an exception."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ingest.readers import Record, Warned, decode_text, read_inputs
from ingest.records import Skipped, SourceDocument

SHARED = Path(__file__).resolve().parents[1].parent / "shared"  # tests read shared data in place
MULTIHOP_CORPUS = SHARED / "bench" / "multihop-rag" / "corpus.jsonl"


def _read(*paths: Path, **options: int) -> list[Record]:
    records = list(read_inputs(list(paths), **options))
    for record in records:  # invariant: every problem is reported on one line that names it
        if isinstance(record, Skipped | Warned):
            assert record.reason and "\n" not in record.reason
    return records


def _documents(records: list[Record]) -> list[SourceDocument]:
    return [record for record in records if isinstance(record, SourceDocument)]


def _skipped(records: list[Record]) -> list[Skipped]:
    return [record for record in records if isinstance(record, Skipped)]


def _write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


def _jsonl(path: Path, *lines: object) -> Path:
    text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
    return _write(path, text + "\n")


def test_folder_ids_are_relative_paths_without_extension_in_sorted_order(tmp_path: Path) -> None:
    _write(tmp_path / "b.txt", "Second")
    _write(tmp_path / "a.txt", "First")
    _write(tmp_path / "sub" / "c.md", "# Title\n\nText")
    _write(tmp_path / "sub" / "deeper" / "d.html", "<p>Deep</p>")
    _write(tmp_path / ".git" / "config.txt", "hidden folder")
    _write(tmp_path / ".notes.txt", "hidden file")
    records = _read(tmp_path)
    assert [doc.id for doc in _documents(records)] == ["a", "b", "sub/c", "sub/deeper/d"]
    assert [doc.origin for doc in _documents(records)][-1] == str(tmp_path / "sub" / "deeper" / "d.html")
    assert not _skipped(records)


def test_a_file_given_directly_has_its_stem_as_id(tmp_path: Path) -> None:
    path = _write(tmp_path / "nested" / "story.txt", "Text")
    [document] = _read(path)
    assert isinstance(document, SourceDocument)
    assert (document.id, document.origin) == ("story", str(path))


def test_unsupported_types_are_skipped_in_folders_and_when_given(tmp_path: Path) -> None:
    pdf = _write(tmp_path / "folder" / "paper.PDF", b"%PDF-1.4")
    _write(tmp_path / "folder" / "README", "no extension")
    records = _read(tmp_path / "folder", pdf, tmp_path / "missing.txt")
    assert [(skip.origin, skip.reason) for skip in _skipped(records)] == [
        (str(tmp_path / "folder" / "README"), "unsupported file type (no extension)"),
        (str(pdf), "unsupported file type .pdf"),
        (str(pdf), "unsupported file type .pdf"),
        (str(tmp_path / "missing.txt"), "no such file or folder"),
    ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"text\x00with NUL bytes", "binary file"),
        (b"", "empty"),
        (b" \n\t\r\n  ", "empty"),
    ],
)
def test_bad_files_are_skipped_with_a_reason(tmp_path: Path, content: bytes, reason: str) -> None:
    path = _write(tmp_path / "bad.txt", content)
    [skipped] = _read(tmp_path)
    assert isinstance(skipped, Skipped)
    assert skipped.origin == str(path)
    assert reason in skipped.reason


def test_unreadable_file_is_skipped(tmp_path: Path) -> None:
    path = _write(tmp_path / "secret.txt", "text")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running with privileges that read a mode-000 file (root)")
        [skipped] = _read(tmp_path)
        assert skipped == Skipped(str(path), "cannot read file: Permission denied")
    finally:
        path.chmod(0o644)


def test_links_to_folders_are_not_followed_and_odd_entries_are_skipped(tmp_path: Path) -> None:
    _write(tmp_path / "real" / "a.txt", "Text")
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "loop").symlink_to(tmp_path / "root")
    (tmp_path / "root" / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    (tmp_path / "root" / "folder.txt").mkdir()  # a folder named like a file is walked, not read
    records = _read(tmp_path / "root")
    assert _skipped(records) == [
        Skipped(str(tmp_path / "root" / "gone.txt"), "not a regular file"),
        Skipped(str(tmp_path / "root" / "loop"), "symbolic link to a folder; not followed"),
    ]


def test_files_over_max_bytes_are_skipped(tmp_path: Path) -> None:
    _write(tmp_path / "big.txt", "x" * 101)
    _write(tmp_path / "small.txt", "x" * 100)
    records = _read(tmp_path, max_bytes=100)
    assert [doc.id for doc in _documents(records)] == ["small"]
    assert "over the 100-byte limit" in _skipped(records)[0].reason


def test_non_utf8_text_is_ingested_with_replacement_and_a_warning(tmp_path: Path) -> None:
    path = _write(tmp_path / "latin1.txt", "Café au lait".encode("latin-1"))
    warned, document = _read(path)
    assert warned == Warned(str(path), "not valid UTF-8; decoded with replacement characters")
    assert isinstance(document, SourceDocument)
    assert document.text == "Caf\ufffd au lait"
    assert decode_text("Café".encode()) == ("Café", False)


def test_line_endings_and_bom_are_normalised_and_nothing_else(tmp_path: Path) -> None:
    raw = "\ufeff  Headline line\r\n\r\nBody  with  spaces\rnext\r\n"
    [document] = _read(_write(tmp_path / "crlf.txt", raw))
    assert isinstance(document, SourceDocument)
    assert document.text == "  Headline line\n\nBody  with  spaces\nnext\n"
    assert document.title == "Headline line"


def test_duplicate_ids_keep_the_first_document(tmp_path: Path) -> None:
    first = _write(tmp_path / "a" / "story.txt", "One")
    second = _write(tmp_path / "b" / "story.md", "Two")
    lines = _jsonl(tmp_path / "docs.jsonl", {"id": "x", "text": "One"}, {"id": "x", "text": "Two"})
    records = _read(first, second, lines)
    assert [doc.text for doc in _documents(records)] == ["One", "One"]
    assert _skipped(records) == [
        Skipped(str(second), f"duplicate id story (first seen at {first})"),
        Skipped(f"{lines}:2", f"duplicate id x (first seen at {lines}:1)"),
    ]


def test_jsonl_lines_become_documents_with_explicit_fields_winning(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "corpus.jsonl",
        {
            "id": "a",
            "text": "Headline\r\n\r\nBody.\n\nSource: TASS",
            "date": "2023-11-27T08:45:59+00:00",
            "source": "Reuters",
            "url": "https://example.test/a",
            "author": None,
            "category": "news",
        },
        "",
        {"_id": "beir-1", "title": "", "text": "Headline\n\nBody.\n\nSource: TASS"},
    )
    first, second = _read(path)
    assert first == SourceDocument(
        id="a",
        text="Headline\n\nBody.\n\nSource: TASS",
        title="Headline",
        date="2023-11-27",
        source="Reuters",
        url="https://example.test/a",
        origin=f"{path}:1",
    )
    assert isinstance(second, SourceDocument)
    assert (second.id, second.title, second.source) == ("beir-1", "Headline", "TASS")
    assert second.origin == f"{path}:3"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"id": "a", "text": ', "invalid JSON"),
        ('["a", "text"]', "expected a JSON object, got an array"),
        ('{"text": "no id"}', "missing or empty 'id'"),
        ('{"id": " ", "text": "blank id"}', "missing or empty 'id'"),
        ('{"id": "a"}', "missing or empty 'text'"),
        ('{"id": "a", "text": "  \\n "}', "missing or empty 'text'"),
        ('{"id": 7, "text": "numeric id"}', "field 'id' must be a string, got a number"),
        ('{"id": "a", "text": "t", "title": ["x"]}', "field 'title' must be a string, got an array"),
        ('{"id": "a", "text": "t", "date": "someday"}', "date 'someday' is not a recognised date"),
    ],
)
def test_malformed_jsonl_lines_are_skipped_and_the_rest_read(tmp_path: Path, line: str, reason: str) -> None:
    good, also = {"id": "good", "text": "Fine."}, {"id": "also", "text": "Ok."}
    path = _jsonl(tmp_path / "mixed.jsonl", good, line, also)
    records = _read(path)
    assert [doc.id for doc in _documents(records)] == ["good", "also"]
    [skipped] = _skipped(records)
    assert skipped.origin == f"{path}:2"
    assert reason in skipped.reason


def test_jsonl_file_problems(tmp_path: Path) -> None:
    empty = _write(tmp_path / "empty.jsonl", "\n\n")
    binary = _write(tmp_path / "binary.jsonl", b'{"id": "a"}\x00\n')
    long = _jsonl(tmp_path / "long.jsonl", {"id": "long", "text": "x" * 200}, {"id": "short", "text": "y"})
    latin = _write(tmp_path / "latin.jsonl", '{"id": "l", "text": "Café"}\n'.encode("latin-1"))
    records = _read(empty, binary, long, latin, max_bytes=100)
    assert [doc.id for doc in _documents(records)] == ["short", "l"]
    assert [(skip.origin, skip.reason) for skip in _skipped(records)] == [
        (str(empty), "empty JSONL file (no lines)"),
        (str(binary), "binary file (NUL bytes in the first 8 KiB)"),
        (f"{long}:1", "line is over the 100-byte limit (max_bytes)"),
    ]
    assert Warned(f"{latin}:1", "not valid UTF-8; decoded with replacement characters") in records


def test_html_keeps_visible_text_only(tmp_path: Path) -> None:
    html = """<html><head><title>Peacekeepers arrive</title><style>p { color: red }</style>
    <meta property="article:published_time" content="2022-01-10T08:00:00+03:00">
    <meta property="og:site_name" content="TASS"><link rel="canonical" href="https://example.test/p"></head>
    <body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
    <script>var tracking = "secret script text";</script>
    <article><h1>Peacekeepers   arrive</h1><p>First
    paragraph with <b>bold</b> words.</p><p>Line one<br>Line two</p>
    <ul><li>One</li><li>Two</li></ul></article>
    <aside>Related stories</aside><footer>Copyright</footer></body></html>"""
    [document] = _read(_write(tmp_path / "page.htm", html))
    assert isinstance(document, SourceDocument)
    assert document.text == (
        "Peacekeepers arrive\n\nFirst paragraph with bold words.\n\nLine one\nLine two\n\nOne\n\nTwo"
    )
    assert (document.title, document.date, document.source, document.url) == (
        "Peacekeepers arrive",
        "2022-01-10",
        "TASS",
        "https://example.test/p",
    )
    for hidden in ("secret script text", "color: red", "Home", "Related stories", "Copyright"):
        assert hidden not in document.text


def test_html_without_visible_text_is_skipped(tmp_path: Path) -> None:
    [skipped] = _read(_write(tmp_path / "blank.html", "<html><script>x()</script></html>"))
    assert skipped == Skipped(str(tmp_path / "blank.html"), "no visible text in the HTML")


def test_multihop_rag_corpus_reads_every_document() -> None:
    if not MULTIHOP_CORPUS.is_file():
        pytest.skip(f"benchmark corpus not found at {MULTIHOP_CORPUS}")
    records = _read(MULTIHOP_CORPUS)
    documents = _documents(records)
    assert len(documents) == len(records) == 609
    assert all(doc.date and doc.title and doc.source and doc.url for doc in documents)
