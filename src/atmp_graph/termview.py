"""What a term page shows, built from the term's description: used by the service and the docs site.

The input is the concise bounded description of the term (an rdflib graph of the asserted
triples, blank nodes followed), the inferred statements about it, the statements that
point at it, and a way to find labels and links for other IRIs. The output is a plain
``TermView`` that templates render; nothing here talks to a store.

>>> from rdflib import Graph, Literal, URIRef
>>> from rdflib.namespace import RDF, RDFS, OWL
>>> term = URIRef("https://w3id.org/atmp/ontology/TCell")
>>> g = Graph()
>>> g.add((term, RDF.type, OWL.Class)); g.add((term, RDFS.label, Literal("T cell", lang="en")))  # doctest: +ELLIPSIS
<Graph ...
>>> view = build_view(term, g, inferred=[], incoming=[], labels=lambda iri, lang: None, link=lambda iri: None)
>>> view.kind, view.title, view.curie
('class', 'T cell', 'atmp:TCell')
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from atmp_graph.namespaces import PREFIXES

LabelLookup = Callable[[str, str], "str | None"]
LinkFor = Callable[[str], "str | None"]

CLASS_TYPES = {OWL.Class, RDFS.Class}
PROPERTY_TYPES = {OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property}
PROPERTY_CHARACTERISTICS: dict[Node, str] = {
    OWL.TransitiveProperty: "transitive", OWL.SymmetricProperty: "symmetric",
    OWL.AsymmetricProperty: "asymmetric", OWL.FunctionalProperty: "functional",
    OWL.InverseFunctionalProperty: "inverse functional", OWL.ReflexiveProperty: "reflexive",
    OWL.IrreflexiveProperty: "irreflexive",
}
MAPPING_PROPERTIES = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)
# Shown in their own sections, so not again among the other statements.
_SHOWN = {
    RDF.type, RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.definition, DCTERMS.source,
    RDFS.subClassOf, OWL.equivalentClass, RDFS.domain, RDFS.range, RDFS.subPropertyOf,
    OWL.inverseOf, OWL.deprecated, DCTERMS.isReplacedBy, OWL.disjointWith, OWL.propertyChainAxiom,
    *MAPPING_PROPERTIES,
}
_EXTERNAL_PREFIXES = {
    "http://purl.obolibrary.org/obo/": "OBO",
    "https://doi.org/": "doi",
    "http://creativecommons.org/licenses/": "cc",
}


def curie(iri: str) -> str:
    """A compact name for ``iri`` with the project's prefixes (or OBO ``CL:0000084`` style).

    >>> curie("https://w3id.org/atmp/kb/Kymriah"), curie("http://purl.obolibrary.org/obo/CL_0000084")
    ('kb:Kymriah', 'CL:0000084')
    """
    best = ""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(namespace) > len(best):
            best, name = namespace, prefix
    if best:
        return f"{name}:{iri[len(best):]}"
    obo = "http://purl.obolibrary.org/obo/"
    if iri.startswith(obo) and "_" in iri[len(obo):]:
        return iri[len(obo):].replace("_", ":", 1)
    return iri


@dataclass(frozen=True)
class Ref:
    """A link to another thing: its IRI, the text to show, and a local page (if we have one)."""

    iri: str
    text: str
    href: str
    local: bool
    inferred: bool = False


@dataclass(frozen=True)
class Value:
    """A value of a statement: a thing (``ref``), a literal, or a class expression (``html``)."""

    ref: Ref | None = None
    text: str = ""
    lang: str = ""
    datatype: str = ""
    html: Markup | None = None
    inferred: bool = False


@dataclass
class Group:
    """The values of one property, with the property's own link."""

    prop: Ref
    values: list[Value]


@dataclass
class TermView:
    iri: str
    curie: str
    kind: str  # class, property, individual, thing
    title: str
    labels: list[Value] = field(default_factory=list)
    alt_labels: list[Value] = field(default_factory=list)
    definitions: list[Value] = field(default_factory=list)
    sources: list[Value] = field(default_factory=list)
    deprecated: bool = False
    replaced_by: list[Ref] = field(default_factory=list)
    types: list[Ref] = field(default_factory=list)
    parents: list[Value] = field(default_factory=list)
    equivalents: list[Value] = field(default_factory=list)
    inferred_parents: list[Ref] = field(default_factory=list)
    children: list[Ref] = field(default_factory=list)
    disjoint: list[Ref] = field(default_factory=list)
    individuals: list[Ref] = field(default_factory=list)
    domain_of: list[Ref] = field(default_factory=list)
    range_of: list[Ref] = field(default_factory=list)
    domains: list[Value] = field(default_factory=list)
    ranges: list[Value] = field(default_factory=list)
    super_properties: list[Ref] = field(default_factory=list)
    sub_properties: list[Ref] = field(default_factory=list)
    inverses: list[Ref] = field(default_factory=list)
    characteristics: list[str] = field(default_factory=list)
    chains: list[list[Ref]] = field(default_factory=list)
    mappings: list[Group] = field(default_factory=list)
    facts: list[Group] = field(default_factory=list)
    incoming: list[Group] = field(default_factory=list)


class _Builder:
    def __init__(self, labels: LabelLookup, link: LinkFor, lang: str) -> None:
        self.labels = labels
        self.link = link
        self.lang = lang

    def ref(self, iri: Node, *, inferred: bool = False) -> Ref:
        text = str(iri)
        label = self.labels(text, self.lang)
        local = self.link(text)
        return Ref(text, label or curie(text), local or text, local is not None, inferred)

    def value(self, graph: Graph, node: Node, *, inferred: bool = False) -> Value:
        if isinstance(node, URIRef):
            return Value(ref=self.ref(node, inferred=inferred), inferred=inferred)
        if isinstance(node, Literal):
            datatype = curie(str(node.datatype)) if node.datatype else ""
            return Value(text=str(node), lang=node.language or "", datatype=datatype, inferred=inferred)
        return Value(html=self.expression(graph, node), inferred=inferred)

    def expression(self, graph: Graph, node: Node, depth: int = 0) -> Markup:
        """A class expression in Manchester-like words, with links to the named parts."""
        if isinstance(node, URIRef):
            ref = self.ref(node)
            return Markup('<a href="{}">{}</a>').format(ref.href, ref.text)
        if isinstance(node, Literal):
            return Markup("<q>{}</q>").format(str(node))
        if depth > 6:
            return Markup("…")

        def sub(n: Node) -> Markup:
            return self.expression(graph, n, depth + 1)

        def items(list_head: Node) -> list[Markup]:
            return [sub(n) for n in Collection(graph, list_head)] if isinstance(list_head, BNode) else []

        on_property = graph.value(node, OWL.onProperty)
        if on_property is not None:
            prop = sub(on_property)
            filler = graph.value(node, OWL.onClass) or graph.value(node, OWL.onDataRange)
            for predicate, word in ((OWL.someValuesFrom, "some"), (OWL.allValuesFrom, "only"), (OWL.hasValue, "value")):
                target = graph.value(node, predicate)
                if target is not None:
                    return Markup("{} <em>{}</em> {}").format(prop, word, sub(target))
            for predicates, word in (((OWL.minQualifiedCardinality, OWL.minCardinality), "min"),
                                     ((OWL.maxQualifiedCardinality, OWL.maxCardinality), "max"),
                                     ((OWL.qualifiedCardinality, OWL.cardinality), "exactly")):
                for predicate in predicates:
                    number = graph.value(node, predicate)
                    if number is not None:
                        tail = Markup(" {}").format(sub(filler)) if filler is not None else Markup("")
                        return Markup("{} <em>{}</em> {}{}").format(prop, word, str(number), tail)
            if graph.value(node, OWL.hasSelf) is not None:
                return Markup("{} <em>Self</em>").format(prop)
        for predicate, word in ((OWL.intersectionOf, "and"), (OWL.unionOf, "or")):
            head = graph.value(node, predicate)
            if head is not None:
                joined = Markup(" <em>{}</em> ").format(word).join(items(head))
                return Markup("({})").format(joined) if depth else joined
        complement = graph.value(node, OWL.complementOf)
        if complement is not None:
            return Markup("<em>not</em> {}").format(sub(complement))
        one_of = graph.value(node, OWL.oneOf)
        if one_of is not None:
            return Markup("{{{}}}").format(Markup(", ").join(items(one_of)))
        inverse = graph.value(node, OWL.inverseOf)
        if inverse is not None:
            return Markup("<em>inverse</em> {}").format(sub(inverse))
        return Markup("<em>an anonymous expression</em>")


def _kind(types: set[Node]) -> str:
    if types & CLASS_TYPES:
        return "class"
    if types & PROPERTY_TYPES:
        return "property"
    if OWL.Ontology in types:
        return "ontology"
    return "individual" if types else "thing"


def _sorted_refs(refs: Iterable[Ref]) -> list[Ref]:
    unique = {r.iri: r for r in refs}
    return sorted(unique.values(), key=lambda r: (r.text.casefold(), r.iri))


def _group(pairs: Iterable[tuple[Ref, Value]]) -> list[Group]:
    groups: dict[str, Group] = {}
    for prop, value in pairs:
        group = groups.setdefault(prop.iri, Group(prop, []))
        if value not in group.values:
            group.values.append(value)
    return sorted(groups.values(), key=lambda g: g.prop.text.casefold())


def build_view(
    term: URIRef,
    graph: Graph,
    *,
    inferred: Sequence[tuple[Node, Node]],
    incoming: Sequence[tuple[Node, Node, bool]],
    labels: LabelLookup,
    link: LinkFor,
    lang: str = "en",
) -> TermView:
    """The page content for ``term``.

    ``graph`` is its asserted description, ``inferred`` the (predicate, object) pairs
    only the reasoner states, ``incoming`` the (subject, predicate, is_inferred)
    statements that point at it.
    """
    b = _Builder(labels, link, lang)
    types = set(graph.objects(term, RDF.type))
    inferred_types = {o for p, o in inferred if p == RDF.type}
    kind = _kind(types | inferred_types)
    by_lang = sorted(graph.objects(term, RDFS.label), key=lambda lit: (str(getattr(lit, "language", "")) != lang, str(lit)))
    title = labels(str(term), lang) or (str(by_lang[0]) if by_lang else curie(str(term)))
    view = TermView(str(term), curie(str(term)), kind, title)
    view.labels = [b.value(graph, n) for n in by_lang]
    view.alt_labels = [b.value(graph, n) for n in sorted(
        [*graph.objects(term, SKOS.prefLabel), *graph.objects(term, SKOS.altLabel)], key=str)]
    view.definitions = [b.value(graph, n) for n in graph.objects(term, SKOS.definition)]
    view.sources = [b.value(graph, n) for n in sorted(graph.objects(term, DCTERMS.source), key=str)]
    view.deprecated = any(str(o).lower() == "true" for o in graph.objects(term, OWL.deprecated))
    view.replaced_by = _sorted_refs(b.ref(o) for o in graph.objects(term, DCTERMS.isReplacedBy) if isinstance(o, URIRef))
    asserted_types = {o for o in types if isinstance(o, URIRef)}
    view.types = _sorted_refs(
        [b.ref(o) for o in asserted_types if o != OWL.NamedIndividual]
        + [b.ref(o, inferred=True) for o in inferred_types - asserted_types
           if isinstance(o, URIRef) and o not in (OWL.Thing, OWL.NamedIndividual, RDFS.Resource)])
    parents = list(graph.objects(term, RDFS.subClassOf))
    view.parents = sorted((b.value(graph, p) for p in parents),
                          key=lambda v: (v.ref is None, v.ref.text.casefold() if v.ref else str(v.html)))
    view.equivalents = [b.value(graph, n) for n in graph.objects(term, OWL.equivalentClass) if n != term]
    view.inferred_parents = _sorted_refs(
        b.ref(o, inferred=True) for p, o in inferred
        if p == RDFS.subClassOf and isinstance(o, URIRef) and o not in parents and o not in (term, OWL.Thing))
    view.disjoint = _sorted_refs(b.ref(o) for o in graph.objects(term, OWL.disjointWith) if isinstance(o, URIRef))
    view.domains = [b.value(graph, n) for n in graph.objects(term, RDFS.domain)]
    view.ranges = [b.value(graph, n) for n in graph.objects(term, RDFS.range)]
    view.super_properties = _sorted_refs(b.ref(o) for o in graph.objects(term, RDFS.subPropertyOf) if isinstance(o, URIRef))
    view.inverses = _sorted_refs(b.ref(o) for o in graph.objects(term, OWL.inverseOf) if isinstance(o, URIRef))
    view.characteristics = sorted(PROPERTY_CHARACTERISTICS[t] for t in types if t in PROPERTY_CHARACTERISTICS)
    for chain in graph.objects(term, OWL.propertyChainAxiom):
        view.chains.append([b.ref(n) for n in Collection(graph, chain) if isinstance(n, URIRef)])
    view.mappings = _group(
        (b.ref(p), Value(ref=Ref(str(o), curie(str(o)), str(o), False)))
        for p in MAPPING_PROPERTIES for o in graph.objects(term, p) if isinstance(o, URIRef))
    view.facts = _group(
        (b.ref(p), b.value(graph, o)) for p, o in sorted(graph.predicate_objects(term), key=lambda po: str(po[1]))
        if p not in _SHOWN)
    special: dict[Node, str] = {RDFS.subClassOf: "children", RDF.type: "individuals", RDFS.domain: "domain_of",
               RDFS.range: "range_of", RDFS.subPropertyOf: "sub_properties"}
    rest = []
    collected: dict[str, list[Ref]] = {name: [] for name in special.values()}
    for subject, predicate, is_inferred in incoming:
        if not isinstance(subject, URIRef) or subject == term:
            continue
        name = special.get(predicate)
        if name is not None:
            if name == "children" and is_inferred:
                continue  # only direct, asserted children; inferred ones are the descendants
            collected[name].append(b.ref(subject, inferred=is_inferred))
        elif not is_inferred:
            rest.append((b.ref(predicate), Value(ref=b.ref(subject))))
    for name, refs in collected.items():
        if name == "individuals":  # an asserted type wins over the same inferred one
            asserted = {r.iri for r in refs if not r.inferred}
            refs = [r for r in refs if not r.inferred or r.iri not in asserted]
        setattr(view, name, _sorted_refs(refs))
    view.incoming = _group(rest)
    return view


def expression_text(markup: Markup) -> str:
    """Plain text of rendered markup (for tests and plain-text outputs).

    >>> expression_text(Markup('<a href="x">managed with</a> <em>some</em> IL-6 blockade'))
    'managed with some IL-6 blockade'
    """
    return markup.striptags()
