"""Reading a turn: the words of a message beside the place it names."""

from __future__ import annotations

from actions.turn import without_place
from retrieval.schema import Park


def test_every_name_of_the_place_is_blanked_out_longest_first() -> None:
    park = Park(name="环同济知识经济圈", aliases=["环同济", "同济"])
    assert without_place("环同济知识经济圈 面积", park) == "面积"
    assert without_place("环同济有多大", park) == "有多大"
    assert without_place("我们在环同济", park) == "我们在"
