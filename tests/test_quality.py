"""Retrieval behaviour the quality issue asks for, through the real app, model and index: component scores,
filters, outlet and date hints, near-duplicates, token budgets, determinism and the dev-set targets
(answer extraction: tests/test_answers.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ingest import vectors
from ingest.encoder import Encoder
from ingest.index import open_index, reading
from service import dedup, lexical, query_hints, retrieval
from service.filters import Filters
from tests.conftest import KZ_QA, ask
from tests.live_server import app_client

TASS_DOC = "002_d9654804989babff"
REWRITTEN_PAIR = {"000_47f4620c9fdd8a53", "001_7bd650501039e11f"}  # one story, the second rewritten


def dev_questions() -> list[dict[str, Any]]:
    return [json.loads(line) for line in KZ_QA.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_passages_expose_component_scores_tokens_and_highlight(kz_client: TestClient) -> None:
    body = ask(kz_client, "Who commanded the CSTO peacekeeping contingent?", k=5)
    for passage in body["passages"]:
        assert set(passage["scores"]) == {"dense", "lexical"}
        # Every passage has its dense score (`retrieval._with_dense_scores`); a lexical one where BM25 found it.
        assert passage["scores"]["dense"] is not None
        assert passage["tokens"] > 0
        highlight = passage["highlight"]
        assert 0 <= highlight["start"] < highlight["end"] <= len(passage["text"])
    top = body["passages"][body["answer"]["citations"][0]]
    assert top["text"][top["highlight"]["start"] : top["highlight"]["end"]] == body["answer"]["text"]
    assert set(body["support"]) == {"dense", "coverage", "sentence", "semantic", "confidence", "typed"}
    assert body["support"]["confidence"] == pytest.approx(body["answer"]["confidence"], abs=1e-4)


def test_every_lexical_candidate_is_fused_with_its_real_dense_score(kz_index: Path, encoder: Encoder) -> None:
    question = "Who commanded the CSTO peacekeeping contingent sent to Kazakhstan?"
    vector = encoder.encode([question])[0]
    index = open_index(kz_index)
    with reading(index) as db:
        # Shallow searches, so that the lexical one finds passages the dense one does not.
        dense = vectors.search(index.vectors, vector, 3, allowed=None)
        found = lexical.search(db, question, 3, Filters())
        assert {row for row, _ in found} - {row for row, _ in dense}
        completed = retrieval._with_dense_scores(db, index, vector, dense, found)
    every = dict(vectors.search(index.vectors, vector, index.vectors.ntotal, allowed=None))
    assert {row for row, _ in completed} == {row for row, _ in [*dense, *found]}
    # The score the full search gives (FAISS's exact inner product), not the list's lowest; the dense search's
    # own hits keep their scores and order.
    for row, score in completed:
        assert score == pytest.approx(every[row], abs=1e-5)
    assert completed[: len(dense)] == dense


def test_source_filter_is_a_hard_constraint(kz_client: TestClient) -> None:
    body = ask(kz_client, "What happened in Alma-Ata?", k=10, filters={"source": ["TASS"]})
    assert body["passages"] and {p["doc_id"] for p in body["passages"]} == {TASS_DOC}


def test_date_and_doc_id_filters(kz_client: TestClient) -> None:
    dated = ask(kz_client, "peacekeepers", k=20, filters={"date_from": "2022-01-08", "date_to": "2022-01-10"})
    assert dated["passages"] and all("2022-01-08" <= p["date"] <= "2022-01-10" for p in dated["passages"])
    only = ask(kz_client, "peacekeepers", k=20, filters={"doc_ids": ["003_09578d3995b00afc"]})
    assert {p["doc_id"] for p in only["passages"]} == {"003_09578d3995b00afc"}
    nothing = ask(kz_client, "peacekeepers", filters={"date_from": "2030-01-01"})
    assert nothing["passages"] == [] and nothing["answer"] is None


def test_named_outlet_boosts_its_documents(kz_client: TestClient) -> None:
    question = "What did the CSTO peacekeepers do in Kazakhstan?"
    plain = ask(kz_client, question, k=5)
    named = ask(kz_client, question + " as reported by TASS", k=5)
    assert named["passages"][0]["doc_id"] == TASS_DOC
    plain_rank = next((p["rank"] for p in plain["passages"] if p["doc_id"] == TASS_DOC), 99)
    assert plain_rank >= named["passages"][0]["rank"]


def test_mentioned_dates_are_detected() -> None:
    mentions = query_hints.mentioned_dates("What was published on October 5, and what on 7 January 2022?")
    assert query_hints.DateMention(10, 5, None) in mentions
    assert query_hints.DateMention(1, 7, 2022) in mentions
    assert mentions[0].matches("2023-10-05") and not mentions[0].matches("2023-10-06")


def test_a_date_the_question_sets_apart_is_dropped_and_a_bound_includes_its_day() -> None:
    mentions = query_hints.mentioned_dates(
        "Did the report published on a date other than November 18, 2023, and the one after 7 January 2022 agree"
        " with the article of 2023-10-02, unlike the one not on Oct. 3 or the one before October 9?"
    )
    after, on, before = (query_hints.DateMention(1, 7, 2022, "from"), query_hints.DateMention(10, 2, 2023),
                         query_hints.DateMention(10, 9, None, "until"))
    assert mentions == [after, on, before]  # in the order the question writes them
    assert [after.matches(d) for d in ("2022-01-06", "2022-01-07", "2022-03-01")] == [False, True, True]
    assert [before.matches(d) for d in ("2023-10-08", "2023-10-09", "2023-10-10")] == [True, True, False]


def test_a_range_of_dates_is_one_mention_that_includes_both_ends() -> None:
    between, = query_hints.mentioned_dates("What happened between January 5 and January 7, 2022?")
    assert (between.relation, between.last) == ("between", (1, 7, 2022))
    assert [between.matches(d) for d in ("2022-01-04", "2022-01-05", "2022-01-06", "2022-01-07", "2022-01-08")] == [
        False, True, True, True, False]
    # "from ... to", a bare last day, a dash; a year the question leaves out comes from the other end.
    for question in ("reports from January 5 to 7, 2022", "reports of January 5-7, 2022", "2022-01-05 to 2022-01-07"):
        mention, = query_hints.mentioned_dates(question)
        assert mention.matches("2022-01-06") and not mention.matches("2021-01-06"), question
    across, = query_hints.mentioned_dates("news from December 28 to January 3, 2022")
    assert [across.matches(d) for d in ("2021-12-27", "2021-12-28", "2022-01-03", "2022-01-04")] == [
        False, True, True, False]
    # Two reports, not a range: words stand between the days, or "and" without "between".
    assert [m.relation for m in query_hints.mentioned_dates(
        "between the report on October 7 and the one on October 30")] == ["on", "on"]
    assert [m.relation for m in query_hints.mentioned_dates("the reports of October 5 and October 9")] == ["on", "on"]
    assert [m.relation for m in query_hints.mentioned_dates(
        "between the October 5 and October 9 reports")] == ["on", "on"]
    assert query_hints.mentioned_dates("a report other than October 5 to October 7") == []
    not_a_day = query_hints.mentioned_dates("the report of October 5 to 40 readers")
    assert not_a_day == [query_hints.DateMention(10, 5, None)]


def test_a_named_range_boosts_the_reports_inside_it(kz_client: TestClient) -> None:
    body = ask(kz_client, "What did the peacekeepers do between January 9 and January 11?", k=5)
    # TASS's report (January 10) is the only one inside; read as two separate days it matched neither.
    assert body["passages"][0]["doc_id"] == TASS_DOC
    assert sum(p["doc_id"] == TASS_DOC for p in body["passages"]) >= 3


def test_a_bound_without_a_year_refers_to_the_latest_year() -> None:
    before, = query_hints.mentioned_dates("What was published before March 1?", year=2023)
    assert before == query_hints.DateMention(3, 1, 2023, "until")
    assert before.matches("2022-11-20") and before.matches("2023-03-01") and not before.matches("2023-03-02")
    within_own_year, = query_hints.mentioned_dates("What was published before March 1?")
    assert not within_own_year.matches("2022-11-20")
    # A year the question names, a single day and a range keep what the question writes.
    assert query_hints.mentioned_dates("after March 1, 2021 and on May 5", year=2023) == [
        query_hints.DateMention(3, 1, 2021, "from"), query_hints.DateMention(5, 5, None)]
    # A claim's own date is read the same way.
    claims = query_hints.clauses("Did the report published after March 1 say the pier closed, while the ferry"
                                 " service resumed in spring?", year=2023)
    assert claims[0].date == query_hints.DateMention(3, 1, 2023, "from")


def test_a_bound_in_a_question_reads_in_the_archives_latest_year(kz_index_copy: Path, encoder: Encoder) -> None:
    """A report from the year before the sample's is "before January 9" (of 2022, the latest year)."""
    archive = {"id": "archive/2021-11", "date": "2021-11-20", "title": "Energy news",
               "text": "The government lifted the cap on liquefied gas prices in the autumn, the energy ministry said."}
    with app_client(kz_index_copy, encoder) as client:
        assert client.post("/v1/documents", json=archive).status_code == 201

        def archive_rank(question: str) -> int:
            passages = ask(client, question, k=10)["passages"]
            return next(p["rank"] for p in passages if p["doc_id"] == archive["id"])

        # Read within each report's own year, November 20 came after January 9 and the order was reversed.
        assert archive_rank("What happened to gas prices before January 9?") < archive_rank(
            "What happened to gas prices after January 9?")


def test_rewritten_story_collapses_into_also_in(kz_client: TestClient) -> None:
    body = ask(kz_client, "What did Putin discuss with the CSTO leaders by telephone?", k=5)
    top = body["passages"][0]
    assert top["doc_id"] in REWRITTEN_PAIR
    assert top["also_in"] == sorted(REWRITTEN_PAIR - {top["doc_id"]})


def test_different_reports_are_not_collapsed() -> None:
    first = dedup.shingles("Protests in Kazakhstan began on Sunday, January 2, due to rising gas prices for cars.")
    second = dedup.shingles("The riots in Kazakhstani cities have been going on for several days now.")
    assert dedup.shared_phrases(first, second) == 0.0


def test_max_tokens_caps_the_total(kz_client: TestClient) -> None:
    unbounded = ask(kz_client, "How did the protests in Kazakhstan develop?", k=5)
    budget = sum(p["tokens"] for p in unbounded["passages"][:2])
    capped = ask(kz_client, "How did the protests in Kazakhstan develop?", k=5, max_tokens=budget)
    assert [p["id"] for p in capped["passages"]] == [p["id"] for p in unbounded["passages"][:2]]
    assert sum(p["tokens"] for p in capped["passages"]) <= budget


def test_same_question_gives_byte_identical_json(kz_client: TestClient) -> None:
    def stripped(question: str) -> bytes:
        body = ask(kz_client, question, k=8)
        body.pop("took_ms")
        return json.dumps(body, sort_keys=True).encode()

    for question in ("When was the Collective Security Treaty signed?", "Who won the 2030 World Cup?"):
        assert stripped(question) == stripped(question)


def test_dev_targets(kz_client: TestClient) -> None:
    """The issue's bars on the sample dev set: recall@1 >= 0.95, recall@3 = 1, accuracy >= 0.9, abstention."""
    answerable, at_1, at_3, correct = 0, 0, 0, 0
    for question in dev_questions():
        body = ask(kz_client, question["question"], k=5)
        if not question["answerable"]:
            assert body["answer"] is None, question["question"]
            continue
        gold = [g.lower() for g in question["all_of"] or question["answers"]]
        found = [(all if question["all_of"] else any)(g in p["text"].lower() for g in gold) for p in body["passages"]]
        answerable += 1
        at_1 += any(found[:1])
        at_3 += any(found[:3])
        text = (body["answer"] or {}).get("text", "").lower()
        correct += (all if question["all_of"] else any)(g in text for g in gold)
    assert at_1 / answerable >= 0.95 and at_3 == answerable and correct / answerable >= 0.90


def test_a_one_claim_question_reads_passages_by_meaning_as_well_as_words(kz_client: TestClient) -> None:
    """A question that makes one claim is re-scored the way a clause is: word coverage and its nearest
    sentence's closeness. Word forms the stems keep apart ("start protesting" / "Protests … began",
    "stabilised" / "stabilization") left the sentences that answer these below ones that share more words."""
    began = ask(kz_client, "Why did people in Kazakhstan start protesting in early January?", k=5)
    assert "rising gas prices" in began["answer"]["text"]
    stable = ask(kz_client, "On what day did Kazakh officials say the situation had stabilised?", k=5)
    assert "January 9" in stable["answer"]["text"]
    assert "stabilization of the situation" in stable["passages"][0]["text"]
