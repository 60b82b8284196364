"""Where a resource is written: a light line index of Turtle and N-Triples files.

The index records, for every subject at the top level of a statement, the line it
first appears on, and for every (subject, predicate) pair the line of that
predicate. It tokenises (strings, comments, IRIs, prefixed names, brackets) but does
not build triples, so it is cheap and tolerant; nested blank-node content is skipped.

>>> from rdflib import URIRef
>>> index = SourceIndex()
>>> index.add_text("kb.ttl", '''@prefix ex: <http://ex.org/> .
... ex:a a ex:C ;
...     ex:name "a; b." ,
...         \"\"\"long
... text\"\"\" ;
...     ex:part [ ex:name "inner" ] .
... ''')
>>> str(index.locate(URIRef("http://ex.org/a"), "<http://ex.org/part>"))
'kb.ttl:6'
>>> str(index.locate(URIRef("http://ex.org/a"), None))
'kb.ttl:2'
"""

from __future__ import annotations

import bisect
import re
from pathlib import Path

from rdflib.term import Node

from atmp_graph.validation.report import Location

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_TOKEN = re.compile(
    r"""
    (?P<skip>\s+|\#[^\n]*
      |\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
      |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'
      |@(?!prefix\b|base\b)[A-Za-z]+(?:-[A-Za-z0-9]+)*|\^\^)
    |(?P<iri><[^<>"{}|^`\\\s]*>)
    |(?P<directive>@prefix|@base)
    |(?P<bnode>_:[\w.-]*\w|_:\w)
    |(?P<pname>(?:[A-Za-z][\w.-]*)?:(?:[\w:%-](?:[\w.:%-]*[\w:%-])?)?)
    |(?P<number>[+-]?\d*\.?\d+(?:[eE][+-]?\d+)?)
    |(?P<word>[A-Za-z_][\w-]*)
    |(?P<punct>[\[\]();,.])
    |(?P<other>.)
    """,
    re.X | re.S,
)
_INDEXED_SUFFIXES = (".ttl", ".nt", ".n3")


class SourceIndex:
    """Lines of subjects and of (subject, predicate) pairs across several files."""

    def __init__(self, *, only: set[str] | None = None) -> None:
        self._subjects: dict[str, Location] = {}
        self._pairs: dict[tuple[str, str], Location] = {}
        self._only = only

    @classmethod
    def from_files(cls, files: list[tuple[Path, str]], *, only: set[str] | None = None) -> SourceIndex:
        """Index ``(path, display name)`` pairs (Turtle and N-Triples; other formats are skipped).

        ``only``: the subject IRIs worth recording (the focus nodes of a report), to save memory.
        """
        index = cls(only=only)
        for path, name in files:
            suffix = path.suffix.lower()
            if suffix == ".nt":
                index.add_n_triples(name, path.read_text(encoding="utf-8", errors="replace"))
            elif suffix in _INDEXED_SUFFIXES:
                index.add_text(name, path.read_text(encoding="utf-8", errors="replace"))
        return index

    def add_n_triples(self, name: str, text: str) -> None:
        """N-Triples: one triple a line, so the subject and predicate are the first two terms.

        >>> from rdflib import URIRef
        >>> index = SourceIndex()
        >>> index.add_n_triples("x.nt", '<http://ex.org/a> <http://ex.org/p> "1" .\\n<http://ex.org/a> <http://ex.org/q> "2" .\\n')
        >>> str(index.locate(URIRef("http://ex.org/a"), "<http://ex.org/q>"))
        'x.nt:2'
        """
        subjects, pairs, only = self._subjects, self._pairs, self._only
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.startswith("<"):
                continue  # comments, blank lines and blank-node subjects
            subject_end = line.find("> <", 1)
            if subject_end < 0:
                continue
            subject = line[1:subject_end]
            if only is not None and subject not in only:
                continue
            predicate_end = line.find(">", subject_end + 3)
            predicate = line[subject_end + 3:predicate_end]
            if subject not in subjects:
                subjects[subject] = Location(name, number)
            if (subject, predicate) not in pairs:
                pairs[(subject, predicate)] = Location(name, number)

    def locate(self, focus: Node, path: str | None) -> Location | None:
        """The line of ``focus``'s ``path`` triple if the path is one predicate, else of ``focus``."""
        subject = str(focus)
        if path and path.startswith("<") and path.endswith(">") and path.count("<") == 1:
            found = self._pairs.get((subject, path[1:-1]))
            if found is not None:
                return found
        return self._subjects.get(subject)

    def add_text(self, name: str, text: str) -> None:
        newlines = [m.start() for m in re.finditer("\n", text)]
        prefixes: dict[str, str] = {}
        state, depth = "subject", 0
        subject: str | None = None
        directive: list[str] = []
        for match in _TOKEN.finditer(text):
            kind = match.lastgroup
            if kind == "skip":
                continue
            token = match.group()
            if directive:  # inside @prefix / PREFIX / @base / BASE, which ends at its IRI
                directive.append(token)
                if kind == "iri":
                    if directive[0].lower() in ("@prefix", "prefix") and len(directive) == 3:
                        prefixes[directive[1].rstrip(":")] = token[1:-1]
                    directive = []
                continue
            if token in "[(" and kind == "punct":
                depth += 1
                if state == "subject" and depth == 1:
                    subject, state = None, "predicate"
                continue
            if token in "])" and kind == "punct":
                depth = max(0, depth - 1)
                continue
            if depth > 0:
                continue
            if state == "subject":
                if kind == "directive" or (kind == "word" and token.lower() in ("prefix", "base")):
                    directive = [token]
                    continue
                if token == ".":
                    continue
                subject = _expand(token, kind, prefixes)
                if subject is not None and self._only is not None and subject not in self._only:
                    subject = None
                if subject is not None and subject not in self._subjects:
                    self._subjects[subject] = Location(name, _line(newlines, match.start()))
                state = "predicate"
            elif state == "predicate":
                if token == ".":
                    state = "subject"
                    continue
                predicate = _RDF_TYPE if token == "a" else _expand(token, kind, prefixes)
                if subject is not None and predicate is not None and (subject, predicate) not in self._pairs:
                    self._pairs[(subject, predicate)] = Location(name, _line(newlines, match.start()))
                state = "object"
            elif token == ";":
                state = "predicate"
            elif token == ".":
                state = "subject"


def _line(newlines: list[int], offset: int) -> int:
    return bisect.bisect_left(newlines, offset) + 1


def _expand(token: str, kind: str | None, prefixes: dict[str, str]) -> str | None:
    if kind == "iri":
        return token[1:-1]
    if kind == "pname":
        prefix, _, local = token.partition(":")
        namespace = prefixes.get(prefix)
        return None if namespace is None else namespace + local.replace("\\", "")
    return None

