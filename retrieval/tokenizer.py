"""Chinese tokenisation for BM25: a private jieba.Tokenizer with the project's user dictionary."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path

import jieba

from retrieval.confidence import DOMAIN_WORDS
from retrieval.knowledge import UserWord, load_userdict
from retrieval.normalize import normalize_text
from retrieval.spelling import TermSpeller

# Function words and question words that carry no topic; kept short on purpose.
STOPWORDS = frozenset(
    """
    的 了 是 在 和 与 及 或 等 对 把 被 给 向 从 由 为 以 于 之 其 也 都 就 还 又 并 而 且 则
    吗 呢 吧 啊 呀 么 嘛 哦 哪 哪个 哪些 哪里 哪儿 什么 怎么 怎样 怎么样 如何 多少 几 几个 是否
    有没有 能否 可否 能不能 可不可以 请问 一下 啥 干啥 干嘛 咋 咋样 谁
    我 我们 你 你们 他 他们 它 这 那 这个 那个
    这些 那些 个 一个 要 会 能 可以 想 请 有 没有 没 不 上 下 中 里 到 去 来 做 吧 之后
    the a an of to in for on and or is are what how which who where when do does can i we
    """.split()
)

# Numbers with a unit are kept whole as an extra token (500亿, 10万, 5.5%, 4号).
_NUMBER_UNIT = re.compile(r"\d+(?:\.\d+)?\s?(?:%|万|亿|件|家|号|元|年|个|项|倍)")
_WORD = re.compile(r"\w", re.UNICODE)
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _is_content(token: str) -> bool:
    if not _WORD.search(token) and "%" not in token:
        return False
    return token not in STOPWORDS and not all(unicodedata.category(c)[0] in "PZS" for c in token)


class Tokenizer:
    """Normalise then cut text into search tokens; all jieba state lives on this instance."""

    def __init__(self, user_words: Iterable[UserWord] = (), *, bigrams: bool = False) -> None:
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        words = list(user_words)
        for entry in words:
            self._jieba.add_word(entry.word, entry.freq, entry.tag)
        self._user_words = [entry.word for entry in words]
        self._names = frozenset(normalize_text(word) for word in self._user_words)
        self.bigrams = bigrams

    @classmethod
    def from_userdict(cls, path: Path, *, bigrams: bool = False) -> Tokenizer:
        """Build a tokenizer from a jieba user-dictionary file (missing file: no user words)."""
        words = load_userdict(path) if path.is_file() else []
        return cls(words, bigrams=bigrams)

    @cached_property
    def speller(self) -> TermSpeller:
        """Corrects homophone typos of the user dictionary's and the domain's terms."""
        return TermSpeller([*self._user_words, *DOMAIN_WORDS], self.is_word, self._jieba.cut)

    def is_word(self, text: str) -> bool:
        """True when jieba's dictionary (with the user words) holds text as a word."""
        return bool(self._jieba.FREQ.get(text))

    def is_name(self, token: str) -> bool:
        """A term of the knowledge: in the user dictionary, or a word general Chinese does not
        have (a code such as iso56005); "材料", "准备", "经费" are everyday words, rare or not."""
        return token in self._names or not self.is_word(token)

    def cut(self, text: str) -> list[str]:
        """Plain jieba segmentation of normalised text (for inspection and tests)."""
        return [t for t in self._jieba.cut(normalize_text(text)) if t.strip()]

    def tokenize(self, text: str) -> list[str]:
        """Search tokens: jieba search-mode words, number+unit tokens and optional Han bigrams."""
        norm = normalize_text(text)
        tokens = [t for t in self._jieba.cut_for_search(norm) if _is_content(t)]
        seen = set(tokens)
        tokens.extend(
            n for m in _NUMBER_UNIT.finditer(norm) if (n := m.group(0).replace(" ", "")) not in seen
        )
        if self.bigrams:
            tokens.extend(_han_bigrams(norm))
        return tokens


def _han_bigrams(text: str) -> list[str]:
    grams: list[str] = []
    for run in re.findall(r"[\u4e00-\u9fff]{2,}", text):
        grams.extend("#" + run[i : i + 2] for i in range(len(run) - 1))
    return grams
