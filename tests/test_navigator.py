"""The regulatory navigator (issue 9): profiles of the approved products and of typical German
academic early-phase trials give their expected requirement sets; changing only the vector
switches RCL to RCR; a member state without national data says so; invalid profiles get 4xx
with field-level messages; a curator adds a requirement with a Turtle edit alone. Through the
library, the CLI and the HTTP API (the web form is in test_browser.py).

Expected sets are written by hand from ontology/kb/requirements.ttl, not copied from output.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from atmp_graph.namespaces import ATMP, BUNDLED_ONTOLOGY_DIR, KB
from atmp_graph.navigator import Answer, ProfileError, navigate, parse_profile, store_select
from atmp_graph.reasoning import materialise
from atmp_graph.store import GraphStore, bundled_sources
from conftest import Server, running_server

PROV = Namespace("http://www.w3.org/ns/prov#")

# Requirements every CAR-T profile in the EU with a lentiviral vector shares (before route/country ones).
TESTS_ALL = {"Req_SterilityTest", "Req_MycoplasmaTest", "Req_EndotoxinTest", "Req_TCellPurityTest"}
VIRAL_CAR = TESTS_ALL | {"Req_CarIdentityTest", "Req_VectorCopyNumberTest", "Req_PotencyTest"}
ALWAYS = {"Req_GtmpClassification", "Req_NonClinicalPharmacology", "Req_CrsGrading", "Req_IcansGrading"}
VIRAL = {"Req_GmoStatusViralVector", "Req_LongTermFollowUp"}
EU_MA_IN_GERMANY = {"Req_EmaCatAssessment", "Req_CentralisedMarketingAuthorisation", "Req_GmpForAtmps",
                    "Req_ManufacturingAuthorisationGermany", "Req_GermanContainedUse"}
GERMAN_ACADEMIC_TRIAL = {"Req_PeiCompetentAuthority", "Req_PeiInnovationOfficeAdvice", "Req_EthicsCommitteeGermany",
                         "Req_EuClinicalTrialApplication", "Req_ManufacturingAuthorisationGermany", "Req_GmpForAtmps"}
GERMAN_GMO_TRIAL = {"Req_BvlGmoTrial", "Req_ZkbsOpinion", "Req_GermanGmoTrialAuthorisation", "Req_GermanContainedUse"}
CD19_AUTOLOGOUS_CAR = {"Req_SecondaryTCellMalignancyMonitoring", "Req_BCellAplasiaMonitoring"}

PRODUCT_EXPECTED = {
    "Kymriah": ALWAYS | VIRAL | VIRAL_CAR | EU_MA_IN_GERMANY | CD19_AUTOLOGOUS_CAR | {"Req_RclTest"},
    "Breyanzi": ALWAYS | VIRAL | VIRAL_CAR | EU_MA_IN_GERMANY | CD19_AUTOLOGOUS_CAR | {"Req_RclTest"},
    "Aucatzyl": ALWAYS | VIRAL | VIRAL_CAR | EU_MA_IN_GERMANY | CD19_AUTOLOGOUS_CAR | {"Req_RclTest"},
    "Yescarta": ALWAYS | VIRAL | VIRAL_CAR | EU_MA_IN_GERMANY | CD19_AUTOLOGOUS_CAR | {"Req_RcrTest"},
    "Tecartus": ALWAYS | VIRAL | VIRAL_CAR | EU_MA_IN_GERMANY | CD19_AUTOLOGOUS_CAR | {"Req_RcrTest"},
    "Abecma": ALWAYS | VIRAL | VIRAL_CAR | EU_MA_IN_GERMANY | {"Req_SecondaryTCellMalignancyMonitoring", "Req_RclTest"},
    "Carvykti": ALWAYS | VIRAL | VIRAL_CAR | EU_MA_IN_GERMANY | {"Req_SecondaryTCellMalignancyMonitoring", "Req_RclTest"},
    # US approval only: no EU or German item; TCR-specific screening instead of the CAR identity test.
    "Tecelra": ALWAYS | VIRAL | TESTS_ALL | {"Req_VectorCopyNumberTest", "Req_RclTest", "Req_TcrCrossReactivityScreening"},
    # Spanish hospital exemption of an academic CD19 CAR-T.
    "ARI0001": ALWAYS | VIRAL | VIRAL_CAR | CD19_AUTOLOGOUS_CAR | {"Req_RclTest", "Req_GmpForAtmps",
                                                                   "Req_SpanishHospitalExemption"},
}

ACADEMIC_TRIAL = {"kind": "CAR-T", "origin": "autologous", "gene_transfer": "lentiviral", "target": "CD19",
                  "sponsor": "academic", "country": "DE", "route": "clinical-trial", "phase": "I"}

# Typical German academic early-phase trials and what they need.
TRIALS: list[tuple[dict[str, str], set[str], set[str]]] = [
    (ACADEMIC_TRIAL,
     ALWAYS | VIRAL | VIRAL_CAR | GERMAN_ACADEMIC_TRIAL | GERMAN_GMO_TRIAL | CD19_AUTOLOGOUS_CAR | {"Req_RclTest"},
     {"Gap_PhaseSpecific"}),
    ({**ACADEMIC_TRIAL, "kind": "TCR-T", "gene_transfer": "gammaretroviral", "target": "NY-ESO-1", "phase": "I/II"},
     ALWAYS | VIRAL | TESTS_ALL | GERMAN_ACADEMIC_TRIAL | GERMAN_GMO_TRIAL
     | {"Req_VectorCopyNumberTest", "Req_RcrTest", "Req_TcrCrossReactivityScreening"},
     {"Gap_PhaseSpecific", "Gap_TcrIdentityTest"}),
    ({**ACADEMIC_TRIAL, "gene_transfer": "mRNA", "target": "HER2", "phase": "I"},
     ALWAYS | TESTS_ALL | GERMAN_ACADEMIC_TRIAL | {"Req_OnTargetOffTumourAssessment"},
     {"Gap_PhaseSpecific", "Gap_GmoStatusNonViral", "Gap_NonViralReleaseTests"}),
    ({**ACADEMIC_TRIAL, "origin": "allogeneic", "gene_transfer": "transposon", "target": "CD19", "phase": "I"},
     ALWAYS | TESTS_ALL | GERMAN_ACADEMIC_TRIAL
     | {"Req_CarIdentityTest", "Req_ResidualAapcTest", "Req_LongTermFollowUp", "Req_BCellAplasiaMonitoring"},
     {"Gap_PhaseSpecific", "Gap_GmoStatusNonViral", "Gap_NonViralReleaseTests", "Gap_Allogeneic"}),
    ({key: value for key, value in ACADEMIC_TRIAL.items() if key != "phase"} | {"route": "hospital-exemption"},
     ALWAYS | VIRAL | VIRAL_CAR | CD19_AUTOLOGOUS_CAR | {"Req_RclTest", "Req_PeiCompetentAuthority",
                                                         "Req_PeiInnovationOfficeAdvice", "Req_GermanHospitalExemption",
                                                         "Req_ManufacturingAuthorisationGermany", "Req_GmpForAtmps",
                                                         "Req_GermanContainedUse"},
     set()),
]


@pytest.fixture(scope="module")
def store() -> GraphStore:
    """The bundled ontology and KB with their entailments, as the service holds them."""
    store = GraphStore.in_memory()
    store.load_sources(bundled_sources(BUNDLED_ONTOLOGY_DIR))
    materialise(store)
    return store


def run(store: GraphStore, profile: dict[str, str]) -> Answer:
    return asyncio.run(navigate(store_select(store), parse_profile(profile)))


def names(answer: Answer) -> set[str]:
    return {item.iri.rsplit("/", 1)[-1] for item in answer.items}


def gaps(answer: Answer) -> set[str]:
    return {u.iri.rsplit("/", 1)[-1] for u in answer.unknown if u.kind == "knowledge-gap" and u.iri}


# --- profiles derived from the KB's approved products -------------------------------------------

PRODUCT_FACTS = """
PREFIX atmp: <https://w3id.org/atmp/ontology/>
PREFIX kb: <https://w3id.org/atmp/kb/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?product ?kind ?origin ?vectorClass ?target ?authorisationType ?jurisdiction ?code WHERE {
  ?product atmp:expressesConstruct ?construct ; atmp:hasCellOrigin/skos:notation ?origin ;
           atmp:usesVector ?vector .
  ?product a ?kind . VALUES ?kind { atmp:CarTCellProduct atmp:TcrTCellProduct }
  ?vector a ?vectorClass . VALUES ?vectorClass { atmp:LentiviralVector atmp:GammaretroviralVector }
  ?construct atmp:targetsAntigen ?antigen .
  { ?antigen skos:altLabel ?target } UNION { ?antigen rdfs:label ?target FILTER NOT EXISTS { ?antigen skos:altLabel ?a } }
  ?authorisation atmp:authorisesProduct ?product ; a ?authorisationType ; atmp:appliesInJurisdiction ?jurisdiction .
  VALUES ?authorisationType { atmp:MarketingAuthorisation atmp:ConditionalMarketingAuthorisation atmp:HospitalExemptionAuthorisation }
  OPTIONAL { ?jurisdiction skos:notation ?code }
}"""


def product_profiles(store: GraphStore) -> dict[str, dict[str, str]]:
    """One profile per approved product, from its KB facts; an EU authorisation is looked at from Germany."""
    profiles: dict[str, dict[str, str]] = {}
    for row in store.select(PRODUCT_FACTS):
        name = str(row["product"]).rsplit("/", 1)[-1]
        eu = row["jurisdiction"] == KB.EuropeanUnion
        hospital = row["authorisationType"] == ATMP.HospitalExemptionAuthorisation
        profile = {
            "kind": "CAR-T" if row["kind"] == ATMP.CarTCellProduct else "TCR-T",
            "origin": str(row["origin"]),
            "gene_transfer": "lentiviral" if row["vectorClass"] == ATMP.LentiviralVector else "gammaretroviral",
            "target": str(row["target"]),
            "sponsor": "academic" if hospital else "commercial",
            "country": "DE" if eu else str(row["code"]),
            "route": "hospital-exemption" if hospital else "marketing-authorisation",
        }
        if name not in profiles or eu:  # prefer the EU authorisation over a US one
            profiles[name] = profile
    return profiles


def test_every_approved_product_in_the_kb_has_an_expected_set(store: GraphStore) -> None:
    assert set(product_profiles(store)) == set(PRODUCT_EXPECTED)


@pytest.mark.parametrize("product", sorted(PRODUCT_EXPECTED))
def test_approved_product_profile_gives_its_requirements(store: GraphStore, product: str) -> None:
    profile = product_profiles(store)[product]
    answer = run(store, profile)
    assert names(answer) == PRODUCT_EXPECTED[product], profile
    for item in answer.items:
        assert item.sources and item.reasons and item.label and item.category_label, item.iri


def test_tecelra_has_no_us_data_and_the_kb_says_so(store: GraphStore) -> None:
    answer = run(store, product_profiles(store)["Tecelra"])
    assert answer.profile["country"] == "US"
    country = [u for u in answer.unknown if u.field == "country"]
    assert country and country[0].kind == "no-specific-data" and "no national data" in country[0].message
    assert "Gap_TcrIdentityTest" in gaps(answer)


# --- German academic early-phase trials ------------------------------------------------------------


@pytest.mark.parametrize("profile, expected, expected_gaps", TRIALS,
                         ids=[f"{p['kind']}-{p['gene_transfer']}-{p['target']}-{p['route']}" for p, _, _ in TRIALS])
def test_german_academic_profile_gives_its_requirements(store: GraphStore, profile: dict[str, str],
                                                        expected: set[str], expected_gaps: set[str]) -> None:
    answer = run(store, profile)
    assert names(answer) == expected
    assert gaps(answer) == expected_gaps


def test_changing_only_the_vector_switches_rcl_to_rcr(store: GraphStore) -> None:
    lentiviral = names(run(store, ACADEMIC_TRIAL))
    gammaretroviral = names(run(store, {**ACADEMIC_TRIAL, "gene_transfer": "gammaretroviral"}))
    assert "Req_RclTest" in lentiviral and "Req_RcrTest" in gammaretroviral
    assert lentiviral ^ gammaretroviral == {"Req_RclTest", "Req_RcrTest"}


def test_items_are_grouped_by_category_in_order_with_reasons_naming_the_facts(store: GraphStore) -> None:
    answer = run(store, ACADEMIC_TRIAL)
    assert [c.code for c in answer.categories] == ["classification", "authorities", "procedures", "quality",
                                                   "non-clinical", "safety"]
    rcl = next(i for i in answer.items if i.iri == str(KB.Req_RclTest))
    assert rcl.category == "quality"
    [reason] = rcl.reasons
    assert reason.field == "gene_transfer" and reason.value == "lentiviral"
    assert reason.value_iri == str(ATMP.LentiviralMethod) and "lentiviral" in reason.text
    ctr = next(i for i in answer.items if i.iri == str(KB.Req_EuClinicalTrialApplication))
    country = next(r for r in ctr.reasons if r.field == "country")
    assert country.matched is not None and country.matched.iri == str(KB.EuropeanUnion)
    assert "part of European Union" in country.text
    sterility = next(i for i in answer.items if i.iri == str(KB.Req_SterilityTest))
    assert sterility.reasons[0].field is None and "unconditional" in sterility.reasons[0].text
    assert answer.kb["version"] and answer.kb["requirements_modified"]
    assert "not legal advice" in answer.notice


def test_unverified_requirement_carries_its_confidence(store: GraphStore) -> None:
    answer = run(store, ACADEMIC_TRIAL)
    contained = next(i for i in answer.items if i.iri == str(KB.Req_GermanContainedUse))
    assert contained.confidence == "unverified" and contained.note


# --- what the KB does not know ---------------------------------------------------------------------


def test_member_state_without_data_says_so(store: GraphStore) -> None:
    answer = run(store, {**ACADEMIC_TRIAL, "country": "FR"})
    [france] = [u for u in answer.unknown if u.field == "country"]
    assert france.kind == "no-specific-data" and "France" in france.message and "FR" in france.message
    found = names(answer)
    assert {"Req_EuClinicalTrialApplication", "Req_GmpForAtmps"} <= found  # EU-wide still applies
    assert not {n for n in found if "German" in n or "Pei" in n or n in GERMAN_GMO_TRIAL}


def test_country_the_kb_does_not_know_is_reported_and_nothing_is_guessed(store: GraphStore) -> None:
    answer = run(store, {**ACADEMIC_TRIAL, "country": "JP"})
    [japan] = [u for u in answer.unknown if u.field == "country"]
    assert japan.kind == "unknown-value" and "'JP'" in japan.message
    assert "Req_EuClinicalTrialApplication" not in names(answer)
    assert "Req_SterilityTest" in names(answer)


def test_unknown_target_is_reported(store: GraphStore) -> None:
    answer = run(store, {**ACADEMIC_TRIAL, "target": "CD22"})
    assert [u.kind for u in answer.unknown if u.field == "target"] == ["unknown-value"]
    assert "Req_BCellAplasiaMonitoring" not in names(answer)


# --- invalid profiles ------------------------------------------------------------------------------


@pytest.mark.parametrize("change, field", [
    ({"kind": "NK"}, "kind"),
    ({"gene_transfer": "adenoviral"}, "gene_transfer"),
    ({"country": "Germany"}, "country"),
    ({"phase": "IV"}, "phase"),
    ({"phase": None}, "phase"),
    ({"target": "CD19\"} ; DROP ALL"}, "target"),
    ({"colour": "blue"}, "colour"),
])
def test_invalid_profile_names_the_field(change: dict[str, Any], field: str) -> None:
    profile = {k: v for k, v in {**ACADEMIC_TRIAL, **change}.items() if v is not None}
    with pytest.raises(ProfileError) as caught:
        parse_profile(profile)
    assert [e["field"] for e in caught.value.errors] == [field]
    assert caught.value.errors[0]["message"]


def test_phase_only_for_trials() -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile({**ACADEMIC_TRIAL, "route": "hospital-exemption"})
    assert caught.value.errors == [{"field": "phase", "message": "only applies to route clinical-trial, not to hospital-exemption"}]


# --- a curator adds a requirement with a Turtle edit alone -----------------------------------------

EXTRA_REQUIREMENT = """
@prefix atmp: <https://w3id.org/atmp/ontology/> .
@prefix kb: <https://w3id.org/atmp/kb/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .

kb:Req_TestIntegrationSiteAnalysis a atmp:Requirement ;
    rdfs:label "Integration site analysis for TCR-T cells made with a gammaretroviral vector"@en ;
    atmp:requirementCategory atmp:NonClinicalCategory ;
    skos:definition "A requirement added by a test to show that a Turtle edit is enough."@en ;
    atmp:whenProductKind atmp:TcrTKind ;
    atmp:whenGeneTransfer atmp:GammaretroviralMethod ;
    dcterms:source <https://example.org/a-page-the-curator-read> .
"""


@pytest.fixture(scope="module")
def curated_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("ontology")
    shutil.copytree(BUNDLED_ONTOLOGY_DIR, directory, dirs_exist_ok=True)
    (directory / "kb" / "requirements-curator.ttl").write_text(EXTRA_REQUIREMENT, encoding="utf-8")
    return directory


def test_a_requirement_added_in_turtle_is_returned_when_its_conditions_hold(curated_dir: Path) -> None:
    store = GraphStore.in_memory()
    store.load_sources(bundled_sources(curated_dir))
    tcr = {**ACADEMIC_TRIAL, "kind": "TCR-T", "gene_transfer": "gammaretroviral", "target": "NY-ESO-1"}
    answer = run(store, tcr)
    [added] = [i for i in answer.items if i.iri.endswith("Req_TestIntegrationSiteAnalysis")]
    assert added.category == "non-clinical" and {r.field for r in added.reasons} == {"kind", "gene_transfer"}
    assert added.sources[0].iri == "https://example.org/a-page-the-curator-read"
    assert "Req_TestIntegrationSiteAnalysis" not in names(run(store, {**tcr, "gene_transfer": "lentiviral"}))
    assert "Req_TestIntegrationSiteAnalysis" not in names(run(store, {**tcr, "kind": "CAR-T"}))


# --- CLI -------------------------------------------------------------------------------------------


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "atmp_graph", "navigate", *args], input=stdin,
                          capture_output=True, text=True, timeout=300)


def test_cli_help() -> None:
    result = cli("--help")
    assert result.returncode == 0 and "PROFILE.json" in result.stdout and "--format" in result.stdout


def test_cli_answers_json_text_and_turtle_and_sees_a_curated_requirement(curated_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps({**ACADEMIC_TRIAL, "kind": "TCR-T", "gene_transfer": "gammaretroviral",
                                "target": "NY-ESO-1"}), encoding="utf-8")
    result = cli(str(path), "--format", "json", "--ontology-dir", str(curated_dir), "--no-infer")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    found = {item["iri"].rsplit("/", 1)[-1] for item in answer["items"]}
    assert {"Req_TestIntegrationSiteAnalysis", "Req_RcrTest", "Req_PeiCompetentAuthority"} <= found
    assert "not legal advice" in answer["notice"]
    text = cli(str(path), "--no-infer")
    assert text.returncode == 0 and "replication-competent retrovirus (RCR)" in text.stdout
    assert "What the KB does not know" in text.stdout
    turtle = cli(str(path), "--format", "turtle", "--no-infer")
    graph = Graph().parse(data=turtle.stdout, format="turtle")
    assert (None, PROV.specializationOf, KB.Req_RcrTest) in graph


def test_cli_rejects_an_invalid_profile_with_field_messages() -> None:
    result = cli("-", stdin=json.dumps({**ACADEMIC_TRIAL, "gene_transfer": "adenoviral", "country": "de"}))
    assert result.returncode == 2
    assert "gene_transfer: must be one of" in result.stderr and "country:" in result.stderr
    assert cli("-", stdin="{not json").returncode == 2


# --- HTTP API --------------------------------------------------------------------------------------


def test_api_answers_json(bundled_server: Server) -> None:
    response = bundled_server.client().post("/navigator", json=ACADEMIC_TRIAL)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert {i["iri"].rsplit("/", 1)[-1] for i in body["items"]} == TRIALS[0][1]
    assert [c["code"] for c in body["categories"]][0] == "classification"
    rcl = next(i for c in body["categories"] for i in c["items"] if i["iri"] == str(KB.Req_RclTest))
    assert rcl["reasons"][0]["field"] == "gene_transfer" and rcl["sources"]
    assert "not legal advice" in body["notice"] and body["kb"]["version"]
    assert body["resolved"]["country"]["value"] == str(KB.Germany)
    assert [u["iri"].rsplit("/", 1)[-1] for u in body["unknown"] if u["kind"] == "knowledge-gap"] == ["Gap_PhaseSpecific"]


def test_api_answers_rdf_with_the_profile_and_prov_links(bundled_server: Server) -> None:
    client = bundled_server.client()
    turtle = client.post("/navigator", json=ACADEMIC_TRIAL, headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and turtle.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=turtle.text, format="turtle")
    [profile] = graph.subjects(RDF.type, ATMP.DevelopmentProfile)
    assert (profile, ATMP.profileGeneTransfer, ATMP.LentiviralMethod) in graph
    assert (profile, ATMP.profileJurisdiction, KB.Germany) in graph
    [item] = graph.subjects(PROV.specializationOf, KB.Req_RclTest)
    fact = URIRef(str(profile) + "/fact/gene_transfer")
    assert (item, PROV.wasDerivedFrom, fact) in graph
    assert (fact, RDF.object, ATMP.LentiviralMethod) in graph
    [derivation] = graph.objects(item, PROV.qualifiedDerivation)
    assert (derivation, PROV.entity, fact) in graph and (derivation, ATMP.whenGeneTransfer, ATMP.LentiviralMethod) in graph
    jsonld = client.post("/navigator", json=ACADEMIC_TRIAL, headers={"Accept": "application/ld+json"})
    assert jsonld.status_code == 200
    same = Graph().parse(data=jsonld.text, format="json-ld")
    assert (item, PROV.specializationOf, KB.Req_RclTest) in same and len(same) == len(graph)
    assert client.post("/navigator?format=nt", json=ACADEMIC_TRIAL).headers["content-type"].startswith("application/n-triples")


def test_api_rejects_invalid_profiles_with_field_level_messages(bundled_server: Server) -> None:
    client = bundled_server.client()
    response = client.post("/navigator", json={**ACADEMIC_TRIAL, "kind": "NK", "country": "Deutschland"})
    assert response.status_code == 422
    body = response.json()
    assert sorted(e["field"] for e in body["errors"]) == ["country", "kind"]
    assert all(e["message"] for e in body["errors"])
    missing = client.post("/navigator", json={"kind": "CAR-T"})
    assert missing.status_code == 422 and {e["field"] for e in missing.json()["errors"]} >= {"route", "country"}
    assert client.post("/navigator", content=b"{oops", headers={"Content-Type": "application/json"}).status_code == 400
    assert client.post("/navigator", json=[1, 2]).status_code == 422
    assert client.post("/navigator", content=b"x", headers={"Content-Type": "text/csv"}).status_code == 415
    assert client.post("/navigator", json=ACADEMIC_TRIAL, headers={"Accept": "image/png"}).status_code == 406


def test_api_member_state_without_data(bundled_server: Server) -> None:
    body = bundled_server.client().post("/navigator", json={**ACADEMIC_TRIAL, "country": "FR"}).json()
    country = [u for u in body["unknown"] if u["field"] == "country"]
    assert country and country[0]["kind"] == "no-specific-data" and "France" in country[0]["message"]


def test_web_form_page_and_form_post(bundled_server: Server) -> None:
    client = bundled_server.client()
    page = client.get("/navigator")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "Content-Security-Policy" in page.headers
    for field in ("kind", "origin", "gene_transfer", "target", "sponsor", "country", "route", "phase"):
        assert f'<label for="nav-{field}">' in page.text and f'id="nav-{field}"' in page.text
    posted = client.post("/navigator", data={**ACADEMIC_TRIAL, "gene_transfer": "gammaretroviral"})
    assert posted.status_code == 200 and "replication-competent retrovirus (RCR)" in posted.text
    assert "replication-competent lentivirus" not in posted.text and "not legal advice" in posted.text.lower()
    invalid = client.post("/navigator", data={**ACADEMIC_TRIAL, "country": "Germany"})
    assert invalid.status_code == 422 and 'id="country-error"' in invalid.text


def test_service_answers_with_a_requirement_from_a_data_file(tmp_path: Path) -> None:
    """The service matches whatever it holds: a requirement in a --data file is answered like a bundled one."""
    extra = tmp_path / "more-requirements.ttl"
    extra.write_text(EXTRA_REQUIREMENT, encoding="utf-8")
    tcr = {**ACADEMIC_TRIAL, "kind": "TCR-T", "gene_transfer": "gammaretroviral", "target": "NY-ESO-1"}
    with running_server("--data", str(extra)) as server:
        body = server.client().post("/navigator", json=tcr).json()
    found = {item["iri"].rsplit("/", 1)[-1]: item for item in body["items"]}
    assert found["Req_TestIntegrationSiteAnalysis"]["category"] == "non-clinical"
    assert "Req_RcrTest" in found
