"""The benchmark's data generator (bench/atmpgen.py): same seed, same data; its data passes the shapes.

Benchmark figures are only comparable across runs and systems if the data is the same,
and only meaningful if the data is the kind the KB holds: a generated file, validated
together with the curated KB it refers to, must conform to the bundled shapes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox

from bench import atmpgen

ROOT = Path(__file__).resolve().parents[1]


def test_same_seed_same_bytes_other_seed_other_data(tmp_path: Path) -> None:
    first, again, other = tmp_path / "a.nt", tmp_path / "b.nt", tmp_path / "c.nt"
    atmpgen.write(first, 12_000, seed=7)
    atmpgen.write(again, 12_000, seed=7)
    atmpgen.write(other, 12_000, seed=8)
    assert first.read_bytes() == again.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_size_follows_the_target_and_every_kind_is_there(tmp_path: Path) -> None:
    path = tmp_path / "data.nt"
    manifest = atmpgen.write(path, 20_000, seed=1)
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    assert 20_000 <= len(store) == manifest["triples_written"] < 20_000 + 400  # whole clusters, a little above
    counts = {}
    for kind in ("CarTCellProduct", "TcrTCellProduct", "ClinicalTrial", "TrialSite", "CytokineReleaseSyndrome",
                 "ImmuneEffectorCellAssociatedNeurotoxicitySyndrome", "ProductSpecification", "SterilityTest",
                 "MarketingAuthorisation"):
        result = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?x a <{atmpgen.A}{kind}> }}")
        counts[kind] = int(next(iter(result))["n"].value)  # type: ignore[arg-type]
    assert all(counts.values()), counts
    assert counts["CarTCellProduct"] > counts["TcrTCellProduct"]
    assert manifest["products"] == counts["CarTCellProduct"] + counts["TcrTCellProduct"]
    # the label the query mix looks products up by belongs to that product
    label = ox.Literal(atmpgen.product_label(3), language="en")
    assert list(store.quads_for_pattern(None, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), label)
                )[0].subject == ox.NamedNode(atmpgen.product_iri(3))


def test_generated_data_with_the_kb_conforms_to_the_shapes(tmp_path: Path) -> None:
    path = tmp_path / "data.nt"
    atmpgen.write(path, 15_000, seed=3)
    kb = sorted(str(p) for p in (ROOT / "ontology" / "kb").glob("*.ttl"))
    result = subprocess.run(
        [sys.executable, "-m", "atmp_graph", "validate", *kb, str(path), "--fail-on", "warning"],
        capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 violation(s), 0 warning(s)" in result.stdout


def test_parameters_written_into_the_text_mean_what_the_engine_binding_means() -> None:
    """Every competency query of the mix, its parameters written into the text, answers the
    same rows on the bundled data as the named query with its parameters bound by the engine."""
    from atmp_graph.named_queries import load_named_queries
    from atmp_graph.reasoning import materialise
    from atmp_graph.store import GraphStore, bundled_sources
    from bench.querymix import bind_parameters

    store = GraphStore.in_memory()
    store.load_sources(bundled_sources(ROOT / "ontology"))
    materialise(store)
    checked = 0
    for name, named in sorted(load_named_queries(ROOT / "queries").items()):
        bindings = named.bind({})
        if not bindings or named.form != "SELECT":
            continue
        text = bind_parameters(named.sparql, {k: v.n3() for k, v in bindings.items()})

        def rows(query: str, substitutions: dict | None = None) -> list[str]:  # type: ignore[type-arg]
            return sorted(repr(sorted(r.items())) for r in store.select(query, substitutions=substitutions))

        assert rows(text) == rows(named.sparql, dict(bindings)), name
        checked += 1
    assert checked >= 5
