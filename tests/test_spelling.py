"""British and American spellings: a question word the index never uses is read in the index's spelling."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from fastapi.testclient import TestClient

from service.spelling import index_spelling, other_spellings


def test_each_family_maps_both_ways() -> None:
    pairs = [("stabilised", "stabilized"), ("organisations", "organizations"), ("analyse", "analyze"),
             ("litre", "liter"), ("centres", "centers"), ("colour", "color"), ("favourite", "favorite"),
             ("defence", "defense"), ("programme", "program")]
    for british, american in pairs:
        assert american in other_spellings(british)
        assert british in other_spellings(american)
    assert other_spellings("four") == other_spellings("hour") == []


def _index_of(*words: str) -> Any:
    def in_index(asked: Iterable[str]) -> Collection[str]:
        return {word for word in asked if word in words}

    return in_index


def test_only_a_word_the_index_lacks_is_respelled_and_keeps_its_capital() -> None:
    in_index = _index_of("stabilized", "organization", "sense", "officer")
    question = "Did the Organisation say the situation had stabilised, and does that make sense to an officer?"
    assert index_spelling(question, in_index) == (
        "Did the Organization say the situation had stabilized, and does that make sense to an officer?"
    )
    # A word with no other spelling in the index stays as written.
    assert index_spelling("What colour was the litre bottle?", in_index) == "What colour was the litre bottle?"


def test_a_british_spelling_finds_what_the_american_one_finds(kz_client: TestClient) -> None:
    """The reports write "liter" and "stabilization"; the question's spelling must not change the results."""
    def ask(question: str) -> dict[str, Any]:
        response = kz_client.post("/v1/query", json={"question": question, "k": 5})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    for british, american in [
        ("What did a litre of car fuel cost before the protests?",
         "What did a liter of car fuel cost before the protests?"),
        ("When was the situation in Kazakhstan stabilised?", "When was the situation in Kazakhstan stabilized?"),
    ]:
        asked, expected = ask(british), ask(american)
        assert asked["question"] == british
        assert [p["id"] for p in asked["passages"]] == [p["id"] for p in expected["passages"]]
        assert asked["answer"] == expected["answer"]
