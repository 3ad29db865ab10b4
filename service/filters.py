"""Hard request filters on document metadata, as SQL over the documents table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Filters:
    sources: tuple[str, ...] = ()
    date_from: str | None = None  # ISO, inclusive
    date_to: str | None = None  # ISO, inclusive
    doc_ids: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return not (self.sources or self.date_from or self.date_to or self.doc_ids)

    def where(self) -> tuple[str, list[str]]:
        """A WHERE clause over `documents d` and its parameters; documents without a date fail date bounds."""
        clauses, params = [], []
        if self.sources:
            clauses.append(f"lower(d.source) IN ({','.join('?' * len(self.sources))})")
            params += [source.lower() for source in self.sources]
        if self.date_from:
            clauses.append("d.date >= ?")
            params.append(self.date_from)
        if self.date_to:
            clauses.append("d.date <= ?")
            params.append(self.date_to)
        if self.doc_ids:
            clauses.append(f"d.id IN ({','.join('?' * len(self.doc_ids))})")
            params += list(self.doc_ids)
        return (" AND ".join(clauses) or "1"), params
