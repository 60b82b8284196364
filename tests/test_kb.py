"""The curated knowledge base (ontology/kb/*.ttl): sourcing, vocabulary, identifiers, dates, reasoning.

Every KB individual must carry an English label, a type from the ontology (or a standard
vocabulary) and a ``dcterms:source``; identifiers may only come from the verified list; dates
must be well-formed and not in the future; and the KB together with the TBox must stay
consistent for HermiT and classify the real products the way the ontology promises.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import owlready2
import pytest
from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, SKOS, DefinedNamespaceMeta

from atmp_graph.namespaces import ATMP, BUNDLED_ONTOLOGY_DIR, BUNDLED_QUERIES_DIR, KB
from atmp_graph.store import GraphStore, bundled_sources

KB_DIR = BUNDLED_ONTOLOGY_DIR / "kb"
KB_FILES = sorted(KB_DIR.glob("*.ttl"))

# Standard vocabularies whose terms the KB may use without an ontology declaration
# (closed rdflib namespaces, so a misspelt term such as skos:altlabel is still caught).
STANDARD_VOCABULARIES: tuple[DefinedNamespaceMeta, ...] = (RDF, RDFS, OWL, SKOS, DCTERMS, PROV, ORG)

# Identifiers DOMAIN.md lists as verified; the KB may use no other ROR or NCIt identifier.
VERIFIED_ROR = {"04cdgtt98", "01zy2cs03", "02kkvpp62"}
VERIFIED_NCIT = {"C102758", "C120309", "C16145", "C126102"}

# The organisation abbreviations of the seed review with their expansions as the seed gives them.
SEED_ORGANISATIONS = {
    "DKFZ": {"Deutsches Krebsforschungszentrum", "German Cancer Research Center"},
    "DKTK": {"Deutsches Konsortium für Translationale Krebsforschung", "German Cancer Consortium"},
    "DZG": {"Deutsche Zentren der Gesundheitsforschung"},
    "HZDR": {"Helmholtz Zentrum Dresden Rossendorf"},
    "NCT": {"Nationales Centrum für Tumorerkrankungen"},
    "PEI": {"Paul-Ehrlich-Institut"},
    "TUM": {"Technische Universität München"},
}
# Seed abbreviations that name ontology terms; a KB individual must not claim them as well.
SEED_CONCEPT_FORMS = {"ATMP", "CARTOX", "CREST", "CRS", "DLI", "EGFR", "ErbB2", "HER2", "HER2/neu", "GMO", "GMP", "GTMP", "IMP"}

XSD_NS = "http://www.w3.org/2001/XMLSchema#"
DATE_PATTERNS = {
    URIRef(XSD_NS + "date"): re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"),
    URIRef(XSD_NS + "gYearMonth"): re.compile(r"^(\d{4})-(\d{2})$"),
    URIRef(XSD_NS + "gYear"): re.compile(r"^(\d{4})$"),
}


@pytest.fixture(scope="module")
def kb() -> Graph:
    graph = Graph()
    for path in KB_FILES:
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="module")
def tbox() -> Graph:
    graph = Graph()
    for path in sorted(BUNDLED_ONTOLOGY_DIR.glob("*.ttl")) + sorted(BUNDLED_ONTOLOGY_DIR.glob("modules/*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def individuals(kb: Graph) -> set[URIRef]:
    """KB individuals: subjects in the kb: namespace that have a type."""
    return {s for s in kb.subjects(RDF.type, None) if isinstance(s, URIRef) and s.startswith(str(KB))}


def declared_terms(tbox: Graph) -> set[URIRef]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDFS.Class, RDF.Property)
    return {s for kind in kinds for s in tbox.subjects(RDF.type, kind) if isinstance(s, URIRef)}


def is_standard_term(term: URIRef) -> bool:
    return any(term.startswith(str(vocabulary)) and term in vocabulary for vocabulary in STANDARD_VOCABULARIES)


def local(term: URIRef) -> str:
    return str(term).rsplit("/", 1)[-1]


# --- files, counts, per-individual annotations -------------------------------------------------------


@pytest.mark.parametrize("path", KB_FILES, ids=lambda p: p.name)
def test_every_kb_file_parses(path: Path) -> None:
    graph = Graph()
    graph.parse(path, format="turtle")
    assert len(graph) > 0
    assert any(s.startswith(str(KB)) for s in graph.subjects(RDF.type, None))


def test_kb_has_at_least_150_individuals(kb: Graph) -> None:
    assert len(individuals(kb)) >= 150


def test_every_individual_has_english_label_type_and_source(kb: Graph, tbox: Graph) -> None:
    declared = declared_terms(tbox)
    problems = []
    for individual in sorted(individuals(kb)):
        labels = [o for o in kb.objects(individual, RDFS.label) if isinstance(o, Literal)]
        if not any(label.language == "en" and str(label).strip() for label in labels):
            problems.append(f"{local(individual)}: no English rdfs:label")
        types = set(kb.objects(individual, RDF.type))
        if not any(t in declared or is_standard_term(t) for t in types if isinstance(t, URIRef)):
            problems.append(f"{local(individual)}: no type from the ontology or a standard vocabulary")
        if (individual, DCTERMS.source, None) not in kb:
            problems.append(f"{local(individual)}: no dcterms:source")
    assert problems == []


def test_sources_are_web_pages_or_described_publications(kb: Graph, tbox: Graph) -> None:
    publication_classes = {ATMP.Publication} | set(tbox.transitive_subjects(RDFS.subClassOf, ATMP.Publication))
    bad = []
    for subject, source in kb.subject_objects(DCTERMS.source):
        if isinstance(source, URIRef) and str(source).startswith(("http://", "https://")) and not source.startswith(str(KB)):
            continue
        if isinstance(source, URIRef) and set(kb.objects(source, RDF.type)) & publication_classes:
            continue
        bad.append(f"{subject} -> {source}")
    assert bad == []


# --- vocabulary --------------------------------------------------------------------------------------


def test_every_predicate_and_type_is_declared_or_standard(kb: Graph, tbox: Graph) -> None:
    declared = declared_terms(tbox)
    used = set(kb.predicates()) | {o for o in kb.objects(None, RDF.type) if isinstance(o, URIRef)}
    undeclared = sorted(str(t) for t in used if t not in declared and not is_standard_term(t))
    assert undeclared == []


def test_ontology_iris_named_in_the_kb_exist_in_the_ontology(kb: Graph, tbox: Graph) -> None:
    """Class-valued annotations (atmp:definesConcept ...) and references to value sets (atmp:CD19)."""
    known = {s for s in tbox.subjects() if isinstance(s, URIRef)}
    named = {o for o in kb.objects() if isinstance(o, URIRef) and o.startswith(str(ATMP))}
    named |= {s for s in kb.subjects() if isinstance(s, URIRef) and s.startswith(str(ATMP))}
    assert sorted(str(t) for t in named - known) == []


CLASS_VALUED_ANNOTATIONS = ("definesConcept", "gradesToxicity", "mitigates", "toxicityType", "governs")


def test_class_valued_annotations_name_ontology_classes(kb: Graph, tbox: Graph) -> None:
    """atmp:definesConcept, atmp:gradesToxicity ... must point at a class, never at an individual."""
    wrong = sorted(
        f"{local(s)} {name} {local(o)}"
        for name in CLASS_VALUED_ANNOTATIONS
        for s, o in kb.subject_objects(ATMP[name])
        if (o, RDF.type, OWL.Class) not in tbox
    )
    assert wrong == []
    assert len(list(kb.subject_objects(ATMP.definesConcept))) >= 5


def test_every_engineered_product_has_construct_target_vector_and_origin(kb: Graph, tbox: Graph) -> None:
    vector_classes = set(tbox.transitive_subjects(RDFS.subClassOf, ATMP.GeneTransferVector))
    products = set(kb.subjects(ATMP.expressesConstruct, None))
    assert len(products) >= 9
    for product in products:
        [construct] = kb.objects(product, ATMP.expressesConstruct)
        assert list(kb.objects(construct, ATMP.targetsAntigen)), product
        vectors = list(kb.objects(product, ATMP.usesVector))
        assert vectors and all(set(kb.objects(v, RDF.type)) & vector_classes for v in vectors), product
        assert (product, ATMP.hasCellOrigin, None) in kb, product


def test_data_property_values_match_their_declared_ranges(kb: Graph, tbox: Graph) -> None:
    """A language-tagged or wrongly typed literal on an xsd:string/integer/boolean property is a DL datatype clash."""
    xsd = URIRef(XSD_NS + "string"), URIRef(XSD_NS + "integer"), URIRef(XSD_NS + "boolean")
    problems = []
    for prop in tbox.subjects(RDF.type, OWL.DatatypeProperty):
        declared_range = tbox.value(prop, RDFS.range)
        if declared_range not in xsd:
            continue
        for subject, value in kb.subject_objects(prop):
            if not isinstance(value, Literal):
                problems.append(f"{local(subject)} {local(prop)} {value!r} is not a literal")
                continue
            plain_string = declared_range == xsd[0] and value.datatype is None and not value.language
            if not (plain_string or value.datatype == declared_range):
                problems.append(f"{local(subject)} {local(prop)} {value!r}")
    assert problems == []


def test_kb_iris_used_as_objects_are_described(kb: Graph) -> None:
    described = individuals(kb)
    dangling = {o for o in kb.objects() if isinstance(o, URIRef) and o.startswith(str(KB)) and o not in described}
    assert sorted(str(o) for o in dangling) == []


def test_no_blank_nodes(kb: Graph) -> None:
    """Every KB resource has an IRI so that users can dereference and cite it."""
    assert not any(isinstance(term, BNode) for triple in kb for term in triple)


# --- identifiers and dates ------------------------------------------------------------------------------


def test_ror_and_ncit_identifiers_are_on_the_verified_list(kb: Graph) -> None:
    ror_ids: set[str] = set()
    ncit_ids: set[str] = set()
    for triple in kb:
        for term in triple:
            text = str(term)
            ror_ids.update(re.findall(r"ror\.org/(\w+)", text))
            ncit_ids.update(re.findall(r"NCI[Tt][_:](C\d+)", text))
    ror_ids |= {str(o) for o in kb.objects(None, ATMP.rorIdentifier)}
    assert ror_ids <= VERIFIED_ROR
    assert ncit_ids <= VERIFIED_NCIT
    assert ror_ids == VERIFIED_ROR  # DKFZ, HZDR and TUM all carry theirs


def test_dates_are_well_formed_and_not_in_the_future(kb: Graph) -> None:
    today = date.today()
    dated = [o for o in kb.objects() if isinstance(o, Literal) and o.datatype in DATE_PATTERNS]
    assert len(dated) >= 40
    problems = []
    for literal in dated:
        match = DATE_PATTERNS[literal.datatype].match(str(literal))
        if match is None:
            problems.append(f"malformed {literal!r}")
            continue
        parts = [int(g) for g in match.groups()] + [1, 1]
        try:
            day = date(parts[0], parts[1], parts[2])
        except ValueError:
            problems.append(f"impossible date {literal!r}")
            continue
        if day > today:
            problems.append(f"future date {literal!r}")
    assert problems == []


def test_every_decision_has_one_date_a_body_a_product_and_a_result(kb: Graph) -> None:
    decisions = set(kb.subjects(RDF.type, ATMP.MarketingAuthorisationDecision))
    assert len(decisions) >= 12
    for decision in decisions:
        assert len(list(kb.objects(decision, ATMP.decisionDate))) == 1, decision
        [body] = kb.objects(decision, ATMP.decidedBy)
        assert (decision, ATMP.concernsProduct, None) in kb, decision
        [authorisation] = kb.objects(decision, ATMP.resultsInAuthorisation)
        assert (authorisation, ATMP.grantedBy, body) in kb, decision
        assert set(kb.objects(authorisation, ATMP.authorisesProduct)) == set(kb.objects(decision, ATMP.concernsProduct))


# --- abbreviations ----------------------------------------------------------------------------------------


def normalised(text: str) -> str:
    return re.sub(r"[\s\-]+", " ", text).casefold()


@pytest.mark.parametrize("abbreviation", sorted(SEED_ORGANISATIONS))
def test_seed_organisation_abbreviation_resolves_to_one_individual(kb: Graph, abbreviation: str) -> None:
    [individual] = {s for s in kb.subjects(SKOS.altLabel, None) for o in kb.objects(s, SKOS.altLabel) if str(o) == abbreviation}
    assert individual.startswith(str(KB))
    labels = {normalised(str(label)) for label in kb.objects(individual, RDFS.label)}
    assert {normalised(expansion) for expansion in SEED_ORGANISATIONS[abbreviation]} <= labels
    assert any(label.language == "de" for label in kb.objects(individual, RDFS.label) if isinstance(label, Literal))


def test_kb_does_not_claim_the_seed_concept_abbreviations(kb: Graph) -> None:
    claimed = {
        str(o)
        for p in (RDFS.label, SKOS.altLabel)
        for s, o in kb.subject_objects(p)
        if isinstance(s, URIRef) and s.startswith(str(KB)) and str(o) in SEED_CONCEPT_FORMS
    }
    assert claimed == set()


# --- content that users query ----------------------------------------------------------------------------


def test_astct_scales_grade_crs_and_icans_one_to_four_with_ice_ranges(kb: Graph) -> None:
    scales = set(kb.subjects(DCTERMS.isPartOf, KB.ASTCTConsensusGrading))
    levels: dict[URIRef, list[int]] = {}
    for scale in scales:
        [toxicity] = kb.objects(scale, ATMP.gradesToxicity)
        grades = set(kb.subjects(ATMP.inGradingSystem, scale))
        for grade in grades:
            assert set(kb.objects(grade, ATMP.gradesToxicity)) == {toxicity}, grade
            assert list(kb.objects(grade, ATMP.gradingCriterion)), grade
        levels[toxicity] = sorted(int(kb.value(grade, ATMP.gradeLevel)) for grade in grades)
    assert levels == {
        ATMP.CytokineReleaseSyndrome: [1, 2, 3, 4],
        ATMP.ImmuneEffectorCellAssociatedNeurotoxicitySyndrome: [1, 2, 3, 4],
    }
    icans = set(kb.subjects(ATMP.inGradingSystem, KB.ASTCT_ICANS_Grading))
    ice = {
        int(kb.value(grade, ATMP.gradeLevel)): (int(kb.value(grade, ATMP.iceScoreMinimum)), int(kb.value(grade, ATMP.iceScoreMaximum)))
        for grade in icans
    }
    assert ice == {1: (7, 9), 2: (3, 6), 3: (0, 2), 4: (0, 0)}


def test_store_answers_which_products_target_cd19_with_a_cd28_domain(bundled_store: GraphStore) -> None:
    rows = bundled_store.select(
        """
        PREFIX atmp: <https://w3id.org/atmp/ontology/>
        SELECT DISTINCT ?product WHERE {
            ?product atmp:expressesConstruct ?car .
            ?car atmp:targetsAntigen atmp:CD19 ; atmp:hasDomain ?domain .
            ?domain a atmp:Cd28CostimulatoryDomain .
        }
        """
    )
    assert {local(row["product"]) for row in rows} == {"Yescarta", "Tecartus"}


QC_QUERIES = sorted((BUNDLED_QUERIES_DIR / "qc").glob("*-violation.rq"))


@pytest.fixture(scope="module")
def bundled_store() -> GraphStore:
    store = GraphStore.in_memory()
    store.load_sources(bundled_sources(BUNDLED_ONTOLOGY_DIR))
    return store


@pytest.mark.parametrize("path", QC_QUERIES, ids=lambda p: p.name)
def test_quality_check_queries_find_nothing_in_the_kb(bundled_store: GraphStore, path: Path) -> None:
    """The project's QC queries (missing source, undeclared or deprecated term ...) report no KB resource."""
    rows = bundled_store.select(path.read_text(encoding="utf-8"))
    flagged = sorted({str(v) for row in rows for v in row.values() if str(v).startswith(str(KB))})
    assert flagged == []


# --- reasoning ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reasoned(kb: Graph, tbox: Graph, tmp_path_factory: pytest.TempPathFactory) -> Iterator[owlready2.World]:
    """HermiT over TBox + KB. Literals typed xsd:date/gYear/gYearMonth are dropped first: they are
    outside the OWL 2 datatype map, which HermiT refuses, and no axiom depends on them."""
    if shutil.which("java") is None:
        pytest.fail("HermiT needs a Java runtime: run `make java`")
    graph = Graph()
    for triple in tbox:
        graph.add(triple)
    for s, p, o in kb:
        if not (isinstance(o, Literal) and o.datatype in DATE_PATTERNS):
            graph.add((s, p, o))
    path = tmp_path_factory.mktemp("owl") / "atmp-with-kb.nt"
    graph.serialize(path, format="nt", encoding="utf-8")
    world = owlready2.World()
    world.get_ontology(path.as_uri()).load()
    owlready2.sync_reasoner_hermit(world, infer_property_values=True, debug=0)
    yield world
    world.close()


def inferred_types(world: owlready2.World, name: str) -> set[str]:
    individual = world[str(KB) + name]
    return {cls.name for cls in individual.INDIRECT_is_a if hasattr(cls, "name")}


def test_tbox_and_kb_are_consistent_with_no_unsatisfiable_class(reasoned: owlready2.World) -> None:
    assert list(reasoned.inconsistent_classes()) == []


def test_reasoner_classifies_the_approved_products(reasoned: owlready2.World) -> None:
    assert {
        "CarTCellProduct",
        "GeneTherapyMedicinalProduct",
        "AuthorisedMedicinalProduct",
        "AutologousCellProduct",
        "LentivirallyModifiedProduct",
        "FourOneBbCostimulatedCarTProduct",
        "Cd19DirectedProduct",
    } <= inferred_types(reasoned, "Kymriah")
    assert {"Cd28CostimulatedCarTProduct", "GammaretrovirallyModifiedProduct"} <= inferred_types(reasoned, "Yescarta")
    assert "LentivirallyModifiedProduct" not in inferred_types(reasoned, "Yescarta")
    assert {"TcrTCellProduct", "AuthorisedMedicinalProduct"} <= inferred_types(reasoned, "Tecelra")
    assert "CarTCellProduct" not in inferred_types(reasoned, "Tecelra")
    ari = inferred_types(reasoned, "ARI0001")
    assert "HospitalExemptionProduct" in ari and "AuthorisedMedicinalProduct" not in ari
    assert "MarketingAuthorisationHolder" in inferred_types(reasoned, "NovartisEuropharm")
    assert "InvestigationalMedicinalProduct" in inferred_types(reasoned, "Carvykti")
    assert "InvestigationalMedicinalProduct" not in inferred_types(reasoned, "Kymriah")
    assert {"PhaseIClinicalTrial", "EarlyPhaseClinicalTrial"} & inferred_types(reasoned, "CARTITUDE1") == {"EarlyPhaseClinicalTrial"}
    assert "TrialSponsor" in inferred_types(reasoned, "Janssen")
