"""DESCRIBE for a remote store, with the embedded store's meaning.

What DESCRIBE returns is left to each implementation by SPARQL 1.1 (section 16.4). The
embedded store (pyoxigraph) returns the Concise Bounded Description of each resource: its
triples, and recursively those of the blank nodes they lead to. Virtuoso returns the
resource's triples and the triples pointing at it, without the blank nodes' own triples.
So that a term page or a DESCRIBE says the same on either backend, the remote backend
answers DESCRIBE with standard CONSTRUCTs computing the CBD, blank nodes followed up to
``depth`` levels (``DEPTH`` is deep enough for the OWL restrictions and RDF lists of the
ontology); ``remote.py`` decides how deep to ask, and on Virtuoso asks level by level.

>>> print(describe_as_construct("DESCRIBE <urn:a>", depth=1))
CONSTRUCT { ?atmp_t ?atmp_p0 ?atmp_o0 . ?atmp_b1 ?atmp_p1 ?atmp_o1 . } WHERE {
{ { VALUES ?atmp_t { <urn:a> } } }
{ { ?atmp_t ?atmp_p0 ?atmp_o0 }
  UNION { ?atmp_t ?atmp_l1 ?atmp_b1 FILTER(isBlank(?atmp_b1)) ?atmp_b1 ?atmp_p1 ?atmp_o1 } }
}
"""

from __future__ import annotations

from atmp_graph.sparql_lexer import Token, matching_brace, tokens

DEPTH = 12
_ENDS_TARGETS = ("FROM", "WHERE", "ORDER", "LIMIT", "OFFSET", "GROUP", "HAVING", "VALUES")


def values_block(terms: dict[str, str], *, repeat_single: bool = False) -> str:
    """A one-row VALUES block binding each variable in ``terms`` (name to N-Triples term).

    ``repeat_single`` writes a lone variable twice: Virtuoso 7.2 folds a one-variable VALUES
    into the pattern and drops the rows of every UNION branch that does not mention the
    variable (a ``VALUES ?a`` before ``{ ?a ?p ?o } UNION { ?b ?p ?o }`` loses the second
    branch), but evaluates a block of two columns correctly; see docs/backends.md.

    >>> values_block({"a": "<urn:a>"}, repeat_single=True)
    'VALUES (?a ?a) { (<urn:a> <urn:a>) }'
    >>> values_block({"a": "<urn:a>", "b": "1"}, repeat_single=True)
    'VALUES (?a ?b) { (<urn:a> 1) }'
    """
    names, values = [f"?{n}" for n in terms], list(terms.values())
    if repeat_single and len(names) == 1:
        names, values = names * 2, values * 2
    return f"VALUES ({' '.join(names)}) {{ ({' '.join(values)}) }}"


def is_describe(query: str) -> bool:
    return any(t.is_word("DESCRIBE") for t in tokens(query))


def describe_as_construct(query: str, *, substitutions: dict[str, str] | None = None, depth: int = DEPTH,
                          repeat_single: bool = False) -> str:
    """The CBD query for a DESCRIBE ``query`` (its prologue kept).

    ``substitutions`` binds variables to terms (N-Triples syntax): a described variable
    bound so is described as that term; the others are bound by a VALUES block first in
    the DESCRIBE's WHERE group.

    >>> "VALUES ?atmp_t { <urn:b> }" in describe_as_construct("DESCRIBE ?t", substitutions={"t": "<urn:b>"})
    True
    """
    substitutions = substitutions or {}
    toks = tokens(query)
    start = next(i for i, t in enumerate(toks) if t.is_word("DESCRIBE"))
    prologue = query[:toks[start].start]
    index = start + 1
    targets: list[Token] = []
    while index < len(toks) and toks[index].text != "{" and not toks[index].is_word(*_ENDS_TARGETS):
        targets.append(toks[index])
        index += 1
    dataset = []
    while index < len(toks) and toks[index].is_word("FROM"):
        named = index + 1 < len(toks) and toks[index + 1].is_word("NAMED")
        end = index + (3 if named else 2)
        dataset.append(" ".join(t.text for t in toks[index:end]))
        index = end
    rest = {name: term for name, term in substitutions.items()
            if not any(t.kind == "var" and t.text[1:] == name for t in targets)}
    values = values_block(rest, repeat_single=repeat_single) if rest else ""
    group = modifiers = ""
    if index < len(toks) and toks[index].is_word("WHERE"):
        index += 1
    if index < len(toks) and toks[index].text == "{":
        close = matching_brace(toks, index)
        group = "{ " + values + " " + query[toks[index].start + 1:toks[close].start] + " }"
        modifiers = query[toks[close].end:].strip()
    fixed = [t.text for t in targets if t.kind in ("iri", "pname")]
    fixed += [substitutions[t.text[1:]] for t in targets if t.kind == "var" and t.text[1:] in substitutions]
    variables = [t.text for t in targets if t.kind == "var" and t.text[1:] not in substitutions]
    if any(t.text == "*" for t in targets) and group:
        variables = list(dict.fromkeys(t.text for t in tokens(group) if t.kind == "var"))
    branches = []
    if fixed:
        branches.append(f"{{ VALUES ?atmp_t {{ {' '.join(fixed)} }} }}")
    if group:
        branches += [f"{{ SELECT DISTINCT ({v} AS ?atmp_t) WHERE {group} {modifiers} }}" for v in variables]
    if not branches:
        branches.append("{ VALUES ?atmp_t { } }")
    # No BIND: Virtuoso 7.2 fails on BIND next to these FILTERs ("sparp_gp_deprecate"), so each
    # level binds variables of its own and the template holds one triple per level (a template
    # triple with an unbound variable is left out).
    template = ["?atmp_t ?atmp_p0 ?atmp_o0 ."]
    closure = ["{ ?atmp_t ?atmp_p0 ?atmp_o0 }"]
    for level in range(1, depth + 1):
        chain = " ".join(f"?atmp_{'t' if k == 1 else f'b{k - 1}'} ?atmp_l{k} ?atmp_b{k} FILTER(isBlank(?atmp_b{k}))"
                         for k in range(1, level + 1))
        template.append(f"?atmp_b{level} ?atmp_p{level} ?atmp_o{level} .")
        closure.append(f"{{ {chain} ?atmp_b{level} ?atmp_p{level} ?atmp_o{level} }}")
    return (f"{prologue}CONSTRUCT {{ {' '.join(template)} }} {' '.join(dataset)}{' ' if dataset else ''}WHERE {{\n"
            f"{{ {' UNION '.join(branches)} }}\n"
            f"{{ {chr(10).join(('  UNION ' if i else '') + c for i, c in enumerate(closure))} }}\n}}")
