"""The remote SPARQL backend on a real Virtuoso: what the shared suites do not already cover
(start-up report, deadlines, reloading only when the sources change, system graphs kept out)."""

from __future__ import annotations

from contextlib import AbstractContextManager

from conftest import PROTOCOL_FILES, Server, running_server
from virtuoso_server import virtuoso

# Eight-fold cartesian product: billions of rows even on the few triples the tests serve.
HEAVY = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
         "?m ?n1 ?o . ?p ?q ?r . ?s ?t ?u . ?v ?w ?x }")


def _serve(store_args: list[str], env: dict[str, str], *extra: str) -> AbstractContextManager[Server]:
    return running_server("--no-bundled", "--data", *map(str, PROTOCOL_FILES), *store_args, *extra, env=env)


def test_health_reports_the_store_and_its_limits_and_deadlines_hold() -> None:
    with virtuoso() as store:
        args = ["--backend", "sparql", "--endpoint", store.auth_endpoint, "--store-endpoint", store.store_endpoint]
        env = {"ATMP_GRAPH_REMOTE_USER": store.user, "ATMP_GRAPH_REMOTE_PASSWORD": store.password}
        with _serve(args, env, "--timeout", "1") as server, server.client() as client:
            health = client.get("/health").json()
            assert health["backend"]["kind"] == "sparql" and health["backend"]["dialect"] == "virtuoso"
            assert health["reloaded"] is True and health["backend"]["limitations"]
            # Virtuoso's own graphs (virtrdf, LDP, service description) never join the union default graph
            assert not [g for g in health["graphs"] if "openlinksw" in g]
            count = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"},
                               headers={"Accept": "text/csv"}).text.split()[1]
            assert int(count) == health["triples"]
            slow = client.get("/sparql", params={"query": HEAVY})
            assert slow.status_code == 503 and "time limit" in slow.text
            assert client.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True  # still serving
        # Restarted on the same sources, a replica reuses what the store holds.
        with _serve(args, env) as server, server.client() as client:
            assert client.get("/health").json()["reloaded"] is False
            # a large answer streams through the translating thread (small ones are translated at once)
            numbers = " ".join(str(n) for n in range(150))
            big = client.get("/sparql", params={"query": f"SELECT ?a ?b {{ VALUES ?a {{ {numbers} }} "
                                                         f"VALUES ?b {{ {numbers} }} }}"},
                             headers={"Accept": "text/tab-separated-values"})
            lines = big.text.splitlines()
            assert big.status_code == 200 and lines[0] == "?a\t?b" and len(lines) == 1 + 150 * 150
            assert len(set(lines[1:])) == 150 * 150


def test_an_unreachable_store_is_reported_at_start_up() -> None:
    import subprocess
    import sys

    from conftest import free_port

    result = subprocess.run(
        [sys.executable, "-m", "atmp_graph", "serve", "--no-bundled", "--backend", "sparql",
         "--endpoint", f"http://127.0.0.1:{free_port()}/sparql", "--port", str(free_port())],
        capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "cannot reach the SPARQL store" in result.stderr
    assert "Traceback" not in result.stderr


def test_two_replicas_on_one_store_see_and_build_on_each_others_writes() -> None:
    """Stateless replicas: a write through one is read through the other at once, and a write
    computed on a stale working copy is redone on the store's current state, never lost."""
    from test_writes import DATA_GRAPH, EX, TOKENS, UPDATE, names

    from conftest import DATA

    with virtuoso() as store:
        args = ["--no-bundled", "--no-infer", "--data", str(DATA / "writes" / "products.ttl"), "--backend", "sparql",
                "--endpoint", store.auth_endpoint, "--store-endpoint", store.store_endpoint]
        env = {**TOKENS, "ATMP_GRAPH_REMOTE_USER": store.user, "ATMP_GRAPH_REMOTE_PASSWORD": store.password}
        with running_server(*args, env=env) as first, running_server(*args, env=env) as second, \
                first.client() as one, second.client() as two:
            insert = "INSERT DATA {{ GRAPH <{g}> {{ <{ex}{id}> a <{ex}Product> ; <{ex}name> \"{id}\" }} }}"
            assert one.post("/update", content=insert.format(g=DATA_GRAPH, ex=EX, id="p3"), headers=UPDATE
                            ).status_code == 200
            assert names(two) == ["one", "p3", "two"]
            # the second replica's working copy (if any) predates the first write: it must catch up
            assert two.post("/update", content=insert.format(g=DATA_GRAPH, ex=EX, id="p4"), headers=UPDATE
                            ).status_code == 200
            assert one.post("/update", content=insert.format(g=DATA_GRAPH, ex=EX, id="p5"), headers=UPDATE
                            ).status_code == 200
            assert names(one) == names(two) == ["one", "p3", "p4", "p5", "two"]
            changes = one.get("/changes").json()
            assert len(changes) == 3
