"""The ATMP ontology (ontology/*.ttl): OWL 2 DL hygiene, annotations, reasoning, mappings, diagram.

HermiT runs once per module (fixture ``reasoned``) on the TBox, the curated KB and a small
ABox of made-up individuals: the KB must be consistent with the TBox, and the defined
classes must classify the made-up individuals as they should.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import owlready2
import pytest
from rdflib import OWL, RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SKOS

from atmp_graph import ontology_diagram
from atmp_graph.namespaces import ATMP, BUNDLED_ONTOLOGY_DIR, ONTOLOGY_IRI, PROJECT_ROOT

VANN = Namespace("http://purl.org/vocab/vann/")
CC_BY = URIRef("http://creativecommons.org/licenses/by/4.0/")
KB_DIR = BUNDLED_ONTOLOGY_DIR / "kb"
MAPPINGS = BUNDLED_ONTOLOGY_DIR / "mappings" / "atmp-external.sssom.tsv"
DOCS = PROJECT_ROOT / "docs" / "ontology.md"

# The abbreviation list of the seed document (the DKTK-PEI review): acronym -> the forms it may take.
CONCEPT_ABBREVIATIONS = {
    "ATMP": {"ATMP"},
    "CARTOX": {"CARTOX"},
    "CREST": {"CREST"},
    "CRS": {"CRS"},
    "DLI": {"DLI"},
    "EGFR": {"EGFR"},
    "ErbB2/HER2": {"ErbB2", "HER2", "HER2/neu"},
    "GMO": {"GMO"},
    "GMP": {"GMP"},
    "GTMP": {"GTMP"},
    "IMP": {"IMP"},
}
ORGANISATION_ABBREVIATIONS = {name: {name} for name in ("DKFZ", "DKTK", "DZG", "HZDR", "NCT", "PEI", "TUM")}

# Identifiers DOMAIN.md lists as verified; mappings may use nothing else.
VERIFIED_EXTERNAL_IDS = {
    "NCIT:C126102", "NCIT:C16145", "NCIT:C102758", "NCIT:C120309",
    "CL:0000084", "CL:0000789",
    "OBI:0003699", "OBI:0003700", "OBI:0003701", "OBI:0003702",
}  # fmt: skip

# Made-up individuals whose classification the reasoner must infer from the definitions.
ABOX = """
@prefix atmp: <https://w3id.org/atmp/ontology/> .
@prefix ex:   <https://example.org/test/> .
ex:product a atmp:GeneticallyModifiedTCellProduct ;
    atmp:expressesConstruct ex:car ; atmp:usesVector ex:vector ; atmp:hasCellOrigin atmp:Autologous .
ex:car a atmp:ChimericAntigenReceptor ; atmp:targetsAntigen atmp:CD19 ;
    atmp:hasDomain ex:cd28 , ex:zeta , ex:scfv .
ex:cd28 a atmp:Cd28CostimulatoryDomain .
ex:zeta a atmp:Cd3ZetaSignallingDomain .
ex:scfv a atmp:SingleChainVariableFragment .
ex:vector a atmp:LentiviralVector .
ex:trial a atmp:ClinicalTrial ; atmp:investigatesProduct ex:product ; atmp:hasPhase atmp:PhaseI ;
    atmp:hasSponsor ex:university .
ex:university a atmp:University .
ex:tcrProduct a atmp:GeneticallyModifiedTCellProduct ; atmp:expressesConstruct ex:tcr ;
    atmp:hasAuthorisation ex:ma .
ex:tcr a atmp:TransgenicTCellReceptor ; atmp:targetsAntigen atmp:MAGEA4 .
ex:ma a atmp:MarketingAuthorisation ; atmp:authorisationHolder ex:company .
ex:company a atmp:Company .
ex:heProduct a atmp:GeneticallyModifiedTCellProduct ; atmp:expressesConstruct ex:car2 ;
    atmp:hasAuthorisation ex:he ; atmp:hasCellOrigin atmp:Allogeneic ; atmp:usesVector ex:sb .
ex:car2 a atmp:ChimericAntigenReceptor ; atmp:targetsAntigen atmp:BCMA ; atmp:hasDomain ex:bb .
ex:bb a atmp:FourOneBbCostimulatoryDomain .
ex:he a atmp:HospitalExemptionAuthorisation .
ex:sb a atmp:SleepingBeautyTransposon .
ex:trial2 a atmp:ClinicalTrial ; atmp:investigatesProduct ex:tcrProduct ; atmp:hasPhase atmp:PhaseII ;
    atmp:hasSponsor ex:company .
"""


@pytest.fixture(scope="module")
def tbox() -> Graph:
    return ontology_diagram.load_ontology(BUNDLED_ONTOLOGY_DIR)


@pytest.fixture(scope="module")
def kb() -> Graph:
    graph = Graph()
    for path in sorted(KB_DIR.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def atmp_terms(graph: Graph, kind: URIRef) -> set[URIRef]:
    return {s for s in graph.subjects(RDF.type, kind) if isinstance(s, URIRef) and s.startswith(str(ATMP))}


def all_terms(graph: Graph) -> set[URIRef]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.NamedIndividual)
    return set().union(*(atmp_terms(graph, kind) for kind in kinds))


# Datatypes outside the OWL 2 datatype map (xsd:date, xsd:gYear, xsd:gYearMonth) make HermiT stop;
# for the consistency check such literals are kept as plain strings (no date property has a range).
NOT_IN_OWL2_DATATYPE_MAP = {
    URIRef("http://www.w3.org/2001/XMLSchema#" + name) for name in ("date", "gYear", "gYearMonth", "time", "duration")
}


def without_non_owl2_datatypes(graph: Graph) -> Graph:
    result = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype in NOT_IN_OWL2_DATATYPE_MAP:
            o = Literal(str(o))
        result.add((s, p, o))
    return result


@pytest.fixture(scope="module")
def reasoned(tbox: Graph, kb: Graph, tmp_path_factory: pytest.TempPathFactory) -> Iterator[owlready2.World]:
    """One HermiT run over TBox + KB + ABOX, with property values inferred; fails if inconsistent."""
    if shutil.which("java") is None:
        pytest.fail("HermiT needs a Java runtime: run `make java`")
    graph = without_non_owl2_datatypes(tbox + kb)
    graph.parse(data=ABOX, format="turtle")
    path = tmp_path_factory.mktemp("owl") / "atmp-kb-abox.nt"
    graph.serialize(path, format="nt", encoding="utf-8")
    world = owlready2.World()
    world.get_ontology(path.as_uri()).load()
    try:
        owlready2.sync_reasoner_hermit(world, infer_property_values=True, debug=0)
    except owlready2.OwlReadyInconsistentOntologyError:
        pytest.fail("HermiT finds the ontology plus ontology/kb/*.ttl inconsistent")
    yield world
    world.close()


# --- structure and OWL 2 DL hygiene -------------------------------------------------------------


def test_header_has_the_required_metadata(tbox: Graph) -> None:
    ontology = URIRef(ONTOLOGY_IRI)
    assert (ontology, RDF.type, OWL.Ontology) in tbox
    version_iri = tbox.value(ontology, OWL.versionIRI)
    version = tbox.value(ontology, OWL.versionInfo)
    assert version_iri is not None and f"/{version}/" in str(version_iri)
    assert not str(version_iri).startswith(str(ATMP))  # a version IRI must not look like a term IRI
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.creator, DCTERMS.source):
        assert tbox.value(ontology, prop) is not None, prop
    assert tbox.value(ontology, DCTERMS.license) == CC_BY
    assert tbox.value(ontology, VANN.preferredNamespacePrefix) == Literal("atmp")


def test_sizes_meet_the_issue(tbox: Graph) -> None:
    classes = atmp_terms(tbox, OWL.Class)
    properties = atmp_terms(tbox, OWL.ObjectProperty) | atmp_terms(tbox, OWL.DatatypeProperty)
    with_domain_and_range = {p for p in properties if (p, RDFS.domain, None) in tbox and (p, RDFS.range, None) in tbox}
    assert len(classes) >= 150
    assert len(with_domain_and_range) >= 40


def test_every_term_has_label_definition_and_source(tbox: Graph) -> None:
    missing = []
    for term in sorted(all_terms(tbox)):
        labels = [o for o in tbox.objects(term, RDFS.label) if isinstance(o, Literal) and o.language == "en"]
        definitions = [o for o in tbox.objects(term, SKOS.definition) if isinstance(o, Literal) and o.language == "en"]
        if len(labels) != 1 or not definitions or (term, DCTERMS.source, None) not in tbox:
            missing.append(term)
    assert missing == []


def test_no_two_terms_share_an_english_label(tbox: Graph) -> None:
    labels = Counter(
        str(label).casefold()
        for term in all_terms(tbox)
        for label in tbox.objects(term, RDFS.label)
        if isinstance(label, Literal) and label.language == "en"
    )
    assert [label for label, count in labels.items() if count > 1] == []


@pytest.mark.parametrize("with_kb", [False, True], ids=["tbox", "tbox+kb"])
def test_properties_are_declared_once_and_not_punned(tbox: Graph, kb: Graph, with_kb: bool) -> None:
    graph = tbox + kb if with_kb else tbox
    kinds = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    used = {p for _, p, _ in graph if p != RDF.type}
    declared = {p: [k for k in kinds if (p, RDF.type, k) in tbox] for p in used}
    builtin = (str(RDF), str(RDFS), str(OWL))
    undeclared = sorted(p for p, ks in declared.items() if not ks and not str(p).startswith(builtin))
    punned = sorted(p for p, ks in declared.items() if len(ks) > 1)
    assert undeclared == [] and punned == []


def test_kb_uses_only_declared_ontology_terms(tbox: Graph, kb: Graph) -> None:
    declared = {s for s in tbox.subjects() if isinstance(s, URIRef) and s.startswith(str(ATMP))}
    used = {t for triple in kb for t in triple if isinstance(t, URIRef) and t.startswith(str(ATMP))}
    assert sorted(used - declared) == []
    types = set(kb.objects(None, RDF.type)) - {OWL.NamedIndividual}
    assert sorted(t for t in types if (t, RDF.type, OWL.Class) not in tbox) == []


def test_classes_used_in_axioms_are_declared(tbox: Graph) -> None:
    axiom_props = (RDFS.subClassOf, RDFS.domain, RDFS.range, OWL.someValuesFrom, OWL.allValuesFrom, OWL.disjointWith)
    used = {o for p in axiom_props for o in tbox.objects(None, p) if isinstance(o, URIRef)}
    used -= {RDFS.Literal} | {o for o in used if str(o).startswith("http://www.w3.org/2001/XMLSchema#")}
    declared = set(tbox.subjects(RDF.type, OWL.Class)) | set(tbox.subjects(RDF.type, RDFS.Datatype))
    assert sorted(used - declared) == []
    individuals = atmp_terms(tbox, OWL.NamedIndividual)
    assert individuals and not individuals & atmp_terms(tbox, OWL.Class)


def test_crest_is_deprecated_and_replaced_by_icans(tbox: Graph) -> None:
    [crest] = set(tbox.subjects(SKOS.altLabel, Literal("CREST", lang="en")))
    assert tbox.value(crest, OWL.deprecated) == Literal(True)
    replacement = tbox.value(crest, DCTERMS.isReplacedBy)
    assert Literal("ICANS", lang="en") in set(tbox.objects(replacement, SKOS.altLabel))
    assert tbox.value(crest, SKOS.historyNote) is not None


def test_german_labels_where_the_official_term_is_german(tbox: Graph) -> None:
    official_german = (
        "AdvancedTherapyMedicinalProduct",
        "GeneTherapyMedicinalProduct",
        "InvestigationalMedicinalProduct",
        "GeneticallyModifiedOrganism",
        "GoodManufacturingPractice",
        "HospitalExemptionAuthorisation",
    )
    for local in official_german:
        assert any(label.language == "de" for label in tbox.objects(ATMP[local], RDFS.label)), local


RELEASE_TESTS_BY_VECTOR = """
PREFIX atmp: <https://w3id.org/atmp/ontology/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?productClass ?testClass WHERE {
  VALUES ?productClass { atmp:LentivirallyModifiedProduct atmp:GammaretrovirallyModifiedProduct }
  ?productClass rdfs:subClassOf* ?super .
  ?super rdfs:subClassOf [ owl:onProperty atmp:requiresReleaseTest ; owl:someValuesFrom ?testClass ] .
}"""


def test_tbox_states_release_tests_per_vector_kind(tbox: Graph) -> None:
    rows = {
        (str(row[0]).removeprefix(str(ATMP)), str(row[1]).removeprefix(str(ATMP)))  # type: ignore[index]
        for row in tbox.query(RELEASE_TESTS_BY_VECTOR)
    }
    common = {"SterilityTest", "MycoplasmaTest", "EndotoxinTest", "PurityTest", "VectorCopyNumberAssay"}
    assert rows == {("LentivirallyModifiedProduct", t) for t in common | {"ReplicationCompetentLentivirusTest"}} | {
        ("GammaretrovirallyModifiedProduct", t) for t in common | {"ReplicationCompetentRetrovirusTest"}
    }


# --- seed abbreviations ----------------------------------------------------------------------------


def resolving(graph: Graph, forms: set[str]) -> set[URIRef]:
    """Subjects whose label or altLabel (any language) is one of ``forms``."""
    return {
        s
        for p in (RDFS.label, SKOS.altLabel)
        for s, o in graph.subject_objects(p)
        if isinstance(s, URIRef) and isinstance(o, Literal) and str(o) in forms
    }


@pytest.mark.parametrize("abbreviation", sorted(CONCEPT_ABBREVIATIONS))
def test_concept_abbreviation_is_exactly_one_ontology_term(tbox: Graph, abbreviation: str) -> None:
    [term] = resolving(tbox, CONCEPT_ABBREVIATIONS[abbreviation])
    assert term.startswith(str(ATMP))


@pytest.mark.parametrize("abbreviation", sorted(ORGANISATION_ABBREVIATIONS))
def test_organisation_abbreviation_is_exactly_one_kb_individual(tbox: Graph, kb: Graph, abbreviation: str) -> None:
    assert not resolving(tbox, ORGANISATION_ABBREVIATIONS[abbreviation])
    [individual] = resolving(kb, ORGANISATION_ABBREVIATIONS[abbreviation])
    assert individual.startswith("https://w3id.org/atmp/kb/")


def test_every_seed_abbreviation_resolves_to_exactly_one_term_across_ontology_and_kb(tbox: Graph, kb: Graph) -> None:
    union = tbox + kb
    abbreviations = CONCEPT_ABBREVIATIONS | ORGANISATION_ABBREVIATIONS
    counts = {name: len(resolving(union, forms)) for name, forms in abbreviations.items()}
    assert counts == dict.fromkeys(counts, 1)


# --- reasoning ------------------------------------------------------------------------------------


def test_hermit_finds_kb_consistent_and_no_unsatisfiable_class(reasoned: owlready2.World) -> None:
    assert list(reasoned.inconsistent_classes()) == []
    assert reasoned["https://w3id.org/atmp/kb/PEI"] is not None  # the KB was part of the reasoning


def inferred_types(world: owlready2.World, local: str) -> set[str]:
    individual = world["https://example.org/test/" + local]
    return {cls.name for cls in individual.INDIRECT_is_a if hasattr(cls, "name")}


def test_reasoner_classifies_a_car_t_product(reasoned: owlready2.World) -> None:
    assert {
        "CarTCellProduct",
        "InvestigationalMedicinalProduct",
        "GeneTherapyMedicinalProduct",
        "AdvancedTherapyMedicinalProduct",
        "AutologousCellProduct",
        "LentivirallyModifiedProduct",
        "Cd28CostimulatedCarTProduct",
        "Cd19DirectedProduct",
    } <= inferred_types(reasoned, "product")
    assert "TcrTCellProduct" not in inferred_types(reasoned, "product")
    assert {"Cd28CostimulatedCar", "SecondGenerationCar"} & inferred_types(reasoned, "car") == {"Cd28CostimulatedCar"}


def test_reasoner_classifies_trial_sponsor_and_authorised_tcr_product(reasoned: owlready2.World) -> None:
    trial_types = inferred_types(reasoned, "trial")
    assert {"PhaseIClinicalTrial", "EarlyPhaseClinicalTrial", "AcademicClinicalTrial"} <= trial_types
    assert {"AcademicSponsor", "TrialSponsor"} <= inferred_types(reasoned, "university")
    assert {"TcrTCellProduct", "AuthorisedMedicinalProduct"} <= inferred_types(reasoned, "tcrProduct")
    assert "MarketingAuthorisationHolder" in inferred_types(reasoned, "company")


def test_reasoner_classifies_a_hospital_exemption_product_and_a_commercial_phase_ii_trial(
    reasoned: owlready2.World,
) -> None:
    he_types = inferred_types(reasoned, "heProduct")
    assert {
        "HospitalExemptionProduct",
        "AllogeneicCellProduct",
        "TransposonModifiedProduct",
        "BcmaDirectedProduct",
        "FourOneBbCostimulatedCarTProduct",
        "CarTCellProduct",
    } <= he_types
    assert not {"AutologousCellProduct", "AuthorisedMedicinalProduct", "InvestigationalMedicinalProduct"} & he_types
    trial_types = inferred_types(reasoned, "trial2")
    assert {"PhaseIIClinicalTrial", "CommercialClinicalTrial"} <= trial_types
    assert not {"EarlyPhaseClinicalTrial", "AcademicClinicalTrial", "PhaseIClinicalTrial"} & trial_types
    assert "CommercialSponsor" in inferred_types(reasoned, "company")
    assert "InvestigationalMedicinalProduct" in inferred_types(reasoned, "tcrProduct")


def test_property_chain_gives_the_product_its_target(reasoned: owlready2.World) -> None:
    product = reasoned["https://example.org/test/product"]
    has_target = reasoned[str(ATMP.hasTargetAntigen)]
    assert [antigen.name for antigen in has_target[product]] == ["CD19"]


# --- mappings -------------------------------------------------------------------------------------


def test_sssom_mappings_use_known_subjects_and_verified_objects(tbox: Graph) -> None:
    lines = MAPPINGS.read_text(encoding="utf-8").splitlines()
    header = [line for line in lines if line.startswith("#")]
    assert any(line.startswith("# mapping_set_id:") for line in header)
    assert any(line.startswith("# license:") for line in header)
    rows = list(csv.DictReader([line for line in lines if not line.startswith("#")], delimiter="\t"))
    assert rows
    terms = all_terms(tbox)
    for row in rows:
        assert ATMP[row["subject_id"].removeprefix("atmp:")] in terms, row
        assert row["object_id"] in VERIFIED_EXTERNAL_IDS, row
        assert row["predicate_id"] in {"skos:exactMatch", "skos:closeMatch", "skos:broadMatch", "skos:narrowMatch"}
        assert row["mapping_justification"].startswith("semapv:")


# --- diagram --------------------------------------------------------------------------------------


def test_diagram_command_writes_mermaid_and_dot(tmp_path: Path) -> None:
    mermaid_file, dot_file = tmp_path / "d.mmd", tmp_path / "d.dot"
    assert ontology_diagram.main(["--output", str(mermaid_file)]) == 0
    assert ontology_diagram.main(["--format", "dot", "--output", str(dot_file)]) == 0
    mermaid = mermaid_file.read_text(encoding="utf-8")
    assert mermaid.startswith("classDiagram")
    assert "  GeneTherapyMedicinalProduct <|-- GeneticallyModifiedCellProduct" in mermaid
    assert "  ClinicalTrial --> MedicinalProduct : investigatesProduct" in mermaid
    assert re.search(r'"CarTCellRelatedEncephalopathySyndrome" \[label="[^"]+", style=dashed\]', dot_file.read_text())


def test_diagram_module_runs_as_a_script(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "atmp_graph.ontology_diagram", "--depth", "0", "--no-properties"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "class prov_Entity" in result.stdout and "<|--" not in result.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "atmp_graph.ontology_diagram", str(tmp_path)], capture_output=True, text=True
    )
    assert missing.returncode == 2 and "no ontology Turtle files" in missing.stderr


def test_docs_embed_the_current_overview_diagram(tbox: Graph) -> None:
    text = DOCS.read_text(encoding="utf-8")
    block = re.search(r"```mermaid\n(.*?)\n```", text, re.DOTALL)
    assert block is not None
    assert block.group(1) == ontology_diagram.mermaid(tbox, depth=1)
