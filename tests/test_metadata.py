"""Metadata read from a document's own text: found where it is stated, None (never guessed) elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.metadata import (
    extract_date,
    extract_markdown_title,
    extract_source,
    extract_title,
    normalise_date,
)
from ingest.readers import read_inputs
from ingest.records import SourceDocument

SAMPLE_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "kazakhstan-2022"
BODY = "\n\n".join(f"Paragraph {n} of the story, which goes on for a while." for n in range(12))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (" date 2022-01-08 Russian President Vladimir Putin discussed ...", "2022-01-08"),
        ("Headline\n\nBody text.\n\nRu-Main, 10.01.2022\u00a0\nSource: TASS", "2022-01-10"),
        ("Headline\nPublished: January 10, 2022\n\n" + BODY, "2022-01-10"),
        ("Headline\nDate: 2022-01-10\n\n" + BODY, "2022-01-10"),
        ("Headline\n10 January 2022\n\n" + BODY, "2022-01-10"),
        ("Headline\nPosted on Monday, Jan. 10, 2022 at 14:30 UTC\n\n" + BODY, "2022-01-10"),
        ("MOSCOW, January 10, 2022\n\n" + BODY, "2022-01-10"),
        (BODY + "\n\nPublished 2022-01-10T08:45:59+00:00", "2022-01-10"),
    ],
)
def test_extract_date_reads_header_and_footer_lines(text: str, expected: str) -> None:
    assert extract_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Headline\n\nOn January 5, 2022, Tokayev asked the CSTO for help.\n\nMore text.",
        BODY[:400] + "\n\n10 January 2022\n\n" + BODY,  # a date line deep in the body is not the byline
        "Headline\n\nRu-Main, 31.02.2022\n\nBody.",  # not a real date
        "Headline\n\n01/02/2022\n\nBody.",  # day/month order unknowable
        "Headline\n\nBody without any date.",
        "",
    ],
)
def test_extract_date_ignores_body_dates_and_non_dates(text: str) -> None:
    assert extract_date(text) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-11-27T08:45:59+00:00", "2023-11-27"),
        ("2022-01-10", "2022-01-10"),
        ("2022/01/10", "2022-01-10"),
        ("2022.1.10 14:30", "2022-01-10"),
        ("2022/01-10", None),  # one date is written with one separator
        ("01/10/2022", None),  # day and month order unknowable
        (" 10.01.2022 ", "2022-01-10"),
        ("Jan 10, 2022", "2022-01-10"),
        ("2022-02-30", None),
        ("next Tuesday", None),
        ("2022", None),
    ],
)
def test_normalise_date(value: str, expected: str | None) -> None:
    assert normalise_date(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Headline\n\nBody.\n\nSource: TASS\u00a0 ", "TASS"),
        ("Source - Reuters\n\nBody.", "Reuters"),
        ("Headline\n\nBody.\n\nVia: The Guardian", "The Guardian"),
        ("Headline\n\nThe source: of all this is unclear, officials said.", None),
        ("Headline\n\nBody.", None),
    ],
)
def test_extract_source(text: str, expected: str | None) -> None:
    assert extract_source(text) == expected


def test_extract_source_ignores_the_body() -> None:
    text = "Headline\n\n" + BODY[:300] + "\n\nSource: Somebody\n\n" + BODY
    assert extract_source(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Russian Peacemakers Help Kazakhstan\n\nBody of the story.", "Russian Peacemakers Help Kazakhstan"),
        ("Bbabo NET\n\nNews\n\nCSTO leaders: gangs kept out\n\nBody.", "CSTO leaders: gangs kept out"),
        ("Summary\n\nA body paragraph that ends like a sentence.", "Summary"),
        (" date 2022-01-08 Russian President Vladimir Putin discussed\n\nMore.", None),
        ("A first line that is a sentence.\n\nMore.", None),
        ("Only one line, which is the whole document", None),
        ("x" * 201 + "\n\nBody.", None),
        ("Date: 2022-01-10\n\nBody.", None),
    ],
)
def test_extract_title(text: str, expected: str | None) -> None:
    assert extract_title(text) == expected


def test_extract_markdown_title_skips_code_fences() -> None:
    text = "Intro\n\n```python\n# not a heading\n```\n\n## Section\n\n# Real Title #\n\nBody."
    assert extract_markdown_title(text) == "Real Title"
    assert extract_markdown_title("No heading here\n\n## Only a level two") is None


def _sample_documents() -> dict[str, SourceDocument]:
    if not SAMPLE_CORPUS.is_dir():
        pytest.skip(f"sample corpus not found at {SAMPLE_CORPUS}")
    records = list(read_inputs([SAMPLE_CORPUS]))
    assert all(isinstance(record, SourceDocument) for record in records), records
    return {record.id.split("_")[0]: record for record in records if isinstance(record, SourceDocument)}


def test_sample_corpus_metadata() -> None:
    documents = _sample_documents()
    assert {key: doc.date for key, doc in documents.items()} == {
        "000": "2022-01-08",
        "001": None,
        "002": "2022-01-10",
        "003": "2022-01-07",
        "004": "2022-01-07",
    }
    sources = {key: doc.source for key, doc in documents.items()}
    assert sources == {"000": None, "001": None, "002": "TASS", "003": None, "004": None}
    assert {key: doc.title for key, doc in documents.items()} == {
        "000": None,
        "001": "CSTO leaders: gangs from the outside cannot be allowed into Kazakhstan",
        "002": "Russian Peacemakers Help Kazakhstan Hold Tough Situation",
        "003": None,
        "004": None,
    }
    assert documents["000"].id == "000_47f4620c9fdd8a53"
