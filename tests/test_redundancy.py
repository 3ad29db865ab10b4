"""The name a multi-claim question's passages repeat: found in the passages (pure) and favoured in the answer
on a real index (real model, FAISS and SQLite)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ingest.encoder import Encoder
from ingest.pipeline import ingest
from ingest.records import SourceDocument
from service import answer, engine, redundancy
from tests.live_server import app_client

# Three reports, one claim each, about the engineer behind a tidal barrier; the sentence that matches the
# question's words best names a councillor instead.
REPORTS = {
    "harbor": (
        "Harbor Times",
        "Mara Quell, a coastal engineer from Dunmore, designed the tidal barrier that shields the harbour.\n\n"
        "Quell said the barrier would protect 4,000 homes.",
    ),
    "valley": (
        "Valley Post",
        "The council praised the engineer behind the barrier, councillor Tom Brandt told "
        "reporters on Tuesday.\n\nFor five years Mara Quell worked on the scheme, unpaid at first.",
    ),
    "crier": (
        "Town Crier",
        "Questions over the cost of the tidal barrier grew on Friday, when Tom Brandt asked why the "
        "engineer who designed it saw her budget doubled.\n\nQuell declined to comment.",
    ),
}
OTHER = (
    "The city library extended its opening hours for the exam season.",
    "A new bakery opened on the high street, selling rye bread and pastries.",
    "The football club signed a young goalkeeper from the national league.",
    "Rail fares will rise by three percent from January, the operator announced.",
)
MULTI_CLAIM = (
    "Who is the engineer who designed the tidal barrier, was praised by the harbour council, "
    "and now faces questions over the cost of the barrier?"
)


def test_the_most_mentioned_name_is_found_by_its_last_word_and_given_in_full() -> None:
    passages = [text for _, text in REPORTS.values()]
    found = redundancy.repeated_name(MULTI_CLAIM, passages)
    assert found == redundancy.RepeatedName("quell", "Mara Quell", 4)
    # The full form where the passages give it; the last word in any case where they do not.
    full = found.pattern(passages)
    assert full.search("as Mara Quell said") and not full.search("as Quell said")
    # The usual full form, not the longest: a one-off "Gabe Quell" (a brother, say) is someone else.
    brother = redundancy.repeated_name(MULTI_CLAIM, [*passages, "Her brother Gabe Quell spoke for her."])
    assert brother is not None and (brother.full, brother.mentions) == ("Mara Quell", 5)
    short = found.pattern(["Quell declined to comment."])
    assert short.search("QUELL said no") and not short.search("Mara Quellmann")


def test_names_the_question_gives_calendar_words_and_common_words_do_not_count() -> None:
    passages = [
        "On Monday, Tom Brandt met Ada Vine. On Monday, Brandt met Vine again.",
        "On the pier, Brandt waved. On Monday, the council met on the pier.",
    ]
    # "Brandt" is named by the question; "Monday" is a weekday; "On" is also written in lower case.
    assert redundancy.repeated_name("What did Tom Brandt say?", passages) == redundancy.RepeatedName(
        "vine", "Ada Vine", 2
    )
    # A tie names nobody.
    assert redundancy.repeated_name("Who met whom?", ["Ada Vine met Tom Brandt."]) is None
    assert redundancy.repeated_name("Who met whom?", ["the council met."]) is None
    # A leading word the passages also write in lower case is no part of the name.
    found = redundancy.repeated_name("Who?", ["It was sold. On Amazon it is cheap, and on Amazon prices drop."])
    assert found == redundancy.RepeatedName("amazon", "Amazon", 2)



def test_the_full_form_is_read_from_the_passages_the_answer_may_quote() -> None:
    # Counted over all five passages; written in full only in the fourth and fifth, which (with the first)
    # are the ones the answer may come from (the second and third are another report's, say).
    texts = [
        "Quell spoke at the harbour.", "Quell left early.", "The council thanked Quell.",
        "Mara Quell designed the barrier.", "Mara Quell said it would hold.",
    ]
    favoured = engine._repeated_name(MULTI_CLAIM, texts, one_claim=False, answer_from=frozenset({0, 3, 4}))
    assert favoured is not None
    assert favoured.search("as Mara Quell said") and not favoured.search("as Quell said")
    # Read from passages that give only the last word, any mention of it counts.
    by_key = engine._repeated_name(MULTI_CLAIM, texts, one_claim=False, answer_from=frozenset({0, 1, 2}))
    assert by_key is not None and by_key.search("as Quell said")
    assert engine._repeated_name(MULTI_CLAIM, texts, one_claim=True, answer_from=frozenset({0, 3, 4})) is None

def test_questions_that_ask_for_a_name() -> None:
    assert redundancy.asks_for_name("Who is the engineer who designed the barrier?")
    assert redundancy.asks_for_name("Which company, known for e-readers, faced a stock decline?")
    assert redundancy.asks_for_name("What is the name of the organization behind ChatGPT?")
    assert not redundancy.asks_for_name("Which city saw the largest protests?")
    assert not redundancy.asks_for_name("Which year was the treaty signed?")
    assert not redundancy.asks_for_name("How many troops were sent?")
    assert not redundancy.asks_for_name("Why did the protests start?")


def test_a_span_that_names_the_favoured_entity_scores_double() -> None:
    passage = "The council praised the barrier. Its designer, Mara Quell, thanked the council."
    weights = {"council": 1.0, "praised": 1.0, "barrier": 1.0}
    plain = answer.score_sentences("Who did the council praise?", [passage], weights)
    favoured = answer.score_sentences(
        "Who did the council praise?", [passage], weights,
        favoured=redundancy.RepeatedName("quell", "Mara Quell", 1).pattern([passage]),
    )
    by_span = {(s.start, s.end): s.score for s in plain}
    for span in favoured:
        named = "Mara Quell" in passage[span.start : span.end]
        base = by_span[span.start, span.end] - answer.RANK_PRIOR
        assert span.score - answer.RANK_PRIOR == pytest.approx(base * (2.0 if named else 1.0))


@pytest.fixture(scope="module")
def barrier_client(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[TestClient]:
    index = tmp_path_factory.mktemp("redundancy") / "index"
    documents = [
        SourceDocument(id=doc_id, text=text, title="Tidal barrier", date="2023-10-05", source=source)
        for doc_id, (source, text) in REPORTS.items()
    ] + [SourceDocument(id=f"other-{n}", text=text, source="Town Crier") for n, text in enumerate(OTHER)]
    ingest(index, documents, encoder=encoder)
    with app_client(index, encoder) as client:
        yield client


def test_a_multi_claim_question_is_answered_with_the_name_its_passages_share(barrier_client: TestClient) -> None:
    response = barrier_client.post("/v1/query", json={"question": MULTI_CLAIM, "k": 5})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["answer"] is not None
    assert "Mara Quell" in body["answer"]["text"]
    # One claim: the sentence that states it answers, not the story's most mentioned name.
    single = barrier_client.post("/v1/query", json={"question": "Who asked why the budget doubled?", "k": 5})
    assert single.status_code == 200, single.text
    assert "Tom Brandt" in (single.json()["answer"] or {}).get("text", "")
