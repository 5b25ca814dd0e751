"""Wrapping of the pohon kinerja's text (issue 12, item 3): an unbroken word longer than a line is cut into
the longest pieces that fit, in time linear in its length (measured by scripts/bench_tree.py, not here).

With a measure of 1 mm per character (monkeypatched), the line counts are worked out by hand; with the real
font, the pieces are checked against the definition: each fits, the next character would not, and together
they give the word back.
"""

from __future__ import annotations

import pytest

from xl_sakip import tree
from xl_sakip.tree import text_width, wrap


@pytest.fixture
def one_mm_per_char(monkeypatch):
    monkeypatch.setattr(tree, "text_width", lambda text, size_pt, bold=False: float(len(text)))


def test_forty_thousand_character_word_in_fixed_width(one_mm_per_char) -> None:
    word = "x" * 40_000
    lines = wrap(word, 50.0, 6.0)
    assert len(lines) == 800  # 40 000 / 50
    assert all(line == "x" * 50 for line in lines)


def test_long_word_between_words(one_mm_per_char) -> None:
    # "ab" alone (the word does not fit after it); 40 003 characters: 800 lines of 50 and 3 left, to which
    # "cd" is added ("xxx cd", 6 <= 50).
    lines = wrap("ab " + "x" * 40_003 + " cd", 50.0, 6.0)
    assert len(lines) == 1 + 800 + 1
    assert lines[0] == "ab" and lines[-1] == "xxx cd"
    assert set(lines[1:-1]) == {"x" * 50}


def test_width_narrower_than_one_character(one_mm_per_char) -> None:
    assert wrap("abc", 0.5, 6.0) == ["a", "b", "c"]


def test_pieces_of_a_long_word_with_the_real_font() -> None:
    word = ("Ketenagakerjaan" * 700)[:10_000]  # one unbroken word of 10 000 characters
    width, size = 40.0, 5.9
    lines = wrap(word, width, size)
    assert "".join(lines) == word
    for k, line in enumerate(lines):
        assert text_width(line, size) <= width
        if k < len(lines) - 1:  # the longest piece that fits: one more character would not
            assert text_width(line + lines[k + 1][0], size) > width
    # A width of 40 mm at 5,9 pt holds at most 40 / (5,9 pt x 0,353 mm x 0,3 em for the narrowest letters):
    # far fewer than 10 000 characters, so the word is cut many times.
    assert len(lines) > 10
