"""An in-memory index over the labels, acronyms and definitions of terms and individuals.

Built once from rows of (IRI, field, text) when the service starts; each search is then
a few dictionary and binary-search look-ups, never a scan with a regular expression.
Matches rank in tiers: an exact label or acronym first, then labels that start with the
query, then labels with words that start with the query words, then definitions, then
labels that are only similar (typos, missing letters).

>>> index = SearchIndex.build([
...     Entry("https://w3id.org/atmp/ontology/CytokineReleaseSyndrome", "label", "cytokine release syndrome", "en"),
...     Entry("https://w3id.org/atmp/ontology/CytokineReleaseSyndrome", "label", "Zytokin-Freisetzungssyndrom", "de"),
...     Entry("https://w3id.org/atmp/ontology/CytokineReleaseSyndrome", "altLabel", "CRS", "en"),
...     Entry("https://w3id.org/atmp/ontology/CrsGrade", "label", "CRS grade", "en"),
... ])
>>> [(h.iri.rsplit("/", 1)[1], h.match) for h in index.search("crs")]
[('CytokineReleaseSyndrome', 'exact'), ('CrsGrade', 'prefix')]
>>> index.search("Zytokin")[0].matched
'Zytokin-Freisetzungssyndrom'
>>> index.search("cytokine relase syndrom")[0].match
'fuzzy'
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

# Fields that name a thing (exact and prefix matches count) and fields that describe it.
NAME_FIELDS = ("label", "prefLabel", "altLabel", "notation", "hiddenLabel")
TEXT_FIELDS = ("definition",)
FIELDS = NAME_FIELDS + TEXT_FIELDS

# Tiers, best first; a hit's ``match`` is the name of its tier's kind.
_EXACT, _START, _WORDS, _DEFINITION, _FUZZY = range(5)
_MATCH_NAMES = {_EXACT: "exact", _START: "prefix", _WORDS: "prefix", _DEFINITION: "definition", _FUZZY: "fuzzy"}
_FUZZY_THRESHOLD = 0.72
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    """Case- and accent-folded text with single spaces, for comparing labels.

    >>> normalise("  Bundesinstitut für  Impfstoffe ")
    'bundesinstitut fur impfstoffe'
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.split())


def words(text: str) -> list[str]:
    """The words of normalised ``text`` (hyphens and punctuation split words).

    >>> words("Zytokin-Freisetzungssyndrom (CRS)")
    ['zytokin', 'freisetzungssyndrom', 'crs']
    """
    return _WORD.findall(normalise(text))


def _trigrams(word: str) -> set[str]:
    padded = f"  {word} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


@dataclass(frozen=True)
class Entry:
    """One searchable text of one thing: ``field`` is label, altLabel, definition, ..."""

    iri: str
    field: str
    text: str
    lang: str = ""


@dataclass(frozen=True)
class Hit:
    """The best match of one thing: which text matched, how, and its rank key."""

    iri: str
    matched: str
    field: str
    lang: str
    match: str
    score: float


@dataclass
class SearchIndex:
    """Inverted indexes over entries: exact text, sorted words (for prefixes) and word trigrams."""

    entries: list[Entry]
    kinds: dict[str, str] = field(default_factory=dict)
    types: dict[str, frozenset[str]] = field(default_factory=dict)
    _exact: dict[str, list[int]] = field(default_factory=dict)
    _word_entries: dict[str, set[int]] = field(default_factory=dict)
    _sorted_words: list[str] = field(default_factory=list)
    _trigram_words: dict[str, set[str]] = field(default_factory=dict)
    _by_iri: dict[str, list[Entry]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        entries: Iterable[Entry],
        *,
        kinds: dict[str, str] | None = None,
        types: dict[str, frozenset[str]] | None = None,
    ) -> SearchIndex:
        """Index ``entries``; ``kinds`` maps an IRI to class/property/individual, ``types`` to its classes."""
        index = cls(sorted(set(entries), key=lambda e: (e.iri, e.field, e.lang, e.text)),
                    dict(kinds or {}), dict(types or {}))
        exact: dict[str, list[int]] = defaultdict(list)
        word_entries: dict[str, set[int]] = defaultdict(set)
        trigram_words: dict[str, set[str]] = defaultdict(set)
        for number, entry in enumerate(index.entries):
            if entry.field in NAME_FIELDS:
                exact[normalise(entry.text)].append(number)
            for word in words(entry.text):
                word_entries[word].add(number)
        for word in word_entries:
            for gram in _trigrams(word):
                trigram_words[gram].add(word)
        index._exact = dict(exact)
        index._word_entries = dict(word_entries)
        index._sorted_words = sorted(word_entries)
        index._trigram_words = dict(trigram_words)
        by_iri: dict[str, list[Entry]] = defaultdict(list)
        for entry in index.entries:
            by_iri[entry.iri].append(entry)
        index._by_iri = dict(by_iri)
        return index

    def __len__(self) -> int:
        return len({entry.iri for entry in self.entries})

    # -- look-ups ------------------------------------------------------------
    def _prefixed(self, prefix: str) -> set[int]:
        """Entries with a word starting with ``prefix`` (binary search in the sorted words)."""
        found: set[int] = set()
        start = bisect.bisect_left(self._sorted_words, prefix)
        for word in self._sorted_words[start:]:
            if not word.startswith(prefix):
                break
            found |= self._word_entries[word]
        return found

    def _similar_words(self, word: str) -> dict[str, float]:
        """Indexed words similar to ``word``, with their similarity (0-1)."""
        counts: dict[str, int] = defaultdict(int)
        for gram in _trigrams(word):
            for candidate in self._trigram_words.get(gram, ()):
                counts[candidate] += 1
        grams = len(_trigrams(word))
        similar = {}
        for candidate, shared in counts.items():
            if shared * 2 < grams * 0.6:  # too few shared trigrams to be worth comparing
                continue
            ratio = SequenceMatcher(None, word, candidate).ratio()
            if ratio >= _FUZZY_THRESHOLD:
                similar[candidate] = ratio
        return similar

    def search(
        self,
        query: str,
        *,
        kind: str | None = None,
        type_iri: str | None = None,
        lang: str | None = None,
        limit: int = 20,
    ) -> list[Hit]:
        """The best-matching things for ``query``, best first, one hit per thing.

        ``kind`` keeps class, property or individual; ``type_iri`` keeps things of that
        class (asserted or inferred); ``lang`` keeps texts in that language (and texts
        without a language tag, such as most acronyms).
        """
        norm = normalise(query)
        query_words = words(query)
        if not query_words:
            return []
        best: dict[str, tuple[tuple[float, ...], Hit]] = {}

        def allowed(entry: Entry) -> bool:
            if lang and entry.lang and entry.lang.split("-")[0].lower() != lang.lower():
                return False
            if kind and self.kinds.get(entry.iri) != kind:
                return False
            return not (type_iri and type_iri not in self.types.get(entry.iri, frozenset()))

        def offer(number: int, tier: int, similarity: float = 1.0) -> None:
            entry = self.entries[number]
            if not allowed(entry):
                return
            field_rank = 0 if entry.field in ("label", "prefLabel") else 1
            key = (tier, -similarity, field_rank, len(entry.text))
            current = best.get(entry.iri)
            if current is None or key < current[0]:
                score = round((5 - tier) + similarity - 0.1 * field_rank, 3)
                best[entry.iri] = (key, Hit(entry.iri, entry.text, entry.field, entry.lang, _MATCH_NAMES[tier], score))

        for number in self._exact.get(norm, ()):
            offer(number, _EXACT)
        # Every query word must start a word of the text; the last may be unfinished.
        candidates = self._prefixed(query_words[0])
        for word in query_words[1:]:
            candidates &= self._prefixed(word)
        for number in candidates:
            entry = self.entries[number]
            if entry.field in NAME_FIELDS:
                offer(number, _START if normalise(entry.text).startswith(norm) else _WORDS)
            else:
                offer(number, _DEFINITION)
        # Fuzzy: every query word is similar to (or starts) some word of a name.
        fuzzy: dict[int, float] = {}
        for position, word in enumerate(query_words):
            scores: dict[int, float] = {}
            for number in self._prefixed(word):
                scores[number] = 1.0
            for similar, ratio in self._similar_words(word).items():
                for number in self._word_entries[similar]:
                    scores[number] = max(scores.get(number, 0.0), ratio)
            if position == 0:
                fuzzy = scores
            else:
                fuzzy = {n: min(s, scores[n]) for n, s in fuzzy.items() if n in scores}
        for number, similarity in fuzzy.items():
            if self.entries[number].field in NAME_FIELDS:
                offer(number, _FUZZY, similarity)
        ranked = sorted(best.values(), key=lambda pair: (pair[0], pair[1].iri))
        return [hit for _, hit in ranked[:limit]]

    def suggest(self, prefix: str, *, lang: str | None = None, limit: int = 10) -> list[Hit]:
        """Names starting with ``prefix`` (or with a word starting with it), for autocompletion.

        >>> SearchIndex.build([Entry("http://x/a", "label", "lentiviral vector", "en")]).suggest("lenti")[0].matched
        'lentiviral vector'
        """
        return [hit for hit in self.search(prefix, lang=lang, limit=limit * 3)
                if hit.match in ("exact", "prefix")][:limit]

    def entries_of(self, iri: str, *fields: str) -> list[Entry]:
        """The entries of ``iri`` in ``fields`` (all fields when none are given)."""
        return [e for e in self._by_iri.get(iri, ()) if not fields or e.field in fields]

    def label(self, iri: str, lang: str = "en") -> str | None:
        """The label of ``iri`` in ``lang``, else in English, else any label or acronym.

        >>> SearchIndex.build([Entry("http://x/a", "label", "Zelle", "de"), Entry("http://x/a", "label", "cell", "en")]).label("http://x/a", "fr")
        'cell'
        """
        entries = self.entries_of(iri, "prefLabel", "label")
        for wanted in (lang, "en", ""):
            for entry in entries:
                if entry.lang.split("-")[0] == wanted:
                    return entry.text
        fallback = entries or self.entries_of(iri, "altLabel", "notation")
        return fallback[0].text if fallback else None
