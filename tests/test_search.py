"""Search over labels, acronyms and definitions: ranking tiers, German labels, filters, suggest."""

from __future__ import annotations

from atmp_graph.search_index import Entry, SearchIndex
from conftest import Server

ATMP = "https://w3id.org/atmp/ontology/"
KB = "https://w3id.org/atmp/kb/"


def names(results: list[dict[str, object]]) -> list[str]:
    return [str(r["curie"]) for r in results]


def test_exact_before_prefix_before_fuzzy_in_the_index() -> None:
    index = SearchIndex.build([
        Entry("x:exact", "label", "vector", "en"),
        Entry("x:prefix", "label", "vector copy number", "en"),
        Entry("x:word", "label", "lentiviral vector", "en"),
        Entry("x:definition", "definition", "A thing carried by a vector.", "en"),
        Entry("x:fuzzy", "label", "vektor", "de"),
    ])
    hits = index.search("vector")
    assert [h.iri for h in hits] == ["x:exact", "x:prefix", "x:word", "x:definition", "x:fuzzy"]
    assert [h.match for h in hits] == ["exact", "prefix", "prefix", "definition", "fuzzy"]
    assert [h.iri for h in index.search("vector", lang="de")] == ["x:fuzzy"]


def test_acronym_is_an_exact_match(bundled_server: Server) -> None:
    results = bundled_server.client().get("/search", params={"q": "CRS"}).json()["results"]
    assert results[0]["curie"] == "atmp:CytokineReleaseSyndrome" and results[0]["match"] == "exact"
    assert results[0]["page"] == "/ontology/CytokineReleaseSyndrome"
    tiers = [r["match"] for r in results]
    assert tiers == sorted(tiers, key=["exact", "prefix", "definition", "fuzzy"].index)
    assert "atmp:CrsGrade" in names(results)


def test_german_label_prefix_finds_the_term(bundled_server: Server) -> None:
    results = bundled_server.client().get("/search", params={"q": "Zytokin"}).json()["results"]
    assert results[0]["curie"] == "atmp:CytokineReleaseSyndrome"
    assert results[0]["matched"] == "Zytokin-Freisetzungssyndrom" and results[0]["lang"] == "de"
    german = bundled_server.client().get("/search", params={"q": "Zytokin", "lang": "de"}).json()["results"]
    assert names(german)[0] == "atmp:CytokineReleaseSyndrome"
    english_only = bundled_server.client().get("/search", params={"q": "Freisetzungssyndrom", "lang": "en"}).json()
    assert "atmp:CytokineReleaseSyndrome" not in names(english_only["results"])


def test_acronym_of_an_individual_and_type_filters(bundled_server: Server) -> None:
    client = bundled_server.client()
    results = client.get("/search", params={"q": "PEI"}).json()["results"]
    assert results[0]["curie"] == "kb:PEI" and results[0]["kind"] == "individual"
    lentiviral = client.get("/search", params={"q": "lentiviral", "type": "class"}).json()["results"]
    assert lentiviral and all(r["kind"] == "class" for r in lentiviral)
    assert "atmp:LentiviralVector" in names(lentiviral)
    vectors = client.get("/search", params={"q": "vector", "type": "atmp:LentiviralVector"}).json()["results"]
    assert vectors and all(r["curie"].startswith("kb:") for r in vectors)


def test_misspelling_is_a_fuzzy_match(bundled_server: Server) -> None:
    results = bundled_server.client().get("/search", params={"q": "lentivirul vectr"}).json()["results"]
    assert results[0]["curie"] == "atmp:LentiviralVector" and results[0]["match"] == "fuzzy"


def test_html_results_page(bundled_server: Server) -> None:
    response = bundled_server.client().get("/search", params={"q": "tocilizumab"}, headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "Content-Security-Policy" in response.headers
    assert 'href="/kb/Tocilizumab"' in response.text or "/ontology/Tocilizumab" in response.text


def test_bad_requests(bundled_server: Server) -> None:
    client = bundled_server.client()
    assert client.get("/search").status_code == 400
    assert client.get("/search", params={"q": "x", "limit": "0"}).status_code == 400
    assert client.get("/search", params={"q": "x", "type": "not a type"}).status_code == 400
    assert client.get("/search", params={"q": "x"}, headers={"Accept": "image/png"}).status_code == 406


def test_suggest_completes_names(bundled_server: Server) -> None:
    suggestions = bundled_server.client().get("/suggest", params={"q": "lentivir"}).json()["suggestions"]
    assert suggestions and all("lentivir" in s["text"].lower() for s in suggestions)
    assert "atmp:LentiviralVector" in [s["curie"] for s in suggestions]
