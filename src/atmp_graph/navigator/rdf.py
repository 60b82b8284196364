"""The navigator's answer as RDF: the profile as an individual, one entity per applicable
requirement that specialises the KB's requirement for this profile, and PROV links from each
to the profile facts that triggered it.

Shape of the graph (``P`` the profile IRI)::

    P a atmp:DevelopmentProfile , prov:Entity ; atmp:profileGeneTransfer atmp:LentiviralMethod ; ...
    P/fact/gene_transfer a rdf:Statement , prov:Entity ;
        rdf:subject P ; rdf:predicate atmp:profileGeneTransfer ; rdf:object atmp:LentiviralMethod .
    P/evaluation a prov:Activity ; prov:used P , <ontology version IRI> ; prov:endedAtTime "..." .
    P/item/Req_RclTest a prov:Entity ;
        prov:specializationOf kb:Req_RclTest ; atmp:requirementCategory atmp:QualityCategory ;
        prov:wasGeneratedBy P/evaluation ; prov:wasDerivedFrom P/fact/gene_transfer ;
        prov:qualifiedDerivation [ a prov:Derivation ; prov:entity P/fact/gene_transfer ;
                                   prov:hadActivity P/evaluation ; atmp:applicabilityCondition ... ] .

Knowledge gaps that apply are linked the same way with ``rdfs:seeAlso`` from the profile.
"""

from __future__ import annotations

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SKOS

from atmp_graph.namespaces import ATMP, PREFIXES
from atmp_graph.navigator.answer import Answer, Reason

PROV = Namespace("http://www.w3.org/ns/prov#")


def answer_graph(answer: Answer) -> Graph:
    """``answer`` as an RDF graph (see the module docstring for its shape)."""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    profile = URIRef(answer.profile_iri)
    evaluation = URIRef(answer.profile_iri + "/evaluation")
    graph.add((profile, RDF.type, ATMP.DevelopmentProfile))
    graph.add((profile, RDF.type, PROV.Entity))
    graph.add((profile, RDFS.label, Literal("development profile: " + ", ".join(
        f"{k}={v}" for k, v in answer.profile.items()), lang="en")))
    facts: dict[str, URIRef] = {}
    for field, resolved in answer.facts.items():
        graph.add((profile, URIRef(resolved.property), URIRef(resolved.value)))
        fact = URIRef(f"{answer.profile_iri}/fact/{field}")
        facts[field] = fact
        graph.add((fact, RDF.type, RDF.Statement))
        graph.add((fact, RDF.type, PROV.Entity))
        graph.add((fact, RDF.subject, profile))
        graph.add((fact, RDF.predicate, URIRef(resolved.property)))
        graph.add((fact, RDF.object, URIRef(resolved.value)))
        graph.add((fact, RDFS.label, Literal(f"{field} = {answer.profile[field]}", lang="en")))
    for field, code in answer.profile.items():
        if field not in answer.facts:  # a value the KB does not know: kept as text
            graph.add((profile, RDFS.comment, Literal(f"{field} = {code} (not known to the KB)", lang="en")))
    graph.add((evaluation, RDF.type, PROV.Activity))
    graph.add((evaluation, RDFS.label, Literal("regulatory navigator evaluation", lang="en")))
    graph.add((evaluation, PROV.used, profile))
    if answer.kb.get("version_iri"):
        graph.add((evaluation, PROV.used, URIRef(str(answer.kb["version_iri"]))))
    graph.add((evaluation, PROV.endedAtTime, Literal(str(answer.kb["computed_at"]), datatype=XSD.dateTime)))
    graph.add((evaluation, RDFS.comment, Literal(answer.notice, lang="en")))

    for item in answer.items:
        node = URIRef(f"{answer.profile_iri}/item/{item.iri.rsplit('/', 1)[-1]}")
        requirement = URIRef(item.iri)
        graph.add((node, RDF.type, PROV.Entity))
        graph.add((node, PROV.specializationOf, requirement))
        graph.add((node, PROV.wasGeneratedBy, evaluation))
        graph.add((node, RDFS.label, Literal(item.label, lang="en")))
        if item.category_iri:
            graph.add((node, ATMP.requirementCategory, URIRef(item.category_iri)))
            graph.add((requirement, ATMP.requirementCategory, URIRef(item.category_iri)))
        graph.add((requirement, RDF.type, ATMP.Requirement))
        graph.add((requirement, RDFS.label, Literal(item.label, lang="en")))
        if item.definition:
            graph.add((requirement, SKOS.definition, Literal(item.definition, lang="en")))
        for source in item.sources:
            graph.add((requirement, DCTERMS.source, URIRef(source.iri)))
        for concerned in item.concerns:
            graph.add((requirement, ATMP.concernsEntity, URIRef(concerned.iri)))
        _derive(graph, node, item.reasons, facts, profile, evaluation)
    for gap in answer.unknown:
        if gap.kind == "knowledge-gap" and gap.iri:
            graph.add((profile, RDFS.seeAlso, URIRef(gap.iri)))
            graph.add((URIRef(gap.iri), RDF.type, ATMP.KnowledgeGap))
            graph.add((URIRef(gap.iri), SKOS.definition, Literal(gap.message, lang="en")))
    return graph


def _derive(graph: Graph, node: URIRef, reasons: list[Reason], facts: dict[str, URIRef], profile: URIRef,
            evaluation: URIRef) -> None:
    triggered = [r for r in reasons if r.field in facts]
    if not triggered:  # unconditional: derived from the profile as a whole
        graph.add((node, PROV.wasDerivedFrom, profile))
        return
    for reason in triggered:
        assert reason.field is not None
        fact = facts[reason.field]
        graph.add((node, PROV.wasDerivedFrom, fact))
        derivation = BNode()
        graph.add((node, PROV.qualifiedDerivation, derivation))
        graph.add((derivation, RDF.type, PROV.Derivation))
        graph.add((derivation, PROV.entity, fact))
        graph.add((derivation, PROV.hadActivity, evaluation))
        if reason.condition is not None and reason.matched is not None:
            graph.add((derivation, RDFS.comment, Literal(reason.text, lang="en")))
            graph.add((derivation, URIRef(reason.condition.iri), URIRef(reason.matched.iri)))
