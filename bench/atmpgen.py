"""Synthetic knowledge-base data in the atmp vocabulary, at a scale factor, for the benchmark suite.

The data follows the ontology (``ontology/atmp.ttl``) and passes the bundled shapes
(``shapes/*.ttl``); it reuses the ontology's and the curated KB's reference
individuals (target antigens, phases, cell origins, indications, CRS/ICANS grades,
costimulatory and signalling domains, HLA alleles, jurisdictions, agencies) and
makes up everything else under ``http://example.org/atmp-bench/`` (``ex:``), so
that it can never be mistaken for knowledge. What it makes, per product cluster
(about 170 triples):

- a CAR-T product (85%) with its second-generation CAR (target antigen, binder,
  costimulatory and CD3-zeta domains) or a TCR-T product (15%) with its TCR and HLA
  restriction; its vector, indications, cell origin, developer, manufacturing site;
- one to three clinical trials (phase, sponsor, investigated product, NCT and EudraCT
  numbers, start and end dates, indication, two to five trial sites);
- about eight adverse-event reports (CRS or ICANS, graded on the ASTCT scales, with
  the target antigen, the country, the report time, sometimes the treatment);
- a release specification with four to six release tests, and release-test results
  for two or three batches (a performed test: the product, when, the result);
- for one product in ten, an EC or FDA decision and the marketing authorisation it
  results in.

Shared pools: organisations (one per five products, companies and university
hospitals, each with a name and a source), trial sites (one per three products) and
manufacturing sites (one per twenty products).

Output is N-Triples, one line at a time (:func:`triples`), so 10M triples are written
without holding them in memory. The same seed gives the same bytes.

    python -m bench.atmpgen 1000000 --seed 1 > /tmp/atmp-1m.nt

Parameters for the query mix (IRIs and labels of products, trials, sponsors ...) are
computed from indexes by the functions below (:func:`product_iri`,
:func:`product_label` ...), so a runner can pick them without reading the data back.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

EX = "http://example.org/atmp-bench/"
A = "https://w3id.org/atmp/ontology/"
KB = "https://w3id.org/atmp/kb/"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDF_VALUE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#value>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
ALT = "<http://www.w3.org/2004/02/skos/core#altLabel>"
SOURCE = "<http://purl.org/dc/terms/source>"
XSD = "http://www.w3.org/2001/XMLSchema#"
PROV = "http://www.w3.org/ns/prov#"
ORG = "http://www.w3.org/ns/org#"

TRIPLES_PER_CLUSTER = 170  # measured: about 170 lines per product cluster on average

# Reference individuals of the ontology and the curated KB (never made up here).
CAR_ANTIGENS = ("CD19", "CD19", "CD19", "BCMA", "BCMA", "HER2", "EGFR", "GD2")
TCR_ANTIGENS = ("MAGEA4", "NYESO1", "MAGEA3")
HLA = ("HLA_A0201P", "HLA_A0202P", "HLA_A0203P", "HLA_A0206P")
COSTIMULATORY = ("FourOneBBCostimulatoryDomain", "CD28CostimulatoryDomain")
HINGES = ("CD8AlphaHingeDomain", "CD28HingeDomain", "IgG4HingeDomain")
BINDERS = ("FMC63ScFv", "CAT19ScFv")
INDICATIONS = {
    "CD19": ("Indication_BALL", "Indication_LBCL", "Indication_MCL"),
    "BCMA": ("Indication_MM",),
    "MAGEA4": ("Indication_SynovialSarcoma",),
}
SOLID_INDICATION = ("Indication_SynovialSarcoma",)
PHASES = ("PhaseI", "PhaseI", "PhaseIandII", "PhaseIandII", "PhaseII", "PhaseIII")
JURISDICTIONS = ("Germany", "Germany", "Spain", "UnitedStates", "UnitedStates", "EuropeanUnion")
COUNTRIES = ("Germany", "Spain", "UnitedStates")
CRS_GRADES = ("ASTCT_CRS_Grade1", "ASTCT_CRS_Grade1", "ASTCT_CRS_Grade1", "ASTCT_CRS_Grade2",
              "ASTCT_CRS_Grade2", "ASTCT_CRS_Grade3", "ASTCT_CRS_Grade4")
ICANS_GRADES = ("ASTCT_ICANS_Grade1", "ASTCT_ICANS_Grade1", "ASTCT_ICANS_Grade2", "ASTCT_ICANS_Grade3",
                "ASTCT_ICANS_Grade4")
TREATMENTS = ("Tocilizumab", "Corticosteroids")
# (class, label, method, acceptance criterion, result values)
RELEASE_TESTS = (
    ("SterilityTest", "sterility", "culture-based assay", "negative", ("negative",)),
    ("MycoplasmaTest", "mycoplasma", "PCR", "negative", ("negative",)),
    ("EndotoxinTest", "endotoxin", "kinetic chromogenic LAL assay", "< 5 EU/kg", ("< 0.5 EU/kg", "< 1 EU/kg")),
    ("ViabilityTest", "viability", "flow cytometry (7-AAD)", "viability >= 70 %", ("82 %", "76 %", "91 %", "68 %")),
    ("VectorCopyNumberAssay", "vector copy number", "ddPCR", "< 5 copies per cell", ("1.2", "2.4", "3.1")),
    ("IdentityTest", "CAR expression", "flow cytometry", "CAR+ T cells >= 20 %", ("34 %", "41 %", "18 %")),
)
SYLLABLES_1 = ("ax", "bre", "cil", "den", "el", "fo", "gar", "hel", "ide", "jo", "ka", "lis", "mo", "ne", "obe",
               "pra", "qui", "ro", "sa", "ti", "u", "ve", "wa", "xe", "ya", "zo")
SYLLABLES_2 = ("ca", "mi", "ro", "te", "lu", "na", "so", "vi", "ze")
ORG_KINDS = (("Company", "Therapeutics"), ("Company", "Biotech"), ("Company", "Cell Therapies"),
             ("UniversityHospital", "University Hospital"), ("ResearchCentre", "Cancer Research Centre"))
CITIES = ("Aachen", "Berlin", "Dresden", "Essen", "Frankfurt", "Freiburg", "Hamburg", "Heidelberg", "Leipzig",
          "Mainz", "Munich", "Tübingen", "Würzburg", "Barcelona", "Madrid", "Valencia", "Boston", "Houston",
          "Philadelphia", "Seattle", "Los Angeles", "New York")


def iri(local: str, ns: str = EX) -> str:
    return f"<{ns}{local}>"


def a(local: str) -> str:
    return f"<{A}{local}>"


def kb(local: str) -> str:
    return f"<{KB}{local}>"


def lit(text: str, *, datatype: str | None = None, lang: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    if lang:
        return f'"{escaped}"@{lang}'
    return f'"{escaped}"^^<{datatype}>' if datatype else f'"{escaped}"'


@dataclass(frozen=True)
class Scale:
    """Sizes of the generated pools, from a target number of triples."""

    triples: int
    products: int
    organisations: int
    trial_sites: int
    manufacturing_sites: int
    seed: int

    @classmethod
    def for_triples(cls, triples: int, seed: int = 1) -> Scale:
        products = max(4, triples // TRIPLES_PER_CLUSTER)
        return cls(triples=triples, products=products, organisations=max(4, products // 5),
                   trial_sites=max(4, products // 3), manufacturing_sites=max(2, products // 20), seed=seed)


def inn(i: int) -> str:
    """A made-up international non-proprietary name, unique per index, in the style of real ones.

    ``-cabtagene`` for CAR-T and ``-tresgene`` for TCR-T products (every seventh, as
    :func:`product_kind`), ``allogeneleucel`` for allogeneic ones (every tenth).

    >>> inn(0), inn(27)
    ('axtresgene allogeneleucel', 'brecacabtagene autoleucel')
    """
    first = SYLLABLES_1[i % len(SYLLABLES_1)]
    rest = i // len(SYLLABLES_1)
    middle = ""
    while rest:  # bijective numbering: every index its own syllables
        rest -= 1
        middle += SYLLABLES_2[rest % len(SYLLABLES_2)]
        rest //= len(SYLLABLES_2)
    stem = "cabtagene" if i % 7 else "tresgene"
    return f"{first}{middle}{stem} {'autoleucel' if i % 10 else 'allogeneleucel'}"


def product_iri(i: int) -> str:
    return f"{EX}product/{i}"


def product_label(i: int) -> str:
    """The English label of product ``i`` (its development code): unique."""
    return f"ATMP-{i:06d}"


def trial_iri(i: int, k: int = 0) -> str:
    return f"{EX}trial/{i}-{k}"


def trial_label(i: int, k: int = 0) -> str:
    return f"{product_label(i)} study {k + 1}"


def organisation_iri(j: int) -> str:
    return f"{EX}org/{j}"


def site_iri(j: int) -> str:
    return f"{EX}site/{j}"


def report_iri(i: int, k: int) -> str:
    return f"{EX}ae/{i}-{k}"


def product_kind(i: int) -> str:
    """``CarTCellProduct`` or ``TcrTCellProduct`` (every seventh product is a TCR-T product)."""
    return "CarTCellProduct" if i % 7 else "TcrTCellProduct"


def _date(rng: random.Random, first_year: int, last_year: int) -> str:
    return f"{rng.randint(first_year, last_year)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _pools(scale: Scale, rng: random.Random) -> Iterator[str]:
    for j in range(scale.organisations):
        cls, suffix = ORG_KINDS[j % len(ORG_KINDS)]
        org = iri(f"org/{j}")
        yield f"{org} {RDF_TYPE} {a(cls)} ."
        name = f"{CITIES[j % len(CITIES)]} {suffix} {j}" if cls != "Company" else f"{inn(j).split()[0].title()} {suffix}"
        yield f"{org} {LABEL} {lit(name, lang='en')} ."
        yield f"{org} {SOURCE} <https://example.org/atmp-bench/source/org/{j}> ."
        if j >= 10 and j % 4 == 0:  # a few subsidiaries, for the developer-group query
            yield f"{org} <{ORG}subOrganizationOf> {iri(f'org/{j // 10}')} ."
    for j in range(scale.trial_sites):
        site = iri(f"site/{j}")
        yield f"{site} {RDF_TYPE} {a('TrialSite')} ."
        yield f"{site} {LABEL} {lit(f'{CITIES[j % len(CITIES)]} trial site {j}', lang='en')} ."
        yield f"{site} {a('locatedIn')} {kb(COUNTRIES[rng.randrange(len(COUNTRIES))])} ."
    for j in range(scale.manufacturing_sites):
        site = iri(f"msite/{j}")
        yield f"{site} {RDF_TYPE} {a('ManufacturingSite')} ."
        yield f"{site} {LABEL} {lit(f'Manufacturing site {j}', lang='en')} ."
        yield f"{site} {a('locatedIn')} {kb(COUNTRIES[j % len(COUNTRIES)])} ."


def _cluster(i: int, scale: Scale, rng: random.Random) -> Iterator[str]:
    kind = product_kind(i)
    product, construct, vector = iri(f"product/{i}"), iri(f"construct/{i}"), iri(f"vector/{i}")
    developer = rng.randrange(scale.organisations)
    antigen = rng.choice(CAR_ANTIGENS if kind == "CarTCellProduct" else TCR_ANTIGENS)
    yield f"{product} {RDF_TYPE} {a(kind)} ."
    yield f"{product} {LABEL} {lit(product_label(i), lang='en')} ."
    yield f"{product} {a('internationalNonproprietaryName')} {lit(inn(i))} ."
    yield f"{product} {a('developmentCode')} {lit(product_label(i))} ."
    yield f"{product} {ALT} {lit(inn(i).split()[0])} ."
    yield f"{product} {a('expressesConstruct')} {construct} ."
    yield f"{product} {a('usesVector')} {vector} ."
    yield f"{product} {a('hasCellOrigin')} {a('Allogeneic' if i % 10 == 0 else 'Autologous')} ."
    yield f"{product} {a('developedBy')} {iri(f'org/{developer}')} ."
    yield f"{product} {a('manufacturedAt')} {iri(f'msite/{rng.randrange(scale.manufacturing_sites)}')} ."
    indications = INDICATIONS.get(antigen, SOLID_INDICATION)
    for indication in sorted(set(rng.choices(indications, k=2))):
        yield f"{product} {a('hasIndication')} {kb(indication)} ."
    yield f"{product} {SOURCE} <https://example.org/atmp-bench/source/product/{i}> ."
    # the receptor
    if kind == "CarTCellProduct":
        yield f"{construct} {RDF_TYPE} {a('SecondGenerationCar')} ."
        yield f"{construct} {LABEL} {lit(f'CAR of {product_label(i)}', lang='en')} ."
        yield f"{construct} {a('targetsAntigen')} {a(antigen)} ."
        if antigen == "CD19":
            yield f"{construct} {a('hasDomain')} {kb(rng.choice(BINDERS))} ."
        yield f"{construct} {a('hasDomain')} {kb(rng.choice(HINGES))} ."
        yield f"{construct} {a('hasDomain')} {kb(rng.choice(COSTIMULATORY))} ."
        yield f"{construct} {a('hasDomain')} {kb('CD3ZetaSignallingDomain')} ."
    else:
        yield f"{construct} {RDF_TYPE} {a('TransgenicTCellReceptor')} ."
        yield f"{construct} {LABEL} {lit(f'TCR of {product_label(i)}', lang='en')} ."
        yield f"{construct} {a('targetsAntigen')} {a(antigen)} ."
        yield f"{construct} {a('hasHlaRestriction')} {kb(rng.choice(HLA))} ."
    vector_kind = "LentiviralVector" if rng.random() < 0.7 else "GammaretroviralVector"
    yield f"{vector} {RDF_TYPE} {a(vector_kind)} ."
    yield f"{vector} {LABEL} {lit(f'{vector_kind[:-6].lower()} vector of {inn(i).split()[0]}', lang='en')} ."
    # trials
    for k in range(1 + (rng.random() < 0.5) + (rng.random() < 0.2)):
        trial = iri(f"trial/{i}-{k}")
        start = _date(rng, 2012, 2023)
        yield f"{trial} {RDF_TYPE} {a('ClinicalTrial')} ."
        yield f"{trial} {LABEL} {lit(trial_label(i, k), lang='en')} ."
        yield f"{trial} {a('hasPhase')} {a(PHASES[rng.randrange(len(PHASES))])} ."
        sponsor = developer if rng.random() < 0.6 else rng.randrange(scale.organisations)
        yield f"{trial} {a('hasSponsor')} {iri(f'org/{sponsor}')} ."
        yield f"{trial} {a('investigatesProduct')} {product} ."
        yield f"{trial} {a('nctNumber')} {lit(f'NCT{(i * 3 + k) % 100_000_000:08d}')} ."
        if rng.random() < 0.5:
            year = start[:4]
            yield f"{trial} {a('eudractNumber')} {lit(f'{year}-{(i * 3 + k) % 1_000_000:06d}-{i % 100:02d}')} ."
        yield f"{trial} {a('startDate')} {lit(start, datatype=XSD + 'date')} ."
        if rng.random() < 0.6:
            yield f"{trial} {a('endDate')} {lit(f'{int(start[:4]) + rng.randint(1, 5)}{start[4:]}', datatype=XSD + 'date')} ."
        yield f"{trial} {a('hasIndication')} {kb(rng.choice(indications))} ."
        for site in sorted(rng.sample(range(scale.trial_sites), k=min(scale.trial_sites, rng.randint(2, 5)))):
            yield f"{trial} {a('hasTrialSite')} {iri(f'site/{site}')} ."
    # adverse-event reports
    for k in range(rng.randint(4, 12)):
        report = iri(f"ae/{i}-{k}")
        crs = rng.random() < 0.7
        yield f"{report} {RDF_TYPE} {a('CytokineReleaseSyndrome' if crs else 'ImmuneEffectorCellAssociatedNeurotoxicitySyndrome')} ."
        name = f"{'CRS' if crs else 'ICANS'} report {k + 1} for {product_label(i)}"
        yield f"{report} {LABEL} {lit(name, lang='en')} ."
        yield f"{report} {a('hasSeverityGrade')} {kb(rng.choice(CRS_GRADES if crs else ICANS_GRADES))} ."
        yield f"{report} {a('involvesTargetAntigen')} {a(antigen)} ."
        yield f"{report} {a('locatedIn')} {kb(rng.choice(COUNTRIES))} ."
        yield (f"{report} <{PROV}generatedAtTime> "
               f"{lit(_date(rng, 2015, 2025) + f'T{rng.randint(0, 23):02d}:00:00Z', datatype=XSD + 'dateTime')} .")
        if rng.random() < 0.4:
            yield f"{report} {a('managedWith')} {kb(rng.choice(TREATMENTS))} ."
        yield f"{product} {a('hasIdentifiedRisk')} {report} ."
    # release specification, tests and batch results
    spec = iri(f"spec/{i}")
    tests = rng.sample(RELEASE_TESTS, k=rng.randint(4, 6))
    yield f"{product} {a('hasSpecification')} {spec} ."
    yield f"{spec} {RDF_TYPE} {a('ProductSpecification')} ."
    yield f"{spec} {LABEL} {lit(f'release specification of {product_label(i)}', lang='en')} ."
    for cls, name, method, criterion, _ in tests:
        test = iri(f"spec/{i}/{cls}")
        yield f"{spec} {a('includesTest')} {test} ."
        yield f"{test} {RDF_TYPE} {a(cls)} ."
        yield f"{test} {LABEL} {lit(f'{name} release test of {product_label(i)}', lang='en')} ."
        yield f"{test} {a('analyticalMethod')} {lit(method)} ."
        yield f"{test} {a('acceptanceCriterion')} {lit(criterion)} ."
    for batch in range(rng.randint(1, 3)):
        released = _date(rng, 2018, 2025)
        for cls, name, method, criterion, values in tests[:3]:
            result = iri(f"result/{i}-{batch}-{cls}")
            yield f"{result} {RDF_TYPE} {a(cls)} ."
            yield f"{result} {LABEL} {lit(f'{name} test of batch {batch + 1} of {product_label(i)}', lang='en')} ."
            yield f"{result} {a('acceptanceCriterion')} {lit(criterion)} ."
            yield f"{result} <{PROV}used> {product} ."
            yield f"{result} <{PROV}endedAtTime> {lit(released + 'T12:00:00Z', datatype=XSD + 'dateTime')} ."
            yield f"{result} {RDF_VALUE} {lit(rng.choice(values))} ."
    # one product in ten is authorised: the decision and the authorisation it results in
    if i % 10 == 3:
        eu = rng.random() < 0.6
        decision, authorisation = iri(f"decision/{i}"), iri(f"authorisation/{i}")
        agency = kb("EuropeanCommission" if eu else "FDA")
        yield f"{decision} {RDF_TYPE} {a('MarketingAuthorisationDecision')} ."
        name = f"{'EC' if eu else 'FDA'} approval of {product_label(i)}"
        yield f"{decision} {LABEL} {lit(name, lang='en')} ."
        yield f"{decision} {a('concernsProduct')} {product} ."
        yield f"{decision} {a('decidedBy')} {agency} ."
        yield f"{decision} {a('decisionDate')} {lit(_date(rng, 2017, 2025), datatype=XSD + 'date')} ."
        yield f"{decision} {a('resultsInAuthorisation')} {authorisation} ."
        yield f"{authorisation} {RDF_TYPE} {a('MarketingAuthorisation')} ."
        yield f"{authorisation} {a('authorisesProduct')} {product} ."
        yield f"{authorisation} {a('grantedBy')} {kb('EMA' if eu else 'FDA')} ."
        yield f"{authorisation} {a('appliesInJurisdiction')} {kb('EuropeanUnion' if eu else 'UnitedStates')} ."
        yield f"{authorisation} {a('authorisationHolder')} {iri(f'org/{developer}')} ."
        yield f"{product} {a('marketingAuthorisationHolder')} {iri(f'org/{developer}')} ."


def triples(count: int, *, seed: int = 1) -> Iterator[str]:
    """About ``count`` N-Triples lines (without newlines), deterministic for a seed.

    Whole product clusters are written until at least ``count`` lines are out, so the
    result is a little above ``count``.

    >>> lines = list(triples(2000, seed=3))
    >>> len(lines) >= 2000, lines == list(triples(2000, seed=3)), lines != list(triples(2000, seed=4))
    (True, True, True)
    """
    scale = Scale.for_triples(count, seed)
    rng = random.Random(seed)
    written = 0
    for line in _pools(scale, rng):
        written += 1
        yield line
    i = 0
    while written < count:
        for line in _cluster(i, scale, rng):
            written += 1
            yield line
        i += 1


def write(path: Path, count: int, *, seed: int = 1) -> dict[str, int]:
    """Write the data to ``path`` (N-Triples); the manifest: triples written and pool sizes."""
    scale = Scale.for_triples(count, seed)
    written = 0
    products = 0
    with path.open("w", encoding="utf-8") as out:
        for line in triples(count, seed=seed):
            out.write(line)
            out.write("\n")
            written += 1
            if line.endswith(f"{RDF_TYPE} {a('CarTCellProduct')} .") or line.endswith(
                    f"{RDF_TYPE} {a('TcrTCellProduct')} ."):
                products += 1
    manifest = {**asdict(scale), "products": products, "triples_written": written}
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write synthetic atmp KB data as N-Triples.")
    parser.add_argument("triples", type=int, help="about how many triples (10k to 10M)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, help="file to write (default: standard output)")
    args = parser.parse_args(argv)
    if args.output:
        print(json.dumps(write(args.output, args.triples, seed=args.seed)), file=sys.stderr)
    else:
        out = sys.stdout
        for line in triples(args.triples, seed=args.seed):
            out.write(line + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
