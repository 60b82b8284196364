"""The benchmark's query mix: the competency queries plus an explore mix in the style of BSBM.

One *mix* is every query once, in a fixed order, each with parameters drawn from the
generated data (:mod:`bench.atmpgen`) by a seeded random generator: the same mix
number gives the same query texts on every system, so the systems answer the same
questions.

- The competency queries are ``queries/*.rq`` as users call them: their parameters are
  bound to the declared defaults, except ``product``, which is bound to a generated
  product. The binding goes in as a ``VALUES`` block at the start of the ``WHERE``
  group, which is plain SPARQL 1.1 that every store reads (pyoxigraph's
  ``substitutions`` exist only in-process).
- The explore mix follows the explore use case of the Berlin SPARQL Benchmark (BSBM
  specification, http://wbsg.informatik.uni-mannheim.de/bizer/berlinsparqlbenchmark/spec/):
  lookups by IRI and by label, filtered searches, a text search, a
  product page with many OPTIONALs, ORDER BY ... LIMIT, a DESCRIBE, aggregations with
  GROUP BY, a UNION and an ASK, in our vocabulary.
"""

from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass
from pathlib import Path

from bench import atmpgen
from bench.atmpgen import Scale

ROOT = Path(__file__).resolve().parents[1]
PREFIXES = """PREFIX atmp: <https://w3id.org/atmp/ontology/>
PREFIX kb: <https://w3id.org/atmp/kb/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


@dataclass(frozen=True)
class Query:
    name: str
    kind: str  # "competency" or "explore"
    text: str
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE


def _term(node: object) -> str:
    from rdflib import Literal, URIRef

    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return str(node.n3())
    raise TypeError(f"cannot write {node!r} in VALUES")


def bind_parameters(sparql: str, bindings: dict[str, str]) -> str:
    """``sparql`` with each bound variable written as its term in the WHERE group, as the
    Berlin SPARQL Benchmark fills its templates, and bound again by a BIND at the group's
    end so that it is still projected and ordered by.

    Not a VALUES block: Virtuoso 7.2 loses UNION branches after one-column blocks, and with
    one multi-column block it sometimes could not finish procedure-authorities-and-legal-basis
    at 1M triples (120 s timeouts, after which it stopped answering); with the terms in the
    patterns every engine sees the constants (docs/benchmarks.md). The competency queries
    bind no parameter inside a sub-select, where this would change the meaning.

    >>> bind_parameters("SELECT ?x ?o WHERE { ?x ?p ?o } ORDER BY ?o", {"o": "<http://e/o>"})
    'SELECT ?x ?o WHERE { ?x ?p <http://e/o> BIND(<http://e/o> AS ?o) } ORDER BY ?o'
    """
    if not bindings:
        return sparql
    match = _WHERE.search(sparql)
    if not match:
        raise ValueError("query has no WHERE group to bind parameters in")
    group_end = _matching_brace(sparql, match.end() - 1)
    body = sparql[match.end():group_end]
    if re.search(r"\bSELECT\b", body, re.IGNORECASE):
        raise ValueError("a sub-select would scope a bound variable of its own; bind it another way")
    for name, term in bindings.items():
        body = re.sub(rf"[?$]{re.escape(name)}\b", lambda _: term, body)
    binds = " ".join(f"BIND({term} AS ?{name})" for name, term in bindings.items())
    return sparql[:match.end()] + body.rstrip() + f" {binds} " + sparql[group_end:]


def _matching_brace(text: str, open_at: int) -> int:
    """The index of the brace closing the one at ``open_at`` (braces in strings and IRIs are rare
    in the competency queries; checked by the test that every mix query parses)."""
    depth = 0
    for index in range(open_at, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return index
    raise ValueError("unbalanced braces in the query")


@functools.lru_cache(maxsize=1)
def _named(directory: Path) -> tuple[tuple[str, object], ...]:
    from atmp_graph.named_queries import load_named_queries

    return tuple(sorted(load_named_queries(directory).items()))


def competency_queries(scale: Scale, rng: random.Random, directory: Path = ROOT / "queries") -> list[Query]:
    from atmp_graph.named_queries import NamedQuery

    out = []
    for name, named in _named(directory):
        assert isinstance(named, NamedQuery)
        given = {}
        if any(p.name == "product" for p in named.params):
            given["product"] = atmpgen.product_iri(rng.randrange(scale.products))
        bindings = {key: _term(value) for key, value in named.bind(given).items()}
        out.append(Query(name, "competency", bind_parameters(named.sparql, bindings), named.form))
    return out


def explore_queries(scale: Scale, rng: random.Random) -> list[Query]:
    """The explore mix, with parameters drawn from ``rng``."""
    product = rng.randrange(scale.products)
    p = f"<{atmpgen.product_iri(product)}>"
    other = rng.randrange(scale.products)
    trial = f"<{atmpgen.trial_iri(rng.randrange(scale.products), 0)}>"
    antigen = rng.choice(("CD19", "BCMA", "HER2", "MAGEA4"))
    phase = rng.choice(atmpgen.PHASES)
    country = rng.choice(atmpgen.COUNTRIES)
    domain = rng.choice(("Cd28CostimulatoryDomain", "FourOneBbCostimulatoryDomain"))
    year = rng.randint(2013, 2021)
    report_year = rng.randint(2016, 2024)
    syllable = rng.choice(atmpgen.SYLLABLES_1[:20])
    test_kind, _, _, _, values = rng.choice(atmpgen.RELEASE_TESTS[2:])
    value = values[-1]
    queries = {
        # BSBM Q2-like lookups: one product by IRI, one by its label
        "lookup-by-iri": f"""SELECT ?label ?inn ?code WHERE {{
  {p} rdfs:label ?label ; atmp:internationalNonproprietaryName ?inn ; atmp:developmentCode ?code }}""",
        "lookup-by-label": f"""SELECT ?product ?inn ?kind WHERE {{
  ?product rdfs:label "{atmpgen.product_label(other)}"@en ; atmp:internationalNonproprietaryName ?inn ; a ?kind .
  ?kind rdfs:subClassOf atmp:GeneticallyModifiedTCellProduct }}""",
        # BSBM Q6-like text search over an inferred class
        "text-search": f"""SELECT ?product ?label ?inn WHERE {{
  ?product a atmp:GeneticallyModifiedTCellProduct ; atmp:internationalNonproprietaryName ?inn ; rdfs:label ?label .
  FILTER(STRSTARTS(LCASE(?inn), "{syllable}")) }} ORDER BY ?label LIMIT 20""",
        # BSBM Q1-like filtered search: products by target antigen and costimulatory domain
        "products-by-feature": f"""SELECT DISTINCT ?product ?label WHERE {{
  ?product atmp:hasTargetAntigen atmp:{antigen} ; atmp:hasCellOrigin atmp:Autologous ;
    atmp:expressesConstruct ?car ; rdfs:label ?label .
  ?car atmp:hasDomain ?d . ?d a atmp:{domain} }} ORDER BY ?label LIMIT 10""",
        # BSBM Q10-like: filtered trials, ORDER BY ... LIMIT
        "trials-filtered": f"""SELECT DISTINCT ?trial ?label ?start WHERE {{
  ?trial atmp:hasPhase atmp:{phase} ; atmp:startDate ?start ; rdfs:label ?label ; atmp:hasTrialSite ?site .
  ?site atmp:locatedIn kb:{country} .
  FILTER(?start >= "{year}-01-01"^^xsd:date && ?start < "{year + 2}-01-01"^^xsd:date) }}
ORDER BY ?start ?trial LIMIT 10""",
        # BSBM Q2/Q7-like product page: OPTIONAL-heavy
        "product-page": f"""SELECT ?label ?inn ?target ?costim ?vectorType ?origin ?developer ?holder ?indication
       ?authorisation ?jurisdiction ?spec ?trial ?phase WHERE {{
  {p} rdfs:label ?label .
  OPTIONAL {{ {p} atmp:internationalNonproprietaryName ?inn }}
  OPTIONAL {{ {p} atmp:hasTargetAntigen ?target }}
  OPTIONAL {{ {p} atmp:expressesConstruct/atmp:hasDomain ?costim . ?costim a atmp:CostimulatoryDomain }}
  OPTIONAL {{ {p} atmp:usesVector/a ?vectorType . ?vectorType rdfs:subClassOf atmp:ViralVector }}
  OPTIONAL {{ {p} atmp:hasCellOrigin ?origin }}
  OPTIONAL {{ {p} atmp:developedBy/rdfs:label ?developer }}
  OPTIONAL {{ {p} atmp:marketingAuthorisationHolder/rdfs:label ?holder }}
  OPTIONAL {{ {p} atmp:hasIndication/rdfs:label ?indication FILTER(langMatches(lang(?indication), "en")) }}
  OPTIONAL {{ {p} atmp:hasAuthorisation ?authorisation . OPTIONAL {{ ?authorisation atmp:appliesInJurisdiction ?jurisdiction }} }}
  OPTIONAL {{ {p} atmp:hasSpecification ?spec }}
  OPTIONAL {{ {p} atmp:isInvestigatedIn ?trial . OPTIONAL {{ ?trial atmp:hasPhase ?phase }} }}
}}""",
        # BSBM Q8-like: the latest reports on a product, ORDER BY DESC ... LIMIT
        "latest-reports": f"""SELECT ?report ?time ?level ?treatment WHERE {{
  {p} atmp:hasIdentifiedRisk ?report . ?report prov:generatedAtTime ?time ; atmp:hasSeverityGrade ?grade .
  ?grade atmp:gradeLevel ?level .
  OPTIONAL {{ ?report atmp:managedWith ?treatment }} }} ORDER BY DESC(?time) LIMIT 5""",
        # BSBM Q9: DESCRIBE
        "describe-trial": f"DESCRIBE {trial}",
        # aggregations (BSBM BI-style): reports by grade for an antigen; sponsors by trials in a phase
        "reports-by-grade": f"""SELECT ?level (COUNT(?report) AS ?reports) (COUNT(DISTINCT ?product) AS ?products) WHERE {{
  ?report a atmp:CytokineReleaseSyndrome ; atmp:involvesTargetAntigen atmp:{antigen} ; atmp:hasSeverityGrade ?grade .
  ?grade atmp:gradeLevel ?level . ?product atmp:hasIdentifiedRisk ?report }} GROUP BY ?level ORDER BY ?level""",
        "top-sponsors": f"""SELECT ?sponsor ?name (COUNT(DISTINCT ?trial) AS ?trials) WHERE {{
  ?trial atmp:hasPhase atmp:{phase} ; atmp:hasSponsor ?sponsor . ?sponsor rdfs:label ?name }}
GROUP BY ?sponsor ?name ORDER BY DESC(?trials) ?sponsor LIMIT 10""",
        "release-results-by-site": f"""SELECT ?site (COUNT(?result) AS ?results) WHERE {{
  ?result a atmp:{test_kind} ; rdf:value "{value}" ; prov:used ?product . ?product atmp:manufacturedAt ?site }}
GROUP BY ?site ORDER BY DESC(?results) ?site LIMIT 10""",
        # BSBM Q4-like UNION with a filter, counted
        "reports-in-country": f"""SELECT (COUNT(?report) AS ?reports) WHERE {{
  {{ ?report a atmp:CytokineReleaseSyndrome }} UNION {{ ?report a atmp:ImmuneEffectorCellAssociatedNeurotoxicitySyndrome }}
  ?report atmp:locatedIn kb:{country} ; prov:generatedAtTime ?time . FILTER(YEAR(?time) = {report_year}) }}""",
        "ask-grade4": f"""ASK {{ {p} atmp:hasIdentifiedRisk ?report . ?report atmp:hasSeverityGrade kb:ASTCT_CRS_Grade4 }}""",
    }
    out = []
    for name, body in queries.items():
        form = "DESCRIBE" if body.startswith("DESCRIBE") else "ASK" if body.startswith("ASK") else "SELECT"
        out.append(Query(name, "explore", PREFIXES + body, form))
    return out


def mix(scale: Scale, number: int, *, seed: int = 1) -> list[Query]:
    """Mix number ``number``: the competency queries and the explore mix, same texts on every system."""
    rng = random.Random(f"mix/{seed}/{number}")
    return competency_queries(scale, rng) + explore_queries(scale, rng)
