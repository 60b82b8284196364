"""Dereferenceable IRIs: content negotiation for every format, 200 with Vary and Content-Location,
HTML term pages with the key content, the whole ontology and its downloads, helpful 404s."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from conftest import Server

ATMP = "https://w3id.org/atmp/ontology/"
KB = "https://w3id.org/atmp/kb/"
CRS = URIRef(ATMP + "CytokineReleaseSyndrome")
FORMATS = [("text/turtle", "turtle", "ttl"), ("application/n-triples", "nt", "nt"),
           ("application/rdf+xml", "xml", "rdf"), ("application/ld+json", "json-ld", "jsonld")]
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(("media_type", "rdflib_format", "extension"), FORMATS)
def test_term_negotiates_every_rdf_format(bundled_server: Server, media_type: str, rdflib_format: str,
                                          extension: str) -> None:
    with bundled_server.client() as client:
        response = client.get("/ontology/CytokineReleaseSyndrome", headers={"Accept": media_type})
        assert response.status_code == 200  # 200 with content negotiation, not 303 (docs/web.md)
        assert response.headers["content-type"].startswith(media_type)
        assert "Accept" in response.headers["vary"]
        assert response.headers["content-location"] == f"/ontology/CytokineReleaseSyndrome.{extension}"
        graph = Graph().parse(data=response.content, format=rdflib_format)
        by_suffix = client.get(f"/ontology/CytokineReleaseSyndrome.{extension}")
        assert by_suffix.headers["content-type"].startswith(media_type)
    assert (CRS, RDF.type, OWL.Class) in graph
    assert (CRS, RDFS.label, Literal("Zytokin-Freisetzungssyndrom", lang="de")) in graph
    assert (CRS, SKOS.altLabel, Literal("CRS", lang="en")) in graph
    # The bounded description follows the restriction's blank node ...
    restriction = [o for o in graph.objects(CRS, RDFS.subClassOf) if not isinstance(o, URIRef)]
    assert restriction and graph.value(restriction[0], OWL.onProperty) == URIRef(ATMP + "managedWith")
    # ... and carries the labels of what it links to.
    parent = URIRef(ATMP + "CarTCellAssociatedToxicity")
    assert (parent, RDFS.label, Literal("CAR T-cell-associated toxicity", lang="en")) in graph
    assert not list(graph.triples((parent, RDFS.subClassOf, None)))  # only labels of linked things


def test_json_ld_uses_the_ontology_context(bundled_server: Server) -> None:
    document = bundled_server.client().get("/kb/Kymriah", headers={"Accept": "application/ld+json"}).json()
    context = document["@context"]
    assert context["atmp"] == ATMP and context["usesVector"] == {"@id": "atmp:usesVector", "@type": "@id"}
    assert "usesVector" in json.dumps(document["@graph"] if "@graph" in document else document)
    full = bundled_server.client().get("/ontology/context.jsonld").json()["@context"]
    assert full["CytokineReleaseSyndrome"] == {"@id": "atmp:CytokineReleaseSyndrome"}


def test_browsers_get_html_and_default_is_turtle(bundled_server: Server) -> None:
    with bundled_server.client() as client:
        html = client.get("/ontology/CytokineReleaseSyndrome", headers={"Accept": BROWSER})
        assert html.headers["content-type"].startswith("text/html")
        assert html.headers["content-security-policy"].startswith("default-src 'self'")
        assert html.headers["x-content-type-options"] == "nosniff"
        assert client.get("/ontology/CytokineReleaseSyndrome").headers["content-type"].startswith("text/turtle")
        assert client.get("/ontology/CytokineReleaseSyndrome",
                          headers={"Accept": "*/*"}).headers["content-type"].startswith("text/turtle")
        refused = client.get("/ontology/CytokineReleaseSyndrome", headers={"Accept": "image/png"})
        assert refused.status_code == 406 and "text/turtle" in refused.text


def test_class_page_shows_labels_definition_hierarchy_and_links(bundled_server: Server) -> None:
    page = bundled_server.client().get("/ontology/CytokineReleaseSyndrome", headers={"Accept": BROWSER}).text
    assert "<h1>cytokine release syndrome</h1>" in page
    assert 'lang="de">Zytokin-Freisetzungssyndrom' in page and ">CRS<" in page
    assert "systemic inflammatory reaction" in page
    assert 'href="https://doi.org/10.1016/j.bbmt.2018.12.758"' in page  # the definition's source
    assert 'href="/ontology/CarTCellAssociatedToxicity"' in page  # asserted parent
    assert "<em>some</em>" in page and 'href="/ontology/InterleukinSixReceptorBlockade"' in page  # restriction
    assert 'title="inferred by the OWL 2 RL reasoner"' in page  # inferred ancestors are marked
    assert 'href="/ontology/CrsGrade"' in page  # incoming link (grades toxicity)


def test_parent_page_lists_children_and_properties(bundled_server: Server) -> None:
    page = bundled_server.client().get("/ontology/CarTCellAssociatedToxicity.html").text
    assert 'href="/ontology/CytokineReleaseSyndrome"' in page
    prop = bundled_server.client().get("/ontology/usesVector.html").text
    assert "Domain" in prop and "Range" in prop and 'href="/ontology/' in prop


def test_individual_page_groups_facts_and_links_mappings(bundled_server: Server) -> None:
    page = bundled_server.client().get("/kb/Kymriah", headers={"Accept": BROWSER}).text
    assert "<h1>Kymriah</h1>" in page
    assert "tisagenlecleucel" in page and "EMEA/H/C/004090" in page
    assert 'href="/ontology/CarTCellProduct"' in page  # its class
    assert 'href="/kb/Kymriah_Vector"' in page  # a fact linking to another individual
    assert 'href="http://purl.obolibrary.org/obo/NCIT_C102758"' in page  # mapping as a link
    assert "NCIT:C102758" in page


def test_unknown_term_is_a_helpful_404(bundled_server: Server) -> None:
    with bundled_server.client() as client:
        html = client.get("/ontology/CytokineReleaseSyndrom", headers={"Accept": BROWSER})
        assert html.status_code == 404 and "content-security-policy" in html.headers
        assert 'href="/ontology/CytokineReleaseSyndrome"' in html.text  # did you mean
        plain = client.get("/kb/NoSuchThing", headers={"Accept": "text/turtle"})
        assert plain.status_code == 404 and "/search" in plain.text


@pytest.mark.parametrize(("path", "rdflib_format", "media_type"), [
    ("/ontology.ttl", "turtle", "text/turtle"), ("/ontology.owl", "xml", "application/rdf+xml"),
    ("/ontology.jsonld", "json-ld", "application/ld+json"), ("/ontology.nt", "nt", "application/n-triples"),
])
def test_ontology_downloads(bundled_server: Server, path: str, rdflib_format: str, media_type: str) -> None:
    response = bundled_server.client().get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith(media_type)
    graph = Graph().parse(data=response.content, format=rdflib_format)
    assert (URIRef("https://w3id.org/atmp/ontology"), RDF.type, OWL.Ontology) in graph
    assert (CRS, RDFS.subClassOf, URIRef(ATMP + "CarTCellAssociatedToxicity")) in graph
    assert not list(graph.triples((URIRef(KB + "Kymriah"), None, None)))  # the ontology only, not the KB


def test_ontology_page_has_tree_and_downloads(bundled_server: Server) -> None:
    with bundled_server.client() as client:
        negotiated = client.get("/ontology", headers={"Accept": "text/turtle"})
        assert negotiated.headers["content-type"].startswith("text/turtle")
        page = client.get("/ontology", headers={"Accept": BROWSER}).text
    assert 'href="/ontology.ttl"' in page and 'href="/ontology.owl"' in page
    tree_start = page.index('href="/ontology/CarTCellAssociatedToxicity"')
    assert page.index('href="/ontology/CytokineReleaseSyndrome"', tree_start) > tree_start
    assert 'href="/ontology/usesVector"' in page


def test_docs_command_writes_a_static_site(tmp_path: Path) -> None:
    previous = tmp_path / "previous.ttl"
    previous.write_text(
        "@prefix atmp: <https://w3id.org/atmp/ontology/> . @prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        'atmp:CytokineReleaseSyndrome a owl:Class ; rdfs:label "cytokine storm"@en .\n'
        'atmp:RetiredTerm a owl:Class ; rdfs:label "retired term"@en .\n', encoding="utf-8")
    out = tmp_path / "site"
    done = subprocess.run([sys.executable, "-m", "atmp_graph", "docs", "--out", str(out), "--previous", str(previous)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    page = (out / "CytokineReleaseSyndrome.html").read_text(encoding="utf-8")
    assert "<h1>cytokine release syndrome</h1>" in page and "Zytokin-Freisetzungssyndrom" in page
    assert 'href="CarTCellAssociatedToxicity.html"' in page and 'href="site.css"' in page.replace("./", "")
    assert 'href="/' not in page  # relative links only: publishable anywhere
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="CytokineReleaseSyndrome.html"' in index
    tree = (out / "tree.html").read_text(encoding="utf-8")
    assert tree.index("CarTCellAssociatedToxicity.html") < tree.index("CytokineReleaseSyndrome.html")
    change_list = (out / "changes.html").read_text(encoding="utf-8")
    assert "atmp:RetiredTerm" in change_list  # removed since the previous release
    assert "(was “cytokine storm”)" in change_list
    assert 'href="LentiviralVector.html"' in change_list  # added since
