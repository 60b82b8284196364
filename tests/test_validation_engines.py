"""The fast path agrees with pySHACL, and each engine finds the violations the fixtures hold."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from atmp_graph.store import GraphStore
from atmp_graph.validation.engine_pyshacl import validate_graph
from atmp_graph.validation.fast import UnsupportedShapeError, validate_store
from atmp_graph.validation.report import SH
from atmp_graph.validation.shapes import load_shapes, read_shapes_graph

DATA = Path(__file__).parent / "data"
ENGINE = DATA / "engine"
SHAPE_FIXTURES = sorted((DATA / "shapes").glob("*-*valid.ttl"))
BUNDLED_SHAPES = Path(__file__).parents[1] / "shapes"


def _both(data_files: list[Path], shapes_paths: list[Path]) -> tuple[set[tuple[str, ...]], set[tuple[str, ...]], bool, bool]:
    shapes_graph = read_shapes_graph(shapes_paths)
    store = GraphStore.in_memory()
    rdflib_graph = Graph()
    for i, path in enumerate(data_files):
        store.load_data(path.read_bytes(), "text/turtle", graph=f"urn:test:{i}")
        rdflib_graph.parse(path, format="turtle")
    fast = validate_store(store, load_shapes(shapes_graph))
    reference = validate_graph(rdflib_graph, shapes_graph)
    return fast.keys(), reference.keys(), fast.conforms, reference.conforms


def test_engine_fixture_agreement_covers_every_supported_component() -> None:
    fast, reference, fast_conforms, reference_conforms = _both([ENGINE / "data.ttl"], [ENGINE / "shapes.ttl"])
    assert fast == reference
    assert not fast_conforms and not reference_conforms
    components = {key[2].rsplit("#", 1)[1] for key in fast}
    assert components == {
        f"{name}ConstraintComponent"
        for name in ("MinCount", "MaxCount", "Class", "Datatype", "NodeKind", "Pattern", "MinInclusive",
                     "MaxInclusive", "MinExclusive", "MaxExclusive", "MinLength", "MaxLength", "In",
                     "HasValue", "LanguageIn", "UniqueLang", "LessThan", "LessThanOrEquals", "SPARQL")
    }


def test_engine_fixture_exact_results_for_subclass_and_paths() -> None:
    fast, _, _, _ = _both([ENGINE / "data.ttl"], [ENGINE / "shapes.ttl"])
    ex = "http://example.org/"
    # ex:bad is an ex:Gadget, a subclass of ex:Thing: a target through the hierarchy.
    assert (f"<{ex}bad>", f"<{ex}part>", str(SH.ClassConstraintComponent), f"<{ex}notAPart>") in fast
    # ex:p2 is an ex:SpecialPart, so it satisfies sh:class ex:Part: no result for it.
    assert not any(k[3] == f"<{ex}p2>" for k in fast)
    # The good resource conforms to everything.
    assert not any(k[0] == f"<{ex}good>" for k in fast)
    # A property shape with a target of its own (not reached through sh:property) is validated.
    assert (f"<{ex}longPart>", f"<{ex}name>", str(SH.MaxLengthConstraintComponent), '"a very long name"') in fast
    # The deactivated shape is skipped.
    assert not any("never" in k[1] for k in fast)
    # Sequence, inverse and alternative paths are reported as SPARQL paths.
    assert {k[1] for k in fast} >= {f"<{ex}part>/<{ex}madeBy>", f"^<{ex}owns>", f"<{ex}alias>|<{ex}nick>"}


def test_valid_data_conforms_in_both_engines() -> None:
    good = DATA / "engine" / "data-conforming.ttl"
    fast, reference, fast_conforms, reference_conforms = _both([good], [ENGINE / "shapes.ttl"])
    assert fast == reference == set()
    assert fast_conforms and reference_conforms


@pytest.mark.parametrize("fixture", SHAPE_FIXTURES, ids=lambda p: p.name)
def test_bundled_shapes_agree_on_every_fixture(fixture: Path) -> None:
    fast, reference, fast_conforms, reference_conforms = _both([fixture], [BUNDLED_SHAPES])
    assert fast == reference
    assert fast_conforms == reference_conforms


def test_unsupported_feature_is_refused_not_ignored() -> None:
    shapes = Graph().parse(format="turtle", data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S sh:targetClass ex:C ; sh:or ( [ sh:datatype ex:a ] [ sh:datatype ex:b ] ) .""")
    with pytest.raises(UnsupportedShapeError, match="sh:or"):
        validate_store(GraphStore.in_memory(), load_shapes(shapes))


def test_report_graph_writes_complex_paths_as_shacl_paths() -> None:
    from rdflib.namespace import RDF

    from atmp_graph.validation.paths import path_to_sparql

    shapes_graph = read_shapes_graph([ENGINE / "shapes.ttl"])
    store = GraphStore.in_memory()
    store.load_data((ENGINE / "data.ttl").read_bytes(), "text/turtle", graph="urn:test:0")
    report = validate_store(store, load_shapes(shapes_graph))
    graph = report.to_graph()
    results = list(graph.subjects(RDF.type, SH.ValidationResult))
    assert len(results) == len(report.results)
    written = {path_to_sparql(graph, p) for p in graph.objects(None, SH.resultPath)}
    assert written == {r.path for r in report.results if r.path}
    assert "^<http://example.org/owns>" in written  # an inverse path, written as [ sh:inversePath ... ]
