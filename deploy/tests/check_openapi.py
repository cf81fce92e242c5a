#!/usr/bin/env python3
'''Checks the gateway's OpenAPI document, Sources/Gateway/Resources/openapi.json (served as it is).

Checks that:
- it parses as JSON, is OpenAPI 3.1.0 and passes openapi-spec-validator;
- every route and status code of the contract's route and status tables is described, with the
  contract's error code in an example, `WWW-Authenticate` on 401 and `Retry-After` on 503;
- the bearer scheme applies to /events and /events/batch only;
- every example validates against the schema next to it.

The contract is read from ../shared/contract.md (relative to the repository) or --contract when it
exists; the tables below are used as well, so the check still runs without it.

Prints `ok <check>` or `FAIL <check>: <why>` per check and exits 1 when any check failed.
Standard library and openapi-spec-validator (with jsonschema, which it depends on) only.
'''

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

# The contract's route table: route -> success statuses (shared/contract.md, "HTTP API").
CONTRACT_ROUTES: dict[tuple[str, str], set[str]] = {
    ("post", "/events"): {"202"},
    ("post", "/events/batch"): {"202"},
    ("get", "/health"): {"200", "503"},
    ("get", "/ready"): {"200", "503"},
    ("get", "/live"): {"200"},
    ("get", "/metrics"): {"200"},
}
# The contract's status table: (status, error code), for every /events route.
CONTRACT_ERRORS: set[tuple[str, str]] = {
    ("400", "invalid_json"),
    ("400", "validation_failed"),
    ("401", "unauthorized"),
    ("413", "payload_too_large"),
    ("415", "unsupported_media_type"),
    ("503", "broker_unavailable"),
}
EVENT_ROUTES = [("post", "/events"), ("post", "/events/batch")]
DOCUMENT_FILE = "Sources/Gateway/Resources/openapi.json"


class Report:
    def __init__(self) -> None:
        self.failures = 0

    def check(self, name: str, problem: str | None) -> None:
        if problem:
            self.failures += 1
            print(f"FAIL {name}: {problem}")
        else:
            print(f"ok {name}")


def parse_contract(path: Path) -> tuple[dict[tuple[str, str], set[str]], set[tuple[str, str]]]:
    """The route table's routes with the statuses of their success column, and the status table."""
    routes: dict[tuple[str, str], set[str]] = {}
    errors: set[tuple[str, str]] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 3:
            continue
        route = re.fullmatch(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`]*)`", cells[0])
        if route:
            statuses = set(re.findall(r"\b([1-5]\d\d)\b", " ".join(cells[2:])))
            routes[(route.group(1).lower(), route.group(2))] = statuses or {"200"}
            continue
        status = re.fullmatch(r"([1-5]\d\d)", cells[0])
        code = re.fullmatch(r"`([a-z_]+)`", cells[1])
        if status and code:
            errors.add((status.group(1), code.group(1)))
    return routes, errors


def resolve(spec: dict[str, Any], node: Any) -> Any:
    """Follows a local `$ref` (one level at a time until none is left)."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for token in node["$ref"].lstrip("#/").split("/"):
            target = target[token.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def example_codes(spec: dict[str, Any], response: dict[str, Any]) -> set[str]:
    codes = set()
    for media in response.get("content", {}).values():
        for example in media.get("examples", {}).values():
            value = resolve(spec, example).get("value")
            if isinstance(value, dict) and isinstance(value.get("error"), dict):
                codes.add(value["error"].get("code"))
    return codes


def check_examples(spec: dict[str, Any], report: Report) -> None:
    import jsonschema  # installed with openapi-spec-validator

    def media_types(operation: dict[str, Any]):
        body = resolve(spec, operation.get("requestBody", {}))
        for name, media in body.get("content", {}).items():
            yield f"request {name}", media
        for status, response in operation.get("responses", {}).items():
            for name, media in resolve(spec, response).get("content", {}).items():
                yield f"{status} {name}", media

    checked = 0
    problems = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            for where, media in media_types(operation):
                # Siblings of `$ref` are allowed in 2020-12, so the components can ride along.
                schema = {**media.get("schema", {}), "components": spec["components"]}
                validator = jsonschema.Draft202012Validator(
                    schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
                )
                for name, example in media.get("examples", {}).items():
                    checked += 1
                    for error in validator.iter_errors(resolve(spec, example).get("value")):
                        problems.append(f"{method.upper()} {path} {where} example {name}: {error.message}")
    report.check(
        f"openapi: all {checked} examples match their schemas",
        "; ".join(problems[:5]) if problems else (None if checked else "no examples found"),
    )


def main() -> int:
    repo_default = Path(__file__).resolve().parents[2]
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repo", type=Path, default=repo_default)
    parser.add_argument("--contract", type=Path, default=None)
    args = parser.parse_args()
    report = Report()

    document_path = args.repo / DOCUMENT_FILE
    text = document_path.read_text(encoding="utf-8") if document_path.exists() else None
    report.check(f"openapi: {DOCUMENT_FILE} exists", None if text else "missing")
    if text is None:
        return 1

    try:
        spec = json.loads(text)
    except json.JSONDecodeError as error:
        report.check("openapi: the document is JSON", str(error))
        return 1
    report.check("openapi: the document is JSON", None)
    report.check("openapi: version 3.1.0", None if spec.get("openapi") == "3.1.0" else repr(spec.get("openapi")))

    try:
        from openapi_spec_validator import validate
    except ImportError:
        report.check("openapi: openapi-spec-validator", "python3 -m pip install openapi-spec-validator==0.9.0")
        return 1
    try:
        validate(spec)
        report.check("openapi: openapi-spec-validator accepts the document", None)
    except Exception as error:  # the validator raises several exception types
        report.check("openapi: openapi-spec-validator accepts the document", str(error).split("\n")[0])
        return 1

    routes = {key: set(value) for key, value in CONTRACT_ROUTES.items()}
    errors = set(CONTRACT_ERRORS)
    contract = args.contract or args.repo.parent / "shared" / "contract.md"
    if contract.exists():
        parsed_routes, parsed_errors = parse_contract(contract)
        report.check(
            f"openapi: contract tables read from {contract}",
            None if parsed_routes and parsed_errors else "no route or status table found",
        )
        for key, statuses in parsed_routes.items():
            routes.setdefault(key, set()).update(statuses)
        errors |= parsed_errors
    for method, path in EVENT_ROUTES:
        for status, _ in errors:
            routes[(method, path)].add(status)

    paths = spec.get("paths", {})
    for (method, path), statuses in sorted(routes.items()):
        operation = paths.get(path, {}).get(method)
        if operation is None:
            report.check(f"openapi: {method.upper()} {path}", "missing")
            continue
        missing = sorted(statuses - set(operation.get("responses", {})))
        report.check(
            f"openapi: {method.upper()} {path} answers {', '.join(sorted(statuses))}",
            f"missing {', '.join(missing)}" if missing else None,
        )
    report.check("openapi: GET /openapi.json", None if "get" in paths.get("/openapi.json", {}) else "missing")

    schemas = spec.get("components", {}).get("schemas", {})
    enum = set(schemas.get("ErrorBody", {}).get("properties", {}).get("code", {}).get("enum", []))
    wanted = {code for _, code in errors}
    report.check("openapi: ErrorBody.code lists every contract error code",
                 ", ".join(sorted(wanted - enum)) or None)

    for method, path in EVENT_ROUTES:
        responses = paths.get(path, {}).get(method, {}).get("responses", {})
        for status, code in sorted(errors):
            response = resolve(spec, responses.get(status, {}))
            report.check(
                f"openapi: {method.upper()} {path} {status} has an example with code {code}",
                None if code in example_codes(spec, response) else "no such example",
            )
        for status, header in (("401", "WWW-Authenticate"), ("503", "Retry-After")):
            headers = resolve(spec, responses.get(status, {})).get("headers", {})
            report.check(f"openapi: {method.upper()} {path} {status} sets {header}",
                         None if header in headers else "header not described")

    schemes = spec.get("components", {}).get("securitySchemes", {})
    bearer = [name for name, scheme in schemes.items()
              if scheme.get("type") == "http" and scheme.get("scheme", "").lower() == "bearer"]
    report.check("openapi: a bearer security scheme", None if bearer else "missing")
    global_security = spec.get("security", [])
    for path, item in paths.items():
        for method, operation in item.items():
            security = operation.get("security", global_security)
            needs_token = any(name in requirement for requirement in security for name in bearer)
            should = path.startswith("/events")
            report.check(
                f"openapi: {method.upper()} {path} {'needs' if should else 'does not need'} the token",
                None if needs_token == should else f"security is {security!r}",
            )

    check_examples(spec, report)
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
