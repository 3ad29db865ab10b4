"""British and American spellings: a question word the index never uses is read in the index's spelling."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable

from service.spelling import index_spelling, other_spellings


def test_each_family_maps_both_ways() -> None:
    pairs = [("stabilised", "stabilized"), ("organisations", "organizations"), ("analyse", "analyze"),
             ("litre", "liter"), ("centres", "centers"), ("colour", "color"), ("favourite", "favorite"),
             ("defence", "defense"), ("programme", "program")]
    for british, american in pairs:
        assert american in other_spellings(british)
        assert british in other_spellings(american)
    assert other_spellings("four") == other_spellings("hour") == []


def _index_of(*words: str) -> Callable[[Iterable[str]], Collection[str]]:
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
