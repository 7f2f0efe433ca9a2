"""The processor and router forms of the mapper (the upstream service's request bodies)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from capcheck.mappers.moengage import jsvalues as js
from capcheck.mappers.moengage.errors import MappingError
from capcheck.mappers.moengage.jsvalues import UNDEF
from capcheck.mappers.moengage.transform import ConfigAccess, resolve_now, run


def _split(item: Any) -> tuple[Any, Any]:
    """(message, Config) of one ``{message, destination}`` item, in JavaScript terms."""
    if not isinstance(item, dict):
        return UNDEF, UNDEF
    message = item.get("message", UNDEF)
    destination = item.get("destination", UNDEF)
    if destination is None or destination is UNDEF:
        state = "null" if destination is None else "undefined"
        return message, ConfigAccess(
            MappingError(f"Cannot read properties of {state} (reading 'Config')", 500)
        )
    if isinstance(destination, dict):
        return message, destination.get("Config", UNDEF)
    return message, UNDEF


def service_user_id(request: dict[str, Any]) -> dict[str, Any]:
    """The service writes ``userId`` as a string, "" when the transform's value is falsy."""
    user_id = request.get("userId", UNDEF)
    if type(user_id) is not str:  # a string is already its own String() ("" stays "")
        user_id = js.to_string(user_id) if js.truthy(user_id) else ""
    request["userId"] = user_id
    return request


def process_one(item: Any, now: datetime) -> list[dict[str, Any]]:
    """Processor response items for one ``{message, destination}``."""
    message, config = _split(item)
    extra: dict[str, Any] = {}
    if isinstance(item, dict) and "metadata" in item:
        extra["metadata"] = item["metadata"]
    try:
        requests = run(message, config, now)
    except MappingError as exc:
        return [{**extra, "error": exc.message, "statusCode": exc.status_code}]
    except RecursionError:
        return [{**extra, "error": "Maximum call stack size exceeded", "statusCode": 500}]
    return [{"output": service_user_id(r), **extra, "statusCode": 200} for r in requests]


def process(body: list[Any], now: datetime | None = None) -> list[dict[str, Any]]:
    """The processor route: a list of ``{message, destination: {Config}}`` in, items out."""
    instant = resolve_now(now)
    items: list[dict[str, Any]] = []
    for item in body:
        items.extend(process_one(item, instant))
    return items


def route(body: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """The router route: ``{"input": [{message, metadata, destination}], ...}``."""
    instant = resolve_now(now)
    inputs = body.get("input") if isinstance(body, dict) else None
    output: list[dict[str, Any]] = []
    for item in inputs if isinstance(inputs, list) else []:
        message, config = _split(item)
        metadata = item.get("metadata", UNDEF) if isinstance(item, dict) else UNDEF
        destination = item.get("destination", UNDEF) if isinstance(item, dict) else UNDEF
        entry: dict[str, Any]
        try:
            requests = run(message, config, instant)
        except (MappingError, RecursionError) as exc:
            error = exc if isinstance(exc, MappingError) else MappingError(
                "Maximum call stack size exceeded", 500
            )
            entry = {
                "metadata": [metadata],
                "batched": False,
                "statusCode": error.status_code,
                "error": error.message,
            }
        else:
            entry = {
                "batchedRequest": requests[0] if len(requests) == 1 else requests,
                "metadata": [metadata],
                "batched": False,
                "statusCode": 200,
            }
        if destination is not UNDEF:
            entry["destination"] = destination
        if metadata is UNDEF:
            entry["metadata"] = [None]
        output.append(entry)
    return {"output": output}
