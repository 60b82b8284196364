"""Generate KB-like data for the reasoning benchmark: a small TBox plus N triples of ABox.

The TBox mirrors the shapes of the atmp ontology's axioms that drive inference: a class
hierarchy four levels deep, domains and ranges, an inverse, a sub-property, a symmetric
and a transitive property, a property chain, a union, an intersection, an
existential (``InvestigationalMedicinalProduct`` = tested in some trial) and a
``hasValue`` class, plus a few ``owl:sameAs`` links. The individuals are CAR-T and
TCR-T products, trials, organisations, antigens and vectors, made up (``ex:`` IRIs):
this is load, not knowledge.

    python -m bench.kbgen 100000 > /tmp/kb-100k.nt
"""

from __future__ import annotations

import random
import sys

EX = "http://example.org/bench/"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
SAME_AS = "<http://www.w3.org/2002/07/owl#sameAs>"

TBOX = """
@prefix ex: <http://example.org/bench/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

ex:MedicinalProduct a owl:Class .
ex:AdvancedTherapyMedicinalProduct a owl:Class ; rdfs:subClassOf ex:MedicinalProduct .
ex:GeneTherapyMedicinalProduct a owl:Class ; rdfs:subClassOf ex:AdvancedTherapyMedicinalProduct .
ex:CarTCellProduct a owl:Class ; rdfs:subClassOf ex:GeneTherapyMedicinalProduct .
ex:TcrTCellProduct a owl:Class ; rdfs:subClassOf ex:GeneTherapyMedicinalProduct .
ex:EngineeredTCellProduct a owl:Class ; owl:unionOf ( ex:CarTCellProduct ex:TcrTCellProduct ) .
ex:InvestigationalMedicinalProduct a owl:Class ;
    owl:equivalentClass [ a owl:Restriction ; owl:onProperty ex:testedIn ; owl:someValuesFrom ex:ClinicalTrial ] .
ex:InvestigationalAtmp a owl:Class ;
    owl:intersectionOf ( ex:AdvancedTherapyMedicinalProduct ex:InvestigationalMedicinalProduct ) .
ex:Cd19DirectedProduct a owl:Class ;
    owl:equivalentClass [ a owl:Restriction ; owl:onProperty ex:targets ; owl:hasValue ex:antigen0 ] .
ex:Agent a owl:Class .
ex:Organisation a owl:Class ; rdfs:subClassOf ex:Agent .
ex:AcademicInstitution a owl:Class ; rdfs:subClassOf ex:Organisation .
ex:Company a owl:Class ; rdfs:subClassOf ex:Organisation .
ex:ClinicalTrial a owl:Class .
ex:Antigen a owl:Class .
ex:Vector a owl:Class .
ex:LentiviralVector a owl:Class ; rdfs:subClassOf ex:Vector .
ex:GammaretroviralVector a owl:Class ; rdfs:subClassOf ex:Vector .

ex:testedIn a owl:ObjectProperty ; rdfs:domain ex:MedicinalProduct ; rdfs:range ex:ClinicalTrial .
ex:tests a owl:ObjectProperty ; owl:inverseOf ex:testedIn .
ex:sponsor a owl:ObjectProperty ; rdfs:domain ex:ClinicalTrial ; rdfs:range ex:Agent .
ex:leadSponsor a owl:ObjectProperty ; rdfs:subPropertyOf ex:sponsor .
ex:targets a owl:ObjectProperty ; rdfs:domain ex:GeneTherapyMedicinalProduct ; rdfs:range ex:Antigen .
ex:hasVector a owl:ObjectProperty ; rdfs:range ex:Vector .
ex:partOf a owl:ObjectProperty , owl:TransitiveProperty ; rdfs:domain ex:Organisation ; rdfs:range ex:Organisation .
ex:collaboratesWith a owl:ObjectProperty , owl:SymmetricProperty .
ex:investigatesTarget a owl:ObjectProperty ; owl:propertyChainAxiom ( ex:tests ex:targets ) .
ex:phase a owl:DatatypeProperty ; rdfs:domain ex:ClinicalTrial .
"""

_PRODUCT_CLASSES = ("CarTCellProduct", "CarTCellProduct", "CarTCellProduct", "TcrTCellProduct")
_ORG_CLASSES = ("AcademicInstitution", "AcademicInstitution", "Company")
_VECTOR_CLASSES = ("LentiviralVector", "GammaretroviralVector")


def _iri(name: str) -> str:
    return f"<{EX}{name}>"


def generate(triples: int, *, seed: int = 1) -> str:
    """About ``triples`` ABox triples (N-Triples; the TBox is :data:`TBOX`), deterministic for a seed.

    >>> len(generate(1000).splitlines()) >= 1000
    True
    """
    rng = random.Random(seed)
    lines: list[str] = []
    add = lines.append
    # Each "unit" (one product, one trial, and a share of organisations) makes about 14 triples.
    units = max(1, triples // 14)
    organisations = max(4, units // 5)
    antigens = max(2, units // 50)
    vectors = max(2, units // 100)
    for i in range(antigens):
        add(f'{_iri(f"antigen{i}")} {RDF_TYPE} {_iri("Antigen")} .')
    for i in range(vectors):
        add(f'{_iri(f"vector{i}")} {RDF_TYPE} {_iri(_VECTOR_CLASSES[i % 2])} .')
    for i in range(organisations):
        org = _iri(f"org{i}")
        add(f"{org} {RDF_TYPE} {_iri(rng.choice(_ORG_CLASSES))} .")
        add(f'{org} {LABEL} "Organisation {i}" .')
        if i >= 10:  # departments of departments: chains of partOf up to a few levels
            add(f'{org} {_iri("partOf")} {_iri(f"org{i // 10}")} .')
        if i % 7 == 0:
            add(f'{org} {_iri("collaboratesWith")} {_iri(f"org{rng.randrange(organisations)}")} .')
    i = 0
    while len(lines) < triples:
        product, trial = _iri(f"product{i}"), _iri(f"trial{i}")
        add(f"{product} {RDF_TYPE} {_iri(rng.choice(_PRODUCT_CLASSES))} .")
        add(f'{product} {LABEL} "Product {i}" .')
        add(f'{product} {_iri("targets")} {_iri(f"antigen{rng.randrange(antigens)}")} .')
        add(f'{product} {_iri("hasVector")} {_iri(f"vector{rng.randrange(vectors)}")} .')
        if i % 3:  # two products in three are only linked to a trial: IMPs by inference
            add(f'{product} {_iri("testedIn")} {trial} .')
        else:
            add(f'{trial} {_iri("tests")} {product} .')
        add(f'{trial} {LABEL} "Trial {i}" .')
        add(f'{trial} {_iri("phase")} "I/II" .')
        sponsor = "leadSponsor" if i % 2 else "sponsor"
        add(f'{trial} {_iri(sponsor)} {_iri(f"org{rng.randrange(organisations)}")} .')
        if i % 1000 == 999:  # a few products known under two names
            add(f'{product} {SAME_AS} {_iri(f"productAlias{i}")} .')
        i += 1
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(generate(int(sys.argv[1])))
