"""The answers every operation may give under the contract, added to the OpenAPI schema.

Litestar documents each handler's success answer and 400; the contract (SPEC §8, "Errors")
lets any operation also answer 401, 403, 404, 409, 413, 422 and 429 with the one error shape
of `core/errors.py`, and pages answer a redirect (to the log-in page, or after a form).
Declaring them here, once, keeps the schema truthful for clients and for the property-based
run over it (tests/test_fuzz.py), which checks every answer against it."""

from __future__ import annotations

from litestar import Litestar
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Schema

ERROR_SHAPE = Schema(
    type=OpenAPIType.OBJECT,
    required=["status_code", "detail"],
    properties={
        "status_code": Schema(type=OpenAPIType.INTEGER),
        "detail": Schema(type=OpenAPIType.STRING),
        "extra": Schema(
            one_of=[
                Schema(type=OpenAPIType.ARRAY, items=Schema(
                    type=OpenAPIType.OBJECT,
                    properties={"key": Schema(type=OpenAPIType.STRING), "message": Schema(type=OpenAPIType.STRING)},
                )),
                Schema(type=OpenAPIType.OBJECT),
                Schema(type=OpenAPIType.NULL),
            ]
        ),
    },
)
ERRORS = {
    "400": "Malformed or mistyped input, or a path or query value out of its bounds",
    "401": "Not signed in",
    "403": "Wrong role, wrong phase, unverified account or missing CSRF token",
    "404": "Does not exist, or not visible to the caller",
    "405": "Method not allowed",
    "409": "Conflicts with existing data",
    "413": "Body too large",
    "422": "A content rule is broken (field errors in `extra`)",
    "429": "Rate-limited (see `Retry-After`)",
}
REDIRECTS = {"302": "Redirect", "303": "See other (after a form, or to the log-in page)"}
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _error(description: str) -> OpenAPIResponse:
    return OpenAPIResponse(description=description, content={
        "application/json": OpenAPIMediaType(schema=ERROR_SHAPE),
        "text/html": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING)),
        "text/plain": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING)),
    })


def declare_contract_errors(app: Litestar) -> None:
    """On start-up: add the contract's error answers to every operation that lacks them."""
    for path_item in (app.openapi_schema.paths or {}).values():
        for method in METHODS:
            operation = getattr(path_item, method, None)
            if operation is None:
                continue
            responses = operation.responses if operation.responses is not None else {}
            for code, description in ERRORS.items():
                responses.setdefault(code, _error(description))
            for code, description in REDIRECTS.items():
                responses.setdefault(code, OpenAPIResponse(description=description))
            operation.responses = responses
