"""Split a SPARQL 1.1 Update request into its operations (https://www.w3.org/TR/sparql11-update/).

The service computes each operation's effect as explicit quads before anything is
committed (so that a change can be validated and refused as a whole); this module only
finds the operations and the text of their templates and patterns. The engine checks
the full syntax beforehand, so the splitter may assume a well-formed request.

>>> ops = split_update('PREFIX ex: <http://ex.org/> INSERT DATA { ex:a ex:p 1 } ; '
...                    'WITH <http://g> DELETE { ?s ex:p ?o } WHERE { ?s ex:p ?o }')
>>> [(op.kind, op.with_graph) for op in ops]
[('insert_data', None), ('modify', 'http://g')]
>>> ops[1].delete_template.strip(), ops[1].where.strip()
('?s ex:p ?o', '?s ex:p ?o')
>>> ops[1].prologue.strip()
'PREFIX ex: <http://ex.org/>'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin

from atmp_graph.namespaces import PREFIXES
from atmp_graph.sparql_lexer import Token, matching_brace, tokens

GRAPH_MANAGEMENT = ("CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "LOAD")


@dataclass
class Operation:
    kind: str  # insert_data, delete_data, delete_where, modify, clear, drop, create, add, move, copy, load
    prologue: str = ""
    delete_template: str | None = None
    insert_template: str | None = None
    where: str | None = None
    with_graph: str | None = None
    using: list[str] = field(default_factory=list)
    using_named: list[str] = field(default_factory=list)
    silent: bool = False
    target: str | None = None  # a graph IRI, or DEFAULT / NAMED / ALL
    destination: str | None = None  # for ADD / MOVE / COPY / LOAD ... INTO
    prefixes: dict[str, str] = field(default_factory=dict)
    base: str | None = None


@dataclass(frozen=True)
class TemplatePart:
    """Triples of a quad template with the graph they belong to."""

    graph: str | None  # an IRI, a variable such as ``?g``, or None for the default graph
    triples: str


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = tokens(text)
        self.i = 0
        self.prefixes = dict(PREFIXES)
        self.base: str | None = None
        self.prologue: list[str] = []

    def peek(self, offset: int = 0) -> Token | None:
        index = self.i + offset
        return self.toks[index] if index < len(self.toks) else None

    def next(self) -> Token:
        token = self.peek()
        if token is None:
            raise SyntaxError("the update ends too early")
        self.i += 1
        return token

    def accept(self, *words: str) -> bool:
        token = self.peek()
        if token is not None and token.is_word(*words):
            self.i += 1
            return True
        return False

    def expect(self, *words: str) -> str:
        token = self.next()
        if not token.is_word(*words):
            raise SyntaxError(f"expected {' or '.join(words)} at {self.position(token)}, found {token.text!r}")
        return token.text.upper()

    def iri(self) -> str:
        token = self.next()
        if token.kind == "iri":
            value = token.text[1:-1]
            return urljoin(self.base, value) if self.base else value
        if token.kind == "pname":
            prefix, _, local = token.text.partition(":")
            if prefix not in self.prefixes:
                raise SyntaxError(f"undefined prefix {prefix!r} at {self.position(token)}")
            return self.prefixes[prefix] + local
        raise SyntaxError(f"expected an IRI at {self.position(token)}, found {token.text!r}")

    def block(self) -> str:
        """The text inside the next ``{ ... }``."""
        token = self.next()
        if token.text != "{":
            raise SyntaxError(f"expected '{{' at {self.position(token)}, found {token.text!r}")
        close = matching_brace(self.toks, self.i - 1)
        inner = self.text[token.end:self.toks[close].start]
        self.i = close + 1
        return inner

    def position(self, token: Token) -> str:
        line = self.text.count("\n", 0, token.start) + 1
        column = token.start - (self.text.rfind("\n", 0, token.start) + 1) + 1
        return f"line {line} column {column}"


def split_update(text: str) -> list[Operation]:
    """The operations of an update request, in order."""
    reader = _Reader(text)
    operations: list[Operation] = []
    while reader.peek() is not None:
        token = reader.peek()
        assert token is not None
        if token.is_word("PREFIX"):
            start = reader.next().start
            name = reader.next().text
            iri_token = reader.next()
            reader.prefixes[name.rstrip(":")] = iri_token.text[1:-1]
            reader.prologue.append(text[start:iri_token.end])
        elif token.is_word("BASE"):
            start = reader.next().start
            iri_token = reader.next()
            reader.base = iri_token.text[1:-1]
            reader.prologue.append(text[start:iri_token.end])
        elif token.text == ";":
            reader.next()
        else:
            operation = _operation(reader)
            operation.prologue = "\n".join(reader.prologue) + "\n"
            operation.prefixes = dict(reader.prefixes)
            operation.base = reader.base
            operations.append(operation)
    return operations


def _operation(reader: _Reader) -> Operation:
    token = reader.peek()
    assert token is not None
    if token.is_word("INSERT") and (after := reader.peek(1)) is not None and after.is_word("DATA"):
        reader.i += 2
        return Operation("insert_data", insert_template=reader.block())
    if token.is_word("DELETE") and (after := reader.peek(1)) is not None and after.is_word("DATA"):
        reader.i += 2
        return Operation("delete_data", delete_template=reader.block())
    if token.is_word("DELETE") and (after := reader.peek(1)) is not None and after.is_word("WHERE"):
        reader.i += 2
        pattern = reader.block()
        return Operation("delete_where", delete_template=pattern, where=pattern)
    if token.is_word("WITH", "DELETE", "INSERT"):
        return _modify(reader)
    if token.is_word(*GRAPH_MANAGEMENT):
        return _graph_management(reader)
    raise SyntaxError(f"unexpected {token.text!r} at {reader.position(token)}")


def _modify(reader: _Reader) -> Operation:
    operation = Operation("modify")
    if reader.accept("WITH"):
        operation.with_graph = reader.iri()
    if reader.accept("DELETE"):
        operation.delete_template = reader.block()
    if reader.accept("INSERT"):
        operation.insert_template = reader.block()
    while reader.accept("USING"):
        if reader.accept("NAMED"):
            operation.using_named.append(reader.iri())
        else:
            operation.using.append(reader.iri())
    reader.expect("WHERE")
    operation.where = reader.block()
    return operation


def _graph_ref(reader: _Reader, *, allow: tuple[str, ...]) -> str:
    for word in allow:
        if reader.accept(word):
            return word
    reader.accept("GRAPH")
    return reader.iri()


def _graph_management(reader: _Reader) -> Operation:
    keyword = reader.expect(*GRAPH_MANAGEMENT)
    operation = Operation(keyword.lower(), silent=reader.accept("SILENT"))
    if keyword == "LOAD":
        operation.target = reader.iri()
        if reader.accept("INTO"):
            reader.expect("GRAPH")
            operation.destination = reader.iri()
    elif keyword in ("CLEAR", "DROP"):
        operation.target = _graph_ref(reader, allow=("DEFAULT", "NAMED", "ALL"))
    elif keyword == "CREATE":
        reader.expect("GRAPH")
        operation.target = reader.iri()
    else:  # ADD, MOVE, COPY
        operation.target = _graph_ref(reader, allow=("DEFAULT",))
        reader.expect("TO")
        operation.destination = _graph_ref(reader, allow=("DEFAULT",))
    return operation


def split_template(template: str, operation: Operation) -> list[TemplatePart]:
    """The ``GRAPH g { ... }`` blocks of a quad template and the default-graph rest.

    >>> op = Operation("insert_data", prefixes={"ex": "http://ex.org/"})
    >>> split_template("ex:a ex:p 1 . GRAPH ex:g { ex:b ex:p 2 }", op)
    [TemplatePart(graph='http://ex.org/g', triples=' ex:b ex:p 2 '), TemplatePart(graph=None, triples='ex:a ex:p 1 . ')]
    """
    reader = _Reader(template)
    reader.prefixes = dict(operation.prefixes)
    reader.base = operation.base
    parts: list[TemplatePart] = []
    rest: list[str] = []
    cursor = 0
    while reader.peek() is not None:
        token = reader.next()
        if token.is_word("GRAPH"):
            rest.append(template[cursor:token.start])
            name = reader.peek()
            if name is not None and name.kind == "var":
                reader.next()
                graph = name.text
            else:
                graph = reader.iri()
            parts.append(TemplatePart(graph, reader.block()))
            previous = reader.toks[reader.i - 1]
            cursor = previous.end
    rest.append(template[cursor:])
    default = "".join(rest)
    if default.strip():
        parts.append(TemplatePart(None, default))
    return parts
