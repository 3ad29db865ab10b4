"""Lexical retrieval: BM25 over the FTS5 table that ingest maintains next to the chunks."""

from __future__ import annotations

import math
import re
import sqlite3
import threading
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer

from service.filters import Filters

# Function words carry no evidence and make OR-queries slow on large corpora.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them themselves
    then there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours yourself yourselves according reported
    report article""".split()  # noqa: SIM905
)
_WORD = re.compile(r"\w+", re.UNICODE)
# Title matches say what a whole article is about, body matches where in it: weight the body higher.
TITLE_WEIGHT, BODY_WEIGHT = 0.5, 1.0


# The word after "how" ("how many", "how much", "how long", …) is part of the question word, not something a
# passage should say: "2500 troops" answers "how many troops" without the word "many".
_QUANTITY_WORDS = frozenset({"many", "much", "long", "often", "far", "old"})


def query_terms(question: str) -> list[str]:
    seen: dict[str, None] = {}
    previous = ""
    for word in _WORD.findall(question.lower()):
        asks_quantity = previous == "how" and word in _QUANTITY_WORDS
        if word not in STOPWORDS and (len(word) > 1 or word.isdigit()) and not asks_quantity:
            seen.setdefault(word, None)
        previous = word
    return list(seen)


def match_expression(terms: list[str]) -> str | None:
    """An FTS5 OR-query of quoted terms (quoting neutralises FTS5 syntax in user text)."""
    return " OR ".join(f'"{term}"' for term in terms) or None


def search(db: sqlite3.Connection, question: str, limit: int, filters: Filters) -> list[tuple[int, float]]:
    """Top `limit` (chunk row id, BM25 score; higher is better) for the question's terms."""
    expression = match_expression(query_terms(question))
    if expression is None or limit <= 0:
        return []
    sql = f"SELECT f.rowid, -bm25(chunk_fts, {TITLE_WEIGHT}, {BODY_WEIGHT}) AS score FROM chunk_fts f"
    params: list[object] = [expression]
    where = "chunk_fts MATCH ?"
    if not filters.is_empty():
        clause, filter_params = filters.where()
        sql += " JOIN chunks c ON c.id = f.rowid JOIN documents d ON d.id = c.doc_id"
        where += f" AND {clause}"
        params += filter_params
    sql += f" WHERE {where} ORDER BY score DESC, f.rowid LIMIT ?"
    params.append(limit)
    return [(int(row_id), float(score)) for row_id, score in db.execute(sql, params)]


def stem(word: str) -> str:
    """The Porter stem FTS5's `porter` tokenizer indexes, so our weights line up with its vocabulary."""
    return _stemmed(word)


# A snowball stemmer keeps per-word state in the object (not thread-safe), so each thread gets its own;
# the memo in front makes repeated words free and is safe to share.
_local = threading.local()


@lru_cache(maxsize=65536)
def _stemmed(word: str) -> str:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("porter")
    return str(stemmer.stemWord(word))


def _passage_frequencies(db: sqlite3.Connection, stems: Iterable[str]) -> dict[str, int]:
    """How many passages hold each stem (FTS5's own vocabulary); stems no passage holds are absent."""
    unique = sorted(set(stems))
    if not unique:
        return {}
    marks = ",".join("?" * len(unique))
    return dict(db.execute(f"SELECT term, doc FROM chunk_vocab WHERE term IN ({marks})", unique))


def indexed_words(db: sqlite3.Connection, words: Iterable[str]) -> set[str]:
    """Those of `words` whose stem some passage holds."""
    stems = {word: stem(word) for word in words}
    held = _passage_frequencies(db, stems.values())
    return {word for word, s in stems.items() if s in held}


def idf_weights(db: sqlite3.Connection, terms: list[str]) -> dict[str, float]:
    """BM25-style IDF of each (surface) term over chunks; unseen terms get the maximum weight. Keys keep the
    order of `terms` (the question's word order, which evidence coverage's term proximity reads)."""
    total = max(int(db.execute("SELECT count(*) FROM chunks").fetchone()[0]), 1)
    stems = {term: stem(term) for term in terms}
    frequency = _passage_frequencies(db, stems.values())
    return {
        term: math.log(1 + (total - frequency.get(s, 0) + 0.5) / (frequency.get(s, 0) + 0.5))
        for term, s in stems.items()
    }
