"""Human-readable rendering of an answer for the terminal."""

from __future__ import annotations

import textwrap

from service.schemas import QueryOut


def render_text(result: QueryOut) -> str:
    lines = []
    if result.answer is None:
        lines.append("No supported answer in the corpus. Nearest passages:")
    else:
        marks = "".join(f"[{i + 1}]" for i in result.answer.citations)
        lines.append(f"{result.answer.text} {marks}  (confidence {result.answer.confidence:.2f})")
    for passage in result.passages:
        meta = ", ".join(str(v) for v in (passage.title, passage.date, passage.source) if v)
        lines.append("")
        lines.append(f"[{passage.rank}] {passage.doc_id} ({meta or 'no metadata'}) chars {passage.start}-{passage.end}")
        if passage.also_in:
            lines.append(f"    also in: {', '.join(passage.also_in)}")
        lines.extend(textwrap.wrap(passage.text, width=100, initial_indent="    ", subsequent_indent="    "))
    return "\n".join(lines)
