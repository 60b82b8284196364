"""A tokenizer for SPARQL text that follows the grammar's terminals (SPARQL 1.1, section 19.8).

It is not a parser: it tells IRIs, strings, comments, variables, prefixed names, words
and punctuation apart, with their positions, so that keywords and braces can be found
without being fooled by ``"SERVICE"`` in a string or ``}`` in an IRI.

>>> [(t.kind, t.text) for t in tokens('SELECT ?x { ?x ex:p "a } b" } # }')]
[('word', 'SELECT'), ('var', '?x'), ('other', '{'), ('var', '?x'), ('pname', 'ex:p'), ('string', '"a } b"'), ('other', '}')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)
  | (?P<pname>(?:[^\W\d_][\w.-]*)?:(?:[\w:%-]|\\[_~.!$&'()*+,;=/?\#@%-]|\.(?=[\w:%-]))*)
  | (?P<word>[^\W\d][\w-]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str  # iri, string, var, pname, word, other
    text: str
    start: int
    end: int

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words


def tokens(text: str) -> list[Token]:
    """The significant tokens of ``text`` (white space and comments dropped)."""
    return [
        Token(m.lastgroup or "other", m.group(), m.start(), m.end())
        for m in _TOKEN.finditer(text)
        if m.lastgroup not in ("ws", "comment")
    ]


def matching_brace(toks: list[Token], open_index: int) -> int:
    """The index of the ``}`` closing the ``{`` at ``open_index``; ``SyntaxError`` if unbalanced."""
    depth = 0
    for index in range(open_index, len(toks)):
        if toks[index].text == "{":
            depth += 1
        elif toks[index].text == "}":
            depth -= 1
            if depth == 0:
                return index
    raise SyntaxError("unbalanced braces: a '{' is never closed")
