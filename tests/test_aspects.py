"""Multi-part questions: aspects found in the question, the greedy aspect-covering order, and the effect on
a real index (real model, FAISS and SQLite)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ingest.encoder import Encoder
from ingest.pipeline import ingest
from ingest.records import SourceDocument
from ingest.store import StoredDocument
from service import answer, aspects, query_hints
from tests.live_server import app_client

WORDS = "council closed old pier storm damage ferry service resumed spring harbor times valley post says"
WEIGHTS = dict.fromkeys(WORDS.split(), 1.0)
OUTLETS = ["Harbor Times", "Valley Post", "Town Crier", "The Independent - Sports"]
OUTLET_WORDS = {"harbor", "times", "valley", "post", "town", "crier", "independent", "sports"}


def claims_of(question: str) -> list[query_hints.Clause]:
    """The question's claims, read with the test outlets' names known (and no claim words)."""
    return query_hints.clauses(question, sources=OUTLETS, ignore=OUTLET_WORDS)


def test_clauses_split_at_punctuation_and_contrast_but_not_at_a_bare_and() -> None:
    question = "Did the council close the old pier after storm damage, while the ferry service resumed in spring?"
    assert [clause.text for clause in query_hints.clauses(question)] == [
        "Did the council close the old pier after storm damage",
        "the ferry service resumed in spring",
    ]
    assert query_hints.clauses("Who faces fraud and conspiracy charges in the trial?") == []
    # Outlet names are shared by every part of a report: a part made only of them is no claim of its own.
    named = "Who closed the old pier after the storm, as reported by Harbor Times"
    assert query_hints.clauses(named, ignore={"harbor", "times"}) == []
    # A comma or colon inside a number or a time is no break; one after a number still is.
    priced = (
        "Did the council pay $1,250,000 for the pier at 10:30 on Monday, while the ferry resumed in 2023, as planned?"
    )
    assert [clause.text for clause in query_hints.clauses(priced)] == [
        "Did the council pay $1,250,000 for the pier at 10:30 on Monday",
        "the ferry resumed in 2023",
    ]


def test_clauses_are_attributed_to_the_outlets_named_in_or_beside_them() -> None:
    question = (
        "Did the council close the old pier after storm damage, as reported by both Harbor Times and "
        "Valley Post, while the ferry service resumed in spring?"
    )
    found = claims_of(question)
    assert [(clause.text, clause.sources) for clause in found] == [
        ("Did the council close the old pier after storm damage", {"Harbor Times", "Valley Post"}),
        ("the ferry service resumed in spring", frozenset()),
    ]
    # Named inside the claim, or before the first claim ("According to ..."): that claim is attributed.
    leading = "According to Town Crier, the council closed the old pier, while Valley Post says the ferry resumed"
    assert [clause.sources for clause in claims_of(leading)] == [
        {"Town Crier"}, {"Valley Post"},
    ]
    dated = "Did the report on the pier published on October 7, unlike the one on the ferry service, say so?"
    assert [clause.date for clause in query_hints.clauses(dated)] == [
        query_hints.DateMention(10, 7, None), None,
    ]


def test_a_question_naming_several_reports_without_a_break_is_divided_at_the_outlet_names() -> None:
    question = (
        "Did Harbor Times report the council closed the old pier before 'Valley Post' mentioned that the "
        "ferry service resumed on October 7?"
    )
    found = claims_of(question)
    assert [(clause.text, clause.sources, clause.date) for clause in found] == [
        ("Did Harbor Times report the council closed the old pier before", {"Harbor Times"}, None),
        ("'Valley Post' mentioned that the ferry service resumed on October 7", {"Valley Post"},
         query_hints.DateMention(10, 7, None)),
    ]
    # Only a question the ordinary breaks leave whole is divided so: two claims found by a comma stay as they are.
    punctuated = "Did Harbor Times say the pier closed, while Valley Post reported the ferry service resumed in spring?"
    assert [clause.text for clause in claims_of(punctuated)] == [
        "Did Harbor Times say the pier closed", "Valley Post reported the ferry service resumed in spring",
    ]
    # One outlet, or one outlet's name inside a longer feed name, divides nothing.
    single = "Did The Independent - Sports report that the council closed the old pier after the storm damage?"
    assert claims_of(single) == []
    # A list of outlets attributing one claim makes no claims of its own.
    listed = "Did the council close the old pier after the storm as both Harbor Times and Valley Post say?"
    assert claims_of(listed) == []


def test_a_longer_outlet_name_is_not_also_read_as_the_shorter_one_inside_it() -> None:
    feeds = ["The Independent - Sports", "The Independent - Travel", "Harbor Times"]
    assert query_hints.mentioned_sources("as The Independent - Sports reported", feeds) == {
        "The Independent - Sports"
    }
    # The short name alone still names every feed that carries it.
    assert query_hints.mentioned_sources("as The Independent reported", feeds) == {
        "The Independent - Sports", "The Independent - Travel",
    }


def test_an_outlet_name_counts_only_written_as_a_name_unless_the_question_is_all_lower_case() -> None:
    feeds = ["The Age", "Fortune", "The Independent - Sports"]
    question = "Did The Independent report on Britney Spears' struggles at the age of 21, and her fortune?"
    assert query_hints.mentioned_sources(question, feeds) == {"The Independent - Sports"}
    assert query_hints.read_question(question, feeds).sources == {"The Independent - Sports"}
    assert query_hints.mentioned_sources("What did The Age and Fortune report?", feeds) == {"The Age", "Fortune"}
    # Typed without capitals, a question has no case to go by: names match as they are spelled.
    assert query_hints.mentioned_sources("what did the age report about the pier?", feeds) == {"The Age"}
    # A part of a question is read with the whole question's case.
    parts = query_hints.clauses(
        "Did The Age say the council closed the old pier, while storm damage hit at the age of the ferry?",
        sources=feeds, ignore={"age"},
    )
    assert [clause.sources for clause in parts] == [{"The Age"}, frozenset()]


def test_a_quoted_claim_is_one_clause_whatever_punctuation_it_holds() -> None:
    question = (
        "Did Harbor Times report 'the council closed the old pier, citing storm damage', while Valley Post "
        "wrote that Ramaswamy's ferry service resumed in spring?"
    )
    assert [clause.text for clause in query_hints.clauses(question)] == [
        "Did Harbor Times report 'the council closed the old pier, citing storm damage'",
        "Valley Post wrote that Ramaswamy's ferry service resumed in spring",
    ]
    assert query_hints.quotations('He said “no, never” and “maybe”; Spears\' fans said "yes, now"') == [
        (8, 19), (24, 31), (51, 61),
    ]
    # A mark that never closes quotes nothing: the question splits as usual.
    unclosed = "Did the council say 'the old pier closed, after heavy storm damage struck the coast?"
    assert [clause.text for clause in query_hints.clauses(unclosed)] == [
        "Did the council say 'the old pier closed", "after heavy storm damage struck the coast",
    ]


def test_a_question_s_content_leaves_out_the_outlets_it_names_but_keeps_its_dates() -> None:
    feeds = ["CBSSports.com", "Harbor Times", "Valley Post"]
    hints = query_hints.read_question(
        "Did CBSSports.com and Harbor Times report on October 7 that the old pier closed?", feeds)
    assert hints.sources == {"CBSSports.com", "Harbor Times"}
    # "cbssports" and "cbssports.com" both match: their union is cut, with no ".com" left behind.
    assert hints.content == "Did and report on October 7 that the old pier closed?"
    assert hints.dates == (query_hints.DateMention(10, 7, None),)
    unnamed = query_hints.read_question("Who closed the old pier?", feeds)
    assert (unnamed.content, unnamed.sources) == ("Who closed the old pier?", frozenset())
    # A question about the outlet itself keeps its name: nothing else would be left to match.
    assert query_hints.read_question("What is Harbor Times?", feeds).content == "What is Harbor Times?"


def test_aspects_are_clauses_and_the_outlets_and_dates_when_several_are_named() -> None:
    question = (
        "Who closed the old pier after storm damage, as reported by Harbor Times, "
        "while Valley Post says the ferry service resumed in spring?"
    )
    found = aspects.question_aspects(question, WEIGHTS, {"Harbor Times", "Valley Post"}, [])
    clauses = [aspect for aspect in found if aspect.is_clause]
    assert [(set(aspect.weights), aspect.source) for aspect in clauses] == [
        ({"closed", "old", "pier", "storm", "damage"}, "Harbor Times"),
        ({"says", "ferry", "service", "resumed", "spring"}, "Valley Post"),
    ]
    assert {aspect.source for aspect in found if not aspect.is_clause} == {"Harbor Times", "Valley Post"}
    # A claim reported by two outlets needs a report from each: one aspect per outlet.
    both = (
        "Who closed the old pier after storm damage, as reported by both Harbor Times and Valley Post, "
        "while the ferry service resumed in spring?"
    )
    both_aspects = aspects.question_aspects(both, WEIGHTS, {"Harbor Times", "Valley Post"}, [])
    assert [(a.source, set(a.weights)) for a in both_aspects if a.is_clause] == [
        ("Harbor Times", {"closed", "old", "pier", "storm", "damage"}),
        ("Valley Post", {"closed", "old", "pier", "storm", "damage"}),
        (None, {"ferry", "service", "resumed", "spring"}),
    ]
    one_outlet = aspects.question_aspects("Who closed the old pier?", WEIGHTS, {"Harbor Times"}, [])
    assert one_outlet == []
    dates = query_hints.mentioned_dates("between the report on October 7 and the one on October 30")
    assert [aspect.date for aspect in aspects.question_aspects("x", {}, set(), dates)] == dates


def test_aspect_support_reads_the_passage_or_its_metadata() -> None:
    document = StoredDocument(id="d", title="t", date="2023-10-07", source="Harbor Times", url=None, origin="test",
                              content_hash="0", chunks=1)
    text = "The council closed the old pier. Storm damage was cited."
    pier = {"closed": 1.0, "old": 1.0, "pier": 1.0, "ferry": 1.0}
    clause = aspects.Aspect("closed old pier", weights=pier, is_clause=True)
    # 3 of the 4 words, and 2 of the 3 neighbouring pairs (closed-old, old-pier) close together
    covered = pytest.approx((0.75 + answer.PROXIMITY_WEIGHT * 2 / 3) / (1 + answer.PROXIMITY_WEIGHT))
    assert clause.support(text, document) == covered
    # A claim attributed to an outlet is supported by that outlet's reports only.
    assert aspects.Aspect("c", weights=pier, source="Harbor Times", is_clause=True).support(
        text, document) == covered
    assert aspects.Aspect("c", weights=pier, source="Valley Post", is_clause=True).support(text, document) == 0.0
    # ... and a claim about the report of one date by that date's reports only.
    assert aspects.Aspect("c", weights=pier, date=query_hints.DateMention(10, 7, None), is_clause=True).support(
        text, document) == covered
    assert aspects.Aspect("c", weights=pier, date=query_hints.DateMention(10, 8, None), is_clause=True).support(
        text, document) == 0.0
    assert aspects.Aspect("HT", source="Harbor Times").support(text, document) == 1.0
    assert aspects.Aspect("VP", source="Valley Post").support(text, document) == 0.0
    october_7 = query_hints.DateMention(10, 7, 2023)
    assert aspects.Aspect("date", date=october_7).support(text, document) == 1.0


def test_diversify_brings_the_uncovered_aspect_up_and_keeps_ties_in_order() -> None:
    relevance = {1: 1.0, 2: 0.95, 3: 0.9, 4: 0.6}
    support = {1: [1.0, 0.0], 2: [1.0, 0.0], 3: [0.9, 0.0], 4: [0.0, 1.0]}
    assert aspects.diversify([1, 2, 3, 4], relevance, support.__getitem__, depth=4) == [1, 4, 2, 3]
    # Relevance alone when the trade-off gives aspects no weight; `depth` bounds the greedy part.
    assert aspects.diversify([1, 2, 3, 4], relevance, support.__getitem__, depth=4, tradeoff=0.0) == [1, 2, 3, 4]
    assert aspects.diversify([3, 2, 1, 4], relevance, support.__getitem__, depth=1) == [1, 3, 2, 4]
    assert aspects.diversify([], relevance, support.__getitem__, depth=3) == []
    equal = {1: 0.5, 2: 0.5}
    assert aspects.diversify([2, 1], equal, {1: [], 2: []}.__getitem__, depth=2) == [2, 1]


def test_diversify_looks_for_another_claim_in_another_report() -> None:
    # Passages 1 and 2 are one article's, 3 another's; aspect 2 is the outlet both articles are from.
    relevance = {1: 1.0, 2: 0.9, 3: 0.8, 4: 0.7}
    support = {1: [0.9, 0.1, 1.0], 2: [0.1, 0.8, 1.0], 3: [0.0, 0.6, 1.0], 4: [0.7, 0.0, 1.0]}
    article = {1: "a", 2: "a", 3: "b", 4: "a"}.__getitem__
    ranked = [1, 2, 3, 4]
    # Without articles the second claim goes to the first article's other passage...
    assert aspects.diversify(ranked, relevance, support.__getitem__, depth=4)[:2] == [1, 2]
    # ... with them, to the other report, whose support (0.6) beats half the first article's (0.8).
    picked = aspects.diversify(ranked, relevance, support.__getitem__, depth=4, article=article, claims={0, 1})
    assert picked[:2] == [1, 3]
    # The claim the article was picked for is not discounted: its passage 4 still beats another report's 5
    # there (a discounted 0.7 would lose to 0.6).
    same_claim = {1: [0.9, 0.1, 1.0], 4: [0.7, 0.0, 1.0], 5: [0.6, 0.0, 1.0]}
    of = {1: "a", 4: "a", 5: "b"}.__getitem__
    equal = {1: 1.0, 4: 0.5, 5: 0.5}
    assert aspects.diversify([1, 5, 4], equal, same_claim.__getitem__, depth=3, article=of, claims={0, 1}) == [1, 4, 5]
    # A pick that supports no claim (here: two outlets) was made for none, and discounts nothing.
    outlets_only = {1: [0.0, 0.0, 1.0, 1.0], 2: [0.0, 0.5, 0.0, 0.0], 3: [0.0, 0.4, 0.0, 0.0]}
    ranked_by = {1: 1.0, 2: 0.9, 3: 0.8}
    assert aspects.diversify([1, 2, 3], ranked_by, outlets_only.__getitem__, depth=3, article=article,
                             claims={0, 1}) == [1, 2, 3]


# Six different Harbor Times reports on the pier, one Valley Post report that touches it, and unrelated
# reports that give the scores a floor.
PIER_REPORTS = (
    "The harbour council closed the old pier on Monday after storm damage to its timber deck.",
    "Storm damage left the old pier unsafe, engineers told the council, which closed it to walkers.",
    "Fishermen protested after the council closed the old pier; the storm damage will take months to mend.",
    "Why the council closed the old pier: inspectors found storm damage under the deck after the gale.",
    "The old pier stays closed, the council said, until storm damage to its piles is repaired.",
    "Councillors voted to keep the old pier closed after a survey of the storm damage on Monday.",
)
VALLEY = "Valley residents say the old pier has stayed shut for weeks, and the harbour cafe lost trade."
OTHER = (
    "The city library extended its opening hours for the exam season.",
    "A new bakery opened on the high street, selling rye bread and pastries.",
    "The football club signed a young goalkeeper from the national league.",
    "Rail fares will rise by three percent from January, the operator announced.",
)


def _documents() -> list[SourceDocument]:
    pier = [
        SourceDocument(id=f"harbor-{n}", text=text, title="Old pier closed", date=f"2023-10-0{n}",
                       source="Harbor Times")
        for n, text in enumerate(PIER_REPORTS, start=1)
    ]
    other = [SourceDocument(id=f"other-{n}", text=text, source="Town Crier") for n, text in enumerate(OTHER)]
    valley = SourceDocument(id="valley-1", text=VALLEY, title="Quiet quay", date="2023-10-09", source="Valley Post")
    return [*pier, valley, *other]


@pytest.fixture(scope="module")
def outlets_client(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[TestClient]:
    index = tmp_path_factory.mktemp("aspects") / "index"
    ingest(index, _documents(), encoder=encoder)
    with app_client(index, encoder) as client:
        yield client


QUESTION = "What did Harbor Times and Valley Post report about the council closing the old pier after storm damage?"


def test_a_question_naming_two_outlets_gets_both_at_the_top(outlets_client: TestClient) -> None:
    first = outlets_client.post("/v1/query", json={"question": QUESTION, "k": 5})
    assert first.status_code == 200, first.text
    passages = first.json()["passages"]
    assert {passage["source"] for passage in passages[:2]} == {"Harbor Times", "Valley Post"}
    again = outlets_client.post("/v1/query", json={"question": QUESTION, "k": 5}).json()
    assert [p["id"] for p in again["passages"]] == [p["id"] for p in passages]


# Each report states one claim of CLAIMS_QUESTION; the listing names nearly every word of both in one sentence
# and states neither.
CLAIM_REPORTS = {
    "ferry": "The island ferry company halted its winter crossings on Friday. Passengers must now fly to the mainland.",
    "cafe": "The harbour cafe lost trade for a month after the storm, its owner said. She hopes for a busy summer.",
    "listing": "Harbour trade fairs, winter ferry timetables, cafe opening hours and storm warnings are listed on the "
    "island company's crossings page. The page is updated weekly.",
}
CLAIMS_QUESTION = (
    "Which reports say that the island ferry company halted its winter crossings, "
    "and that the harbour cafe lost trade after the storm?"
)


def test_a_passage_that_states_one_claim_scores_above_one_that_only_shares_the_words_of_all(
    tmp_path_factory: pytest.TempPathFactory, encoder: Encoder
) -> None:
    index = tmp_path_factory.mktemp("claims") / "index"
    reports = [SourceDocument(id=name, text=text, source="Island Gazette") for name, text in CLAIM_REPORTS.items()]
    unrelated = [SourceDocument(id=f"other-{n}", text=text, source="Town Crier") for n, text in enumerate(OTHER)]
    ingest(index, [*reports, *unrelated], encoder=encoder)
    with app_client(index, encoder) as client:
        response = client.post("/v1/query", json={"question": CLAIMS_QUESTION, "k": 5})
    assert response.status_code == 200, response.text
    passages = response.json()["passages"]
    score = {passage["doc_id"]: passage["score"] for passage in passages}
    # Re-scored by its best-supported claim, not by how many of the whole question's words one sentence
    # holds (by which the listing would score higher).
    assert score["ferry"] > score["listing"]
    ranked = [passage["doc_id"] for passage in passages]
    assert ranked.index("ferry") < ranked.index("listing") and ranked.index("cafe") < ranked.index("listing")
