"""Citation validity: citations point at passages that contain the answer, and passage offsets resolve."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def offsets_resolve(passage: Mapping[str, Any], document_text: str | None) -> bool:
    """design.md: `GET /v1/documents/{doc_id}` gives `text[start:end] == passage.text`, exactly."""
    start, end = passage.get("start"), passage.get("end")
    if document_text is None or not isinstance(start, int) or not isinstance(end, int):
        return False
    if isinstance(start, bool) or isinstance(end, bool):
        return False
    return 0 <= start <= end <= len(document_text) and document_text[start:end] == passage.get("text")


def citations_valid(answer: Mapping[str, Any], passages: Sequence[Mapping[str, Any]]) -> bool:
    """At least one citation, and every one indexes a passage whose text contains `answer.text` exactly."""
    text, cited = answer.get("text"), answer.get("citations")
    if not isinstance(text, str) or not text or not isinstance(cited, list) or not cited:
        return False
    return all(
        _is_int(index) and 0 <= index < len(passages) and text in str(passages[index].get("text", ""))
        for index in cited
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
