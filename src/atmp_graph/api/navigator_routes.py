"""``POST /navigator`` and ``GET /navigator``: the regulatory navigator over HTTP.

``POST /navigator`` with a JSON profile answers JSON (default) or RDF (Turtle, N-Triples,
RDF/XML, JSON-LD by ``Accept`` or ``?format=``); a form post (the web page) answers HTML.
An invalid profile gets 422 with one message per field. The answer is computed with the
service's query pool, so it reflects whatever data the running service holds.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from atmp_graph.api.deps import PoolDep
from atmp_graph.api.errors import ApiError
from atmp_graph.api.pages import serialise
from atmp_graph.api.params import parse_form
from atmp_graph.api.web import Templates, WebDep
from atmp_graph.navigator import Answer, ProfileError, navigate, parse_profile
from atmp_graph.navigator.profile import FIELDS, Profile
from atmp_graph.navigator.rdf import answer_graph
from atmp_graph.negotiation import choose

JSON_TYPE = "application/json"
HTML = "text/html"
OFFERS = (JSON_TYPE, "text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml", HTML)
FORMATS = {"json": JSON_TYPE, "turtle": "text/turtle", "ttl": "text/turtle", "jsonld": "application/ld+json",
           "nt": "application/n-triples", "ntriples": "application/n-triples", "rdfxml": "application/rdf+xml"}
_FORM = "application/x-www-form-urlencoded"

# The choices the web form offers, in the contract's values (labels for people).
CHOICES: dict[str, list[tuple[str, str]]] = {
    "kind": [("CAR-T", "CAR-T cells"), ("TCR-T", "TCR-T cells")],
    "origin": [("autologous", "autologous"), ("allogeneic", "allogeneic")],
    "gene_transfer": [("lentiviral", "lentiviral vector"), ("gammaretroviral", "gammaretroviral vector"),
                      ("transposon", "transposon/transposase"), ("mRNA", "mRNA electroporation"),
                      ("gene-editing", "gene editing")],
    "sponsor": [("academic", "academic"), ("commercial", "commercial")],
    "route": [("clinical-trial", "clinical trial"), ("hospital-exemption", "hospital exemption"),
              ("marketing-authorisation", "marketing authorisation")],
    "phase": [("", "not a trial"), ("I", "phase I"), ("I/II", "phase I/II"), ("II", "phase II"), ("III", "phase III")],
}
EXAMPLE = {"kind": "CAR-T", "origin": "autologous", "gene_transfer": "lentiviral", "target": "CD19",
           "sponsor": "academic", "country": "DE", "route": "clinical-trial", "phase": "I"}


def _media_type(request: Request) -> str:
    fmt = request.query_params.get("format")
    if fmt:
        if fmt not in FORMATS:
            raise ApiError(400, f"format {fmt!r} is not offered; use one of {', '.join(FORMATS)}")
        return FORMATS[fmt]
    chosen = choose(request.headers.get("accept"), OFFERS)
    if chosen is None:
        raise ApiError(406, "the navigator answers " + ", ".join(OFFERS), headers={"Vary": "Accept"})
    return chosen


def _invalid(error: ProfileError) -> JSONResponse:
    return JSONResponse({"status": 422, "message": f"invalid profile: {error}", "errors": error.errors},
                        status_code=422)


def navigator_router(templates: Templates) -> APIRouter:
    router = APIRouter(tags=["navigator"])

    def page(*, status: int = 200, values: dict[str, str] | None = None, answer: Answer | None = None,
             errors: list[dict[str, str]] | None = None) -> Response:
        problems = {e["field"]: e["message"] for e in errors or []}
        return templates.response("navigator.html", status=status, values=values or EXAMPLE, answer=answer,
                                  errors=problems, general_errors=[m for f, m in problems.items() if f not in FIELDS],
                                  choices=CHOICES)

    @router.get("/navigator", summary="The regulatory navigator's web form")
    def form() -> Response:
        """An HTML form for a development profile; it posts to ``POST /navigator``."""
        return page()

    request_body = {"required": True, "content": {
        JSON_TYPE: {"schema": Profile.model_json_schema(), "example": EXAMPLE},
        _FORM: {"schema": Profile.model_json_schema()},
    }}
    responses: dict[int | str, dict[str, Any]] = {
        200: {"description": "The applicable requirements, grouped, with reasons and sources (JSON), or the answer "
                             "as RDF with PROV links (Turtle, JSON-LD, N-Triples, RDF/XML by Accept)",
              "content": {t: {} for t in OFFERS}},
        422: {"description": "Invalid profile: one message per field"},
    }

    @router.post("/navigator", summary="Which requirements apply to a planned product (the regulatory navigator)",
                 openapi_extra={"requestBody": request_body}, responses=responses)
    async def answer(request: Request, pool: PoolDep, web: WebDep) -> Response:
        """Match a development profile against the KB's requirements.

        Body: a JSON object with ``kind``, ``origin``, ``gene_transfer``, ``target``, ``sponsor``,
        ``country``, ``route`` and (for trials) ``phase``. Answer: JSON with the applicable items
        grouped by category (each with IRI, label, reasons and sources), the KB version, a notice
        that the answer is not legal advice, and an ``unknown`` section; or RDF by ``Accept``.
        """
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await request.body()
        if content_type == _FORM:
            values = {k: v.strip() for k, v in parse_form(body) if v.strip()}
            try:
                profile = parse_profile(values)
            except ProfileError as invalid:
                return page(status=422, values=values, errors=invalid.errors)
            return page(values=values, answer=await navigate(pool.select, profile))
        if content_type not in (JSON_TYPE, ""):
            raise ApiError(415, f"send the profile as {JSON_TYPE} (or as a form, {_FORM}); got {content_type!r}")
        try:
            data: Any = json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError) as error:
            raise ApiError(400, f"the body is not valid JSON: {error}") from None
        media_type = _media_type(request)
        try:
            profile = parse_profile(data)
        except ProfileError as invalid:
            return _invalid(invalid)
        result = await navigate(pool.select, profile)
        if media_type == HTML:
            return page(values=dict(profile.facts()), answer=result)
        if media_type == JSON_TYPE:
            return JSONResponse(result.to_json(), headers={"Vary": "Accept"})
        body_bytes = await asyncio.to_thread(lambda: serialise(answer_graph(result), media_type, context=web.context))
        return Response(body_bytes, media_type=media_type, headers={"Vary": "Accept"})

    return router

