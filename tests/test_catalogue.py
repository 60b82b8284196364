"""The query catalogue: named queries as typed REST endpoints, listed and described in OpenAPI.

Fixture queries (tests/data/catalogue/) exercise every parameter type on a small data file in
an in-process app; every bundled queries/*.rq is called on the bundled server.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from atmp_graph.api.app import make_pool
from atmp_graph.api.catalogue import catalogue_router, load_catalogue
from atmp_graph.api.errors import install_error_handlers
from atmp_graph.api.web import Templates
from atmp_graph.named_queries import load_named_queries
from atmp_graph.namespaces import BUNDLED_QUERIES_DIR
from atmp_graph.settings import Settings
from conftest import DATA, Server
from virtuoso_server import virtuoso

FIXTURES = DATA / "catalogue"
BUNDLED = sorted(load_named_queries(BUNDLED_QUERIES_DIR).values(), key=lambda q: q.name)


@pytest.fixture(scope="module")
def client(backend: str) -> Iterator[TestClient]:
    if backend == "virtuoso":
        with virtuoso() as store:
            yield from _client(Settings(bundled=False, infer=False, data_files=[FIXTURES / "data.ttl"],
                                        backend="sparql", endpoint=store.auth_endpoint,
                                        store_endpoint=store.store_endpoint, remote_user=store.user,
                                        remote_password=store.password))
    else:
        yield from _client(Settings(bundled=False, infer=False, data_files=[FIXTURES / "data.ttl"], workers=2))


def _client(settings: Settings) -> Iterator[TestClient]:

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = make_pool(settings)
        await pool.start()
        app.state.pool = pool
        yield
        await pool.stop()

    app = FastAPI(lifespan=lifespan)
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(catalogue_router(load_catalogue(FIXTURES), Templates()))
    with TestClient(app) as test_client:
        yield test_client


def test_listing_describes_each_query_with_typed_params(client: TestClient) -> None:
    listing = {q["name"]: q for q in client.get("/queries").json()["queries"]}
    assert set(listing) == {"products-by-target", "products-filtered", "has-target"}
    params = {p["name"]: p for p in listing["products-filtered"]["params"]}
    assert params["year"] == {"name": "year", "type": "integer", "description": "the earliest year of approval",
                              "default": "2000", "values": None, "required": False}
    assert params["before"]["required"] and params["phase"]["values"] == ["I", "II", "III"]
    assert listing["has-target"]["form"] == "ASK"


def test_default_parameter_and_simple_json(client: TestClient) -> None:
    rows = client.get("/queries/products-by-target", headers={"Accept": "application/json"}).json()
    assert [r["label"] for r in rows] == ["Kymriah", "Yescarta"]
    assert rows[0]["target"] == "http://example.org/CD19"


def test_iri_parameter_as_iri_and_negotiated_formats(client: TestClient) -> None:
    response = client.get("/queries/products-by-target", params={"target": "http://example.org/BCMA"},
                          headers={"Accept": "text/csv"})
    assert response.headers["content-type"].startswith("text/csv")
    labels = [row["label"] for row in csv.DictReader(io.StringIO(response.text))]
    assert labels == ["Abecma", "Trial product X"]
    sparql_json = client.get("/queries/products-by-target", headers={"Accept": "application/sparql-results+json"})
    assert sparql_json.json()["head"]["vars"] == ["product", "label", "target"]
    xml = client.get("/queries/products-by-target", params={"format": "xml"})
    assert xml.headers["content-type"].startswith("application/sparql-results+xml")


def test_typed_parameters_are_bound_as_typed_literals(client: TestClient) -> None:
    rows = client.get("/queries/products-filtered", params={"before": "2018-08-23", "format": "simple"}).json()
    assert [r["label"] for r in rows] == ["Kymriah"]
    assert rows[0]["year"] == 2000 and rows[0]["conditional"] is False and rows[0]["approved"] == "2018-08-22"
    rows = client.get("/queries/products-filtered",
                      params={"before": "2030-01-01", "year": "2019", "conditional": "true", "format": "simple"}).json()
    assert [r["label"] for r in rows] == ["Abecma"]
    assert client.get("/queries/products-filtered",
                      params={"before": "2030-01-01", "phase": "I", "format": "simple"}).json() == []


def test_ask_query(client: TestClient) -> None:
    yes = client.get("/queries/has-target", params={"target": "http://example.org/BCMA", "format": "simple"})
    no = client.get("/queries/has-target", params={"target": "http://example.org/CD22", "format": "simple"})
    assert (yes.json(), no.json()) == ({"boolean": True}, {"boolean": False})


@pytest.mark.parametrize(("params", "message"), [
    ({"before": "yesterday"}, "must be a date"),
    ({"before": "2020-01-01", "year": "twenty"}, "must be an integer"),
    ({"before": "2020-01-01", "conditional": "maybe"}, "must be true or false"),
    ({"before": "2020-01-01", "phase": "IV"}, "must be one of I, II, III"),
    ({}, "'before' is required"),
    ({"before": "2020-01-01", "colour": "red"}, "unknown parameter 'colour'"),
])
def test_bad_parameters_are_rejected_with_400(client: TestClient, params: dict[str, str], message: str) -> None:
    response = client.get("/queries/products-filtered", params=params)
    assert response.status_code == 400
    assert message in response.text


def test_a_bad_iri_cannot_inject_sparql(client: TestClient) -> None:
    response = client.get("/queries/has-target", params={"target": "http://x> } ; DROP ALL ; <http://y"})
    assert response.status_code == 400 and "absolute IRI" in response.text
    literal = client.get("/queries/products-filtered",
                         params={"before": "2030-01-01", "phase": '" } DELETE WHERE { ?s ?p ?o } #'})
    assert literal.status_code == 400  # not one of the allowed values; never pasted into the query


def test_unknown_query_is_404(client: TestClient) -> None:
    response = client.get("/queries/nope")
    assert response.status_code == 404 and "GET /queries" in response.text


def test_openapi_lists_every_query_with_summary_and_parameters(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    operation = paths["/queries/products-filtered"]["get"]
    assert operation["summary"] == "Products by year, date, phase and conditionality"
    assert "approved from a year on" in operation["description"]
    schemas = {p["name"]: (p["schema"], p["required"]) for p in operation["parameters"]}
    assert schemas["year"] == ({"type": "integer", "default": "2000"}, False)
    assert schemas["before"] == ({"type": "string", "format": "date"}, True)
    assert schemas["phase"][0]["enum"] == ["I", "II", "III"]
    assert "/queries/has-target" in paths and "/queries/products-by-target" in paths


# -- the bundled queries on the bundled server ------------------------------------------------

def test_every_bundled_query_file_has_a_valid_header() -> None:
    files = sorted(p.stem for p in BUNDLED_QUERIES_DIR.glob("*.rq"))
    assert [q.name for q in BUNDLED] == files  # none left out for a malformed header
    for query in BUNDLED:
        assert query.title and query.summary, query.name


# Queries Virtuoso may refuse with an error (never a wrong answer); see docs/backends.md.
VIRTUOSO_REFUSES = {
    "organisations-within-network": "transitive start not given",  # a + path with neither end bound
}


def test_every_bundled_query_is_callable_with_its_parameters(bundled_server: Server, backend: str) -> None:
    refused = VIRTUOSO_REFUSES if backend == "virtuoso" else {}
    with bundled_server.client() as client:
        listed = {q["name"] for q in client.get("/queries").json()["queries"]}
        assert listed == {q.name for q in BUNDLED}
        for query in BUNDLED:
            params = {p.name: p.default or p.values[0] for p in query.params if p.default or p.values}
            missing = [p.name for p in query.params if p.required and p.name not in params]
            if missing:  # a required parameter without default or values: calling without it is a 400
                assert client.get(f"/queries/{query.name}", params=params).status_code == 400, query.name
                continue
            graph = query.form in ("CONSTRUCT", "DESCRIBE")
            accept = "text/turtle" if graph else "application/sparql-results+json"
            response = client.get(f"/queries/{query.name}", params=params, headers={"Accept": accept})
            if query.name in refused and response.status_code == 400:  # depends on Virtuoso's plan
                assert refused[query.name] in response.text, query.name
                continue
            assert response.status_code == 200, (query.name, response.text)
            bad = client.get(f"/queries/{query.name}", params={**params, "no_such_parameter": "1"})
            assert bad.status_code == 400, query.name
