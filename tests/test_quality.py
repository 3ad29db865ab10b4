"""Retrieval and answer behaviour the quality issue asks for, through the real app, model and index."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ingest.encoder import Encoder
from service import abstention, answer, answer_type, dedup, query_hints, thesaurus
from service.lexical import stem
from tests.conftest import KZ_QA
from tests.live_server import app_client

TASS_DOC = "002_d9654804989babff"
REWRITTEN_PAIR = {"000_47f4620c9fdd8a53", "001_7bd650501039e11f"}  # one story, the second rewritten


def ask(client: TestClient, question: str, **options: Any) -> dict[str, Any]:
    response = client.post("/v1/query", json={"question": question, **options})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def dev_questions() -> list[dict[str, Any]]:
    return [json.loads(line) for line in KZ_QA.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_passages_expose_component_scores_tokens_and_highlight(kz_client: TestClient) -> None:
    body = ask(kz_client, "Who commanded the CSTO peacekeeping contingent?", k=5)
    for passage in body["passages"]:
        assert set(passage["scores"]) == {"dense", "lexical"}
        assert passage["scores"]["dense"] is not None or passage["scores"]["lexical"] is not None
        assert passage["tokens"] > 0
        highlight = passage["highlight"]
        assert 0 <= highlight["start"] < highlight["end"] <= len(passage["text"])
    top = body["passages"][body["answer"]["citations"][0]]
    assert top["text"][top["highlight"]["start"] : top["highlight"]["end"]] == body["answer"]["text"]
    assert set(body["support"]) == {"dense", "coverage", "sentence", "semantic", "confidence", "typed"}
    assert body["support"]["confidence"] == pytest.approx(body["answer"]["confidence"], abs=1e-4)


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


@pytest.mark.parametrize(
    ("question", "kind", "focus"),
    [
        ("On what date did the protests begin?", "date", "date"),
        ("In which city did the largest pogroms take place?", "place", "city"),
        ("From which country did most militants come?", "place", "country"),
        ("Under what condition may peacekeepers use weapons?", "condition", "condition"),
        ("Why did fuel prices double?", "reason", None),
        ("Which Ukrainian events did Putin compare the riots to?", None, None),
        # The interrogative after a preamble or an opening hedge still names the kind of answer.
        ("According to the January 8 report, how many people were injured?", "number", None),
        ("Roughly how many troops did the bloc send?", "number", None),
        ("In the leaders' phone call, on what date did the talks begin?", "date", "date"),
        ("Fuel went up to 120 tenge - what was it before?", None, None),
        # A role or body after "which" asks for a name; the role is evidence, not a generic kind word.
        ("Which White House spokesperson criticised the order?", "name", None),
        ("Which former leader did Tokayev remove from his post?", "name", None),
        ("What is the name of the CSTO's secretary general?", "name", None),
        ("Which of the reports mentions the airport?", None, None),
    ],
)
def test_answer_type_and_focus_word(question: str, kind: str | None, focus: str | None) -> None:
    assert answer_type.expected_type(question) == kind
    assert answer_type.focus_word(question) == focus


def test_a_number_or_date_question_is_not_answered_by_a_span_without_one(kz_client: TestClient) -> None:
    """The reports name Belarus among the contingents but never its troop numbers, and say the peacekeepers
    stay as long as the situation requires, never when they left: the best-matching sentences (a list of
    countries; the duration "will depend on the situation") cannot answer "how many" or "when"."""
    for question in ("How many troops did Belarus contribute to the peacekeeping contingent?",
                     "When did the peacekeepers leave Kazakhstan?"):
        body = ask(kz_client, question, k=5)
        assert body["answer"] is None and body["support"]["typed"] == 0.0, question
    counted = ask(kz_client, "How many peacekeeping troops did the CSTO initially send to Kazakhstan?", k=5)
    assert "2500" in counted["answer"]["text"] and counted["support"]["typed"] == 1.0
    assert ask(kz_client, "Who commanded the CSTO peacekeeping contingent?", k=5)["support"]["typed"] is None


@pytest.mark.parametrize(
    ("sentence", "offers"),
    [
        ("White House spokesman Karin Jean-Pierre assessed the order.", True),
        ("On Friday, January 7, Kazakh President Kassym-Zhomart Tokayev ordered to open fire.", False),
        ("The order was reported by TASS.", True),
        ("The order worried the international community.", False),
    ],
)
def test_a_name_answer_names_someone_the_question_does_not(sentence: str, offers: bool) -> None:
    """A name candidate is told by its last word ("Tokayev" of "Kazakh President Kassym-Zhomart Tokayev"
    is the question's own); month and weekday names name no one; acronyms are names."""
    question = "Which White House spokesperson said Tokayev's order to fire worried the international community?"
    assert answer_type.offers_answer(question, "name", sentence) == offers


@pytest.mark.parametrize(
    ("question", "span", "typed"),
    [
        ("How many troops were sent?", "About 2500 troops were deployed.", 1.0),
        ("How many troops were sent?", "Dozens of troops were deployed.", 1.0),
        ("How many troops were sent?", "Troops from Belarus and Armenia were deployed.", 0.0),
        ("When did the protests begin?", "Protests began on Sunday.", 1.0),
        ("When did the protests begin?", "Protests began after the fuel price rose.", 0.0),
        ("What new price did the program set?", "The program set a lower price.", 0.0),
        ("Who commanded the contingent?", "Colonel-General Serdyukov commanded it.", None),
    ],
)
def test_typed_feature(question: str, span: str, typed: float | None) -> None:
    feature = abstention.typed_feature(question, span)
    assert feature.get("typed") == typed
    assert abstention.answers({"confidence": 0.9, **feature}) == (typed != 0.0)
    assert not abstention.answers({"confidence": 0.1, **feature})


@pytest.fixture(scope="module")
def related_words(encoder: Encoder) -> Iterator[thesaurus.Thesaurus]:
    """The real model's thesaurus, installed for answer scoring as the engine installs it."""
    loaded = thesaurus.load(Path(encoder.info.path), answer.lemma_stem)
    assert loaded is not None
    answer.use_thesaurus(loaded)
    yield loaded


def test_thesaurus_relates_word_forms_spellings_and_synonyms(related_words: thesaurus.Thesaurus) -> None:
    def related(word: str) -> dict[str, float]:
        return dict(related_words.related(answer.lemma_stem(word)))

    assert answer.lemma_stem("injuries") in related("injured")  # Porter keeps "injur" and "injuri" apart
    assert related("defence")[answer.lemma_stem("defense")] > 0.8
    assert answer.lemma_stem("troops") in related("soldiers")
    assert answer.lemma_stem("best") not in related("worst")  # an antonym sits below the bar
    assert related_words.related("notawordstem") == ()


def test_a_related_word_counts_in_evidence_but_not_in_the_abstention_features(
    related_words: thesaurus.Thesaurus,
) -> None:
    weights = {"people": 1.0, "injured": 1.0}
    sentence = "More than 1000 people got serious injuries."
    assert answer.evidence_coverage(sentence, weights) > answer.evidence_coverage("1000 people came.", weights)
    assert answer.coverage(weights, answer.stems_of(sentence)) == 0.5  # the model was fitted on exact words
    scored = answer.score_sentences("How many people were injured?", [sentence], weights)
    assert scored[0].coverage == 0.5


def test_a_model_folder_without_a_token_table_has_no_thesaurus(tmp_path: Path) -> None:
    (tmp_path / "vocab.txt").write_text("injured\ninjuries\n", encoding="utf-8")
    assert thesaurus.load(tmp_path, answer.lemma_stem) is None


def test_the_question_may_name_a_thing_in_other_words(kz_client: TestClient) -> None:
    """"defence ministry" for "Defense Minister": the passage that says it now comes first."""
    body = ask(kz_client, "What did the defence ministry say about the transfer of troops?", k=5)
    assert "Defense Minister Sergei Shoigu" in body["passages"][0]["text"]


@pytest.mark.parametrize(
    "question",
    [
        "On which day did the demonstrations in Kazakhstan start?",
        "What date did the first aircraft carrying Russian troops land in Alma-Ata?",
        "Where did the worst pogroms of the unrest happen?",
    ],
)
def test_the_passage_the_answer_quotes_ranks_first(kz_client: TestClient, question: str) -> None:
    """Retrieval ranks each of these answers' passage second; the answer step, reading every sentence,
    finds the answer there, so that passage is shown first and the citations are renumbered with it."""
    body = ask(kz_client, question, k=5)
    citations = body["answer"]["citations"]
    assert citations[0] == 0
    first = body["passages"][0]
    assert first["text"][first["highlight"]["start"] : first["highlight"]["end"]] == body["answer"]["text"]
    assert [p["rank"] for p in body["passages"]] == list(range(1, len(body["passages"]) + 1))
    for cited in citations:
        assert body["answer"]["text"] in body["passages"][cited]["text"]


def test_a_relative_day_counts_as_a_date_but_a_calendar_date_is_preferred(kz_client: TestClient) -> None:
    question = "When did Tokayev formally ask the CSTO states for help?"
    quoted = "Relying on the treaty, today I turned to the heads of the CSTO states."
    assert answer_type.offers_answer(question, "date", quoted)  # it does answer, relative to the report
    assert not answer_type.offers_answer(question, "date", quoted, relative_days=False)
    assert answer_type.offers_answer(question, "date", "On January 5, Tokayev turned to the CSTO.", relative_days=False)
    # Tokayev's own "today I turned to the heads of the CSTO states" matches more words; the report that
    # dates his request is the answer.
    assert "January 5" in ask(kz_client, question, k=5)["answer"]["text"]


def test_a_british_spelling_finds_what_the_american_one_finds(kz_client: TestClient) -> None:
    """The reports write "liter" and "stabilization"; the question's spelling must not change the results
    (`service.spelling`)."""
    for british, american in [
        ("What did a litre of car fuel cost before the protests?",
         "What did a liter of car fuel cost before the protests?"),
        ("When was the situation in Kazakhstan stabilised?", "When was the situation in Kazakhstan stabilized?"),
    ]:
        asked, expected = ask(kz_client, british, k=5), ask(kz_client, american, k=5)
        assert asked["question"] == british
        assert [p["id"] for p in asked["passages"]] == [p["id"] for p in expected["passages"]]
        assert asked["answer"] == expected["answer"]


def _widened(text: str, sentence: str) -> str:
    start = text.index(sentence)
    span = answer.whole_quotation(text, answer.SentenceScore(0, start, start + len(sentence), 1.0, 1.0))
    return text[span.start : span.end]


def test_an_answer_does_not_cut_a_quotation_open() -> None:
    quoted = ("Militants operate there. This was stated by Kosachev. “Well-organized militants appeared from "
              "abroad. Calling things by their names – first of all, from Afghanistan, ”he explained.")
    opening = "“Well-organized militants appeared from abroad."
    assert _widened(quoted, opening) == quoted[quoted.index(opening):]  # to where the quotation closes
    asked = "“What negotiations can there be with bandits? They need to be destroyed. This will be done, ”he said."
    assert _widened(asked, "This will be done, ”he said.") == asked  # back to where it opens
    closed = "He said: “We will stay.” Then he left. “Soon,” he added."
    assert _widened(closed, "He said: “We will stay.”") == "He said: “We will stay.”"
    assert _widened("“Headline quote.\nThe story starts here.", "The story starts here.") == "The story starts here."
    long = "“One. Two. Three. Four. Five,” he said."
    assert _widened(long, "“One.") == "“One."  # a quotation longer than the span plus two sentences


def test_an_answer_from_a_quotation_holds_its_end(kz_client: TestClient) -> None:
    """The answer is in the quotation's last sentence, two sentences after the one that matches."""
    body = ask(kz_client, "Which country did Kosachev name first of all as the source of the militants?", k=5)
    assert "from Afghanistan" in body["answer"]["text"]
    assert body["answer"]["text"].startswith("“Well-organized militants")


def test_irregular_verbs_meet_their_base_form() -> None:
    assert answer.lemma_stem("began") == answer.lemma_stem("begin") == stem("begin")
    assert answer.coverage({"flown": 1.0, "aircraft": 1.0}, answer.stems_of("They fly by aircraft")) == 1.0


def test_evidence_coverage_credits_question_terms_that_stand_together() -> None:
    weights = {"fraud": 2.0, "conspiracy": 2.0, "charges": 1.0}  # question order: "fraud and conspiracy charges"
    together = "He faces fraud and conspiracy charges in New York."
    scattered = "Charges were filed after a conspiracy theory spread online, and the fraud team later stepped in."
    assert answer.coverage(weights, answer.stems_of(together)) == answer.coverage(weights, answer.stems_of(scattered))
    assert answer.evidence_coverage(together, weights) == pytest.approx(1.0)
    assert answer.evidence_coverage(scattered, weights) < answer.evidence_coverage(together, weights)
    assert answer.evidence_coverage("Nothing relevant here.", weights) == 0.0


def test_answer_is_the_supporting_sentence_not_a_restatement() -> None:
    passage = "The beginning of the protests. Protests began on Sunday, January 2, due to rising gas prices."
    scores = answer.score_sentences("On what date did the protests begin?", [passage], {"protests": 1.0, "begin": 1.0})
    best = scores[0]
    assert passage[best.start : best.end].startswith("Protests began on Sunday, January 2")
