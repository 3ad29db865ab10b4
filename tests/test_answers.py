"""Answer extraction through the real app, model and index: answer types, related words, quotations,
spans that state the question rather than restate it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ingest.encoder import Encoder
from ingest.pipeline import ingest
from ingest.records import SourceDocument
from ingest.store import StoredDocument
from service import abstention, answer, answer_type, query_hints, retrieval, thesaurus
from service.lexical import query_terms, stem
from tests.conftest import ask
from tests.live_server import app_client


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
    # The sentence quoting "Articles 2 and 4 of the Collective Security Treaty" holds no amount.
    killed = ask(kz_client, "How many CSTO peacekeepers were killed during the operation?", k=5)
    assert killed["answer"] is None and killed["support"]["typed"] == 0.0
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
        # A number that labels something is no amount.
        ("How many peacekeepers were killed?", "The council, guided by Articles 2 and 4 of the treaty, acted.", 0.0),
        ("How much did the operation cost?", "See Section 3, paragraph 12, and No. 7.", 0.0),
        ("How many articles did the treaty invoke?", "It invoked Articles 2 and 4, two articles.", 1.0),
        # Nor is a date's day or year; a bare four-digit count still is.
        ("How many bandits attacked the city?", "Bandits attacked the city on January 5, 2022.", 0.0),
        ("How many bandits attacked the city?", "In 2022 the city was attacked (05.01.2022).", 0.0),
        ("How many bandits attacked the city?", "On January 5, some 2000 bandits attacked the city.", 1.0),
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


def test_a_long_sentence_is_read_clause_by_clause() -> None:
    sentence = ("The protests are continuing across the country and dozens have been killed including police "
                "officers and more than 1000 people got serious injuries during the violence erupted a week ago.")
    assert answer.clauses_of(sentence) == [
        "The protests are continuing across the country",
        "dozens have been killed including police officers",
        "more than 1000 people got serious injuries during the violence erupted a week ago.",
    ]
    assert answer.clauses_of("Protests began on Sunday, January 2.") == ["Protests began on Sunday"]  # too short
    assert answer.clauses_of("The cost per liter doubled.") == []


@pytest.mark.parametrize(
    "question", ["How many people were badly injured in the violence?", "How many people suffered serious injuries?"]
)
def test_an_answer_in_one_clause_of_a_long_sentence_is_given(kz_client: TestClient, question: str) -> None:
    """The report states the figure in the last of three clauses of one sentence; the question's
    similarity to that sentence as a whole is below 0.5, to the clause above 0.7. Judged on the whole
    sentence, the answer was withheld."""
    body = ask(kz_client, question, k=5)
    assert body["support"]["semantic"] > 0.7
    assert body["answer"] is not None and "more than 1000 people" in body["answer"]["text"]


def test_a_question_of_several_claims_is_compared_with_whole_spans(kz_client: TestClient) -> None:
    """Its claims are spread over the sentence's clauses (the injured, the police officers killed): no one
    clause states it, so the sentence's own similarity is what counts."""
    one = ask(kz_client, "How many people were badly injured in the violence?", k=5)
    several = ask(kz_client, "How many people were badly injured in the violence, while dozens of police officers "
                             "were killed?", k=5)
    assert several["answer"]["text"] == one["answer"]["text"]
    assert several["support"]["semantic"] < 0.5 < 0.7 < one["support"]["semantic"]


def test_a_sentence_is_chosen_by_its_closest_clause(kz_client: TestClient) -> None:
    """"Chairman of the CSTO Collective Security Council, Prime Minister of Armenia Nikol Pashinyan" is one
    clause of a long sentence about a phone call: read as a whole, that sentence lost to one that repeats
    the Council's name in a quotation and names nobody who chairs it."""
    body = ask(kz_client, "Who chaired the CSTO Collective Security Council during the unrest?", k=5)
    assert "Pashinyan" in body["answer"]["text"]


def test_a_pair_of_sentences_is_not_lifted_by_its_clauses(kz_client: TestClient) -> None:
    """Read by its closest clause, the sentence that answers matches better than the pair it forms with the
    next sentence ("The UN and OSCE are aware …"), which is read whole: the shorter span is the answer."""
    text = ask(kz_client, "Which facilities do the peacekeepers guard?", k=5)["answer"]["text"]
    assert text.endswith("they only guard the military and other state facilities.")


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


@pytest.mark.parametrize(
    ("named", "allowed"),
    [
        # A question that names no report (every passage is "named"): the three best passages.
        ([True] * 5, {0, 1, 2}),
        # The best three of those from the named reports, with those whose outlet or date is unknown.
        ([None, False, True, False, True, True], {0, 2, 4}),
        # No passage known to be from a named report: the names rule nothing out.
        ([False, None, False, False], {0, 1, 2}),
        ([None, None, False], {0, 1, 2}),
    ],
)
def test_the_answer_comes_from_the_reports_the_question_names(named: list[bool | None], allowed: set[int]) -> None:
    assert answer.answer_passages(named) == allowed


def test_a_report_is_named_by_its_outlet_and_date_where_they_are_known() -> None:
    def report(source: str | None, date: str | None) -> StoredDocument:
        return StoredDocument(id="d", title=None, date=date, source=source, url=None, origin="test",
                              content_hash="0", chunks=1)

    october_7 = query_hints.mentioned_dates("the report published on October 7, 2023")
    assert retrieval.named_report(report("Harbor Times", "2023-10-07"), {"Harbor Times"}, october_7) is True
    assert retrieval.named_report(report("Valley Post", "2023-10-07"), {"Harbor Times"}, october_7) is False
    assert retrieval.named_report(report("Harbor Times", "2023-10-08"), {"Harbor Times"}, october_7) is False
    assert retrieval.named_report(report(None, "2023-10-07"), {"Harbor Times"}, october_7) is None
    assert retrieval.named_report(report("Harbor Times", None), set(), october_7) is None
    assert retrieval.named_report(report(None, None), {"Harbor Times"}, october_7) is None
    assert retrieval.named_report(report(None, "2023-10-08"), {"Harbor Times"}, october_7) is False
    assert retrieval.named_report(report(None, None), set(), ()) is True


@pytest.mark.parametrize(
    ("question", "of_reports"),
    [
        ("What did the report published on January 8 say about the unrest?", True),
        ("According to the January 8 article, how many people were injured?", True),
        ("Did TechCrunch, reporting on October 12, agree?", True),
        # A date the question does not give as a report's is the event's.
        ("What did Tokayev announce on the afternoon of January 5?", False),
        ("Which channel aired the January 7 speech?", False),
    ],
)
def test_a_date_is_a_reports_date_when_the_question_speaks_of_reports(question: str, of_reports: bool) -> None:
    hints = query_hints.read_question(question, [], year=2022)
    assert hints.dates
    assert query_hints.report_dates(hints) == (hints.dates if of_reports else ())


def test_a_question_about_the_report_of_a_date_is_answered_from_that_report(kz_client: TestClient) -> None:
    """Retrieval ranks a passage of a January 7 report first; the question asks what the January 8 report
    says, and the answer comes from the report of that date."""
    body = ask(kz_client, "According to the report published on January 8, what happened to the Kazakh unrest?", k=5)
    assert body["answer"] is not None
    cited = body["passages"][body["answer"]["citations"][0]]
    assert cited["date"] == "2022-01-08"
    assert "anti-government protests" in body["answer"]["text"]


# An event of October 7 that a later report tells of, beside a report of October 7 about something else.
DATED_REPORTS = {
    "council-oct-7": ("2023-10-07", "The council met to discuss the harbour budget. Members argued for an hour "
                      "about mooring fees for the marina and the cost of dredging the channel."),
    "pier-oct-9": ("2023-10-09", "On October 7, the mayor announced that the old pier would close for good "
                   "after storm damage. Fishermen protested at the town hall the next morning."),
}


def test_a_date_the_question_gives_as_an_events_does_not_narrow_the_answer_to_that_days_reports(
    tmp_path_factory: pytest.TempPathFactory, encoder: Encoder
) -> None:
    index = tmp_path_factory.mktemp("dated") / "index"
    reports = [
        SourceDocument(id=name, text=text, date=date, source="Harbor Times")
        for name, (date, text) in DATED_REPORTS.items()
    ]
    ingest(index, reports, encoder=encoder)
    with app_client(index, encoder) as client:
        body = ask(client, "What did the mayor announce on October 7?", k=5)
    assert body["answer"] is not None
    assert body["passages"][body["answer"]["citations"][0]]["doc_id"] == "pier-oct-9"
    assert "old pier would close" in body["answer"]["text"]


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


def test_how_many_and_how_much_are_question_words_not_terms() -> None:
    """No passage needs to say "many" to answer "how many troops"; elsewhere the word is a term."""
    assert query_terms("How many troops did the CSTO send?") == ["troops", "csto", "send"]
    assert query_terms("How much did fuel cost?") == ["fuel", "cost"]
    assert query_terms("How long did the troops stay?") == ["troops", "stay"]
    assert "many" in query_terms("Many residents left the city.")


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
