"""The project's IRIs: namespaces, graph names and where the bundled sources live.

>>> str(ATMP.CytokineReleaseSyndrome)
'https://w3id.org/atmp/ontology/CytokineReleaseSyndrome'
>>> graph_for_file(Path("/data/trials 2024.ttl"))
'https://w3id.org/atmp/graph/file/trials%202024.ttl'
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from rdflib import Namespace

BASE = "https://w3id.org/atmp/"
ONTOLOGY_IRI = BASE + "ontology"
ATMP = Namespace(BASE + "ontology/")
KB = Namespace(BASE + "kb/")
ATMPSH = Namespace(BASE + "shapes/")

GRAPH_BASE = BASE + "graph/"
ONTOLOGY_GRAPH = GRAPH_BASE + "ontology"
KB_GRAPH = GRAPH_BASE + "kb"
INFERRED_GRAPH = GRAPH_BASE + "inferred"
CHANGES_GRAPH = GRAPH_BASE + "changes"

PREFIXES: dict[str, str] = {
    "atmp": str(ATMP),
    "kb": str(KB),
    "atmpsh": str(ATMPSH),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "sh": "http://www.w3.org/ns/shacl#",
}

# The source tree: ontology/, shapes/ and queries/ sit beside src/.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
BUNDLED_ONTOLOGY_DIR = PROJECT_ROOT / "ontology"
BUNDLED_SHAPES_DIR = PROJECT_ROOT / "shapes"
BUNDLED_QUERIES_DIR = PROJECT_ROOT / "queries"


def graph_for_file(path: Path) -> str:
    """The named graph that holds a user-supplied data file (named after the file)."""
    return GRAPH_BASE + "file/" + quote(path.name)
