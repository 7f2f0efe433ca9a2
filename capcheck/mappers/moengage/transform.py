"""One event and one destination Config in, the MoEngage Data API requests out.

The steps and their order follow the production destination, because the order decides
which error an event gets and which value wins:

1. event type (required, a string, identify / track / alias, any case);
2. per request: the base rows (customer_id...), then the Config, then the region, then the
   headers and userId, then the request body (attributes or the action);
3. identify with ``context.device.type`` and ``.token`` adds the device request, built
   after the user request *on the same event*: production's catch-all excludes delete keys
   from the event itself, so the device request no longer sees e.g. ``traits.id``.
"""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from typing import Any

from capcheck.mappers.moengage import jsvalues as js
from capcheck.mappers.moengage.compiled import construct, flatten
from capcheck.mappers.moengage.errors import MappingError
from capcheck.mappers.moengage.jsvalues import UNDEF
from capcheck.mappers.moengage.table import Mapping, Request, load

JSON_MIME = "application/json"

__all__ = ["ConfigAccess", "Parts", "build_request", "construct", "flatten", "request_parts",
           "resolve_now", "response_of", "run", "run_parts", "transform"]


class ConfigAccess:
    """A destination whose Config cannot be read; fails where production reads it."""

    def __init__(self, error: MappingError) -> None:
        self.error = error


# ---------------------------------------------------------------------------- helpers


def merge_custom(attributes: dict[str, Any], slot: str) -> dict[str, Any]:
    """Object data: spread the catch-all object into the attributes."""
    data = attributes.get(slot, UNDEF)
    if not js.truthy(data):
        return attributes
    rest = {k: v for k, v in attributes.items() if k != slot}
    if isinstance(data, dict):
        for key in js.js_keys(data):
            rest[key] = data[key]
        return js.js_ordered(rest)
    return rest


# JSON scalars: _copy keeps them as they are without a call.
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: v if type(v) in _SCALARS else _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [v if type(v) in _SCALARS else _copy(v) for v in value]
    return value


def _plain(obj: Any, key: str) -> Any:
    """``obj?.key`` for JSON values: only objects have named properties here."""
    if isinstance(obj, dict):
        return obj.get(key, UNDEF)
    return UNDEF


def _config_values(config: Any) -> tuple[Any, Any, Any, Any]:
    if isinstance(config, ConfigAccess):
        raise config.error
    if config is None or config is UNDEF:
        state = "null" if config is None else "undefined"
        raise MappingError(
            f"Cannot destructure property 'apiId' of 'destination.Config' as it is {state}.",
            status_code=500,
        )
    if not isinstance(config, dict):
        return UNDEF, UNDEF, UNDEF, UNDEF
    return (
        config.get("apiId", UNDEF),
        config.get("region", UNDEF),
        config.get("apiKey", UNDEF),
        config.get("useObjectData", UNDEF),
    )


def _authorization(api_id: Any, api_key: Any) -> str:
    raw = js.latin1_low_bytes(js.to_string(api_id) + ":" + js.to_string(api_key))
    return "Basic " + base64.b64encode(raw).decode("ascii")


_HEADER_CACHE: dict[tuple[str, str, str, str], tuple[str, dict[str, Any]]] = {}


def _endpoint_and_headers(
    request: Request, code: str, api_id: Any, api_key: Any
) -> tuple[str, dict[str, Any], tuple[str, str, str, str] | None]:
    """Endpoint, headers and their cache key; cached for string credentials (the usual
    case), so the headers may be shared: :func:`response_of` copies them."""
    if type(api_id) is str and type(api_key) is str:
        key = (request.name, code, api_id, api_key)
        hit = _HEADER_CACHE.get(key)
        if hit is not None:
            return hit[0], hit[1], key
    else:
        key = None
    endpoint = request.endpoint.format(code=code, path=request.path, api_id=js.to_string(api_id))
    headers: dict[str, Any] = {"Content-Type": JSON_MIME}
    if request.app_key_header and api_id is not UNDEF:
        headers["MOE-APPKEY"] = api_id
    headers["Authorization"] = _authorization(api_id, api_key)
    if key is not None:
        if len(_HEADER_CACHE) > 1024:
            _HEADER_CACHE.clear()
        _HEADER_CACHE[key] = (endpoint, headers)
    return endpoint, headers, key


def _apple(mapping: Mapping, obj: dict[str, Any]) -> None:
    platform = obj.get("platform")
    if isinstance(platform, str) and platform.lower() in mapping.apple_platforms:
        obj["platform"] = mapping.apple_platform_name


Parts = tuple[Request, str, dict[str, Any], dict[str, Any], Any, Any]


def request_parts(
    mapping: Mapping, request: Request, message: dict[str, Any], config: Any, now: datetime,
    mutate: bool,
) -> Parts:
    """What :func:`build_request` puts in the response: ``(request, endpoint, headers,
    body, userId or UNDEF, key)``, where ``key`` names the endpoint and headers (the
    request and string credentials) or is None (credentials of another type). The
    headers may be shared between calls: read them, or copy them (as response_of does)."""
    builders = request.builders
    base = builders.base(message, now, mapping.slot_flattened, mutate)
    if type(config) is dict:
        api_id = config.get("apiId", UNDEF)
        region = config.get("region", UNDEF)
        api_key = config.get("apiKey", UNDEF)
        use_object = config.get("useObjectData", UNDEF)
    else:
        api_id, region, api_key, use_object = _config_values(config)
    code = mapping.regions.get(region) if isinstance(region, str) else None
    if code is None:
        raise MappingError("The region is not valid")
    hit = None
    if type(api_id) is str and type(api_key) is str:  # _endpoint_and_headers' cache, inline
        key: tuple[str, str, str, str] | None = (request.name, code, api_id, api_key)
        hit = _HEADER_CACHE.get(key)  # type: ignore[arg-type]
    if hit is not None:
        endpoint, headers = hit
    else:
        endpoint, headers, key = _endpoint_and_headers(request, code, api_id, api_key)

    user_id = message.get("userId", UNDEF)
    if not (user_id if type(user_id) is str else js.truthy(user_id)):
        user_id = message.get("anonymousId", UNDEF)

    if request.body_type is None:
        body = base
    else:
        objects = (
            use_object if type(use_object) is bool
            else use_object is not UNDEF and js.truthy(use_object)
        )
        # ``{**base, "type": ..., "attributes"/"actions": ...}`` built in place: assigning
        # a key base already holds keeps its position, as the spread does.
        body = base
        body["type"] = request.body_type
        if request.attributes is not None:
            if objects:
                assert builders.attributes_object is not None
                slot = mapping.slot_object
                attributes = builders.attributes_object(message, now, slot, mutate)
                attributes = merge_custom(attributes, slot)
            else:
                assert builders.attributes is not None
                slot = mapping.slot_flattened
                attributes = flatten(builders.attributes(message, now, slot, mutate))
            if request.name == "device":
                _apple(mapping, attributes)
            body["attributes"] = attributes
        else:
            build = builders.action_object if objects else builders.action
            assert build is not None
            action = build(message, now, mapping.slot_flattened, mutate)
            platform = action.get("platform")
            if isinstance(platform, str) and platform.lower() in mapping.apple_platforms:
                action["platform"] = mapping.apple_platform_name  # _apple, inline
            body["actions"] = [action]
    values = body.values()
    try:  # ``in`` tests identity first, so no hole is missed; only odd == costs a copy
        holes = None in values or UNDEF in values
    except Exception:  # a value whose == raises (Python callers)
        holes = True
    if holes:
        body = {k: v for k, v in body.items() if v is not None and v is not UNDEF}
    return request, endpoint, headers, body, user_id, key


def response_of(parts: Parts) -> dict[str, Any]:
    """The response object of :func:`request_parts`' parts."""
    request, endpoint, headers, body, user_id, _ = parts
    response: dict[str, Any] = {
        "version": "1",
        "type": "REST",
        "method": "POST",
        "endpoint": endpoint,
        "endpointPath": request.path,
        "headers": dict(headers),
        "params": {},
        "body": {"JSON": body, "JSON_ARRAY": {}, "XML": {}, "FORM": {}},
        "files": {},
    }
    if user_id is not UNDEF:
        response["userId"] = user_id
    return response


def build_request(
    mapping: Mapping, request: Request, message: dict[str, Any], config: Any, now: datetime,
    mutate: bool,
) -> dict[str, Any]:
    """responseBuilderSimple for one request kind."""
    return response_of(request_parts(mapping, request, message, config, now, mutate))


def _device_wanted(message: dict[str, Any]) -> bool:
    """``context.device.type`` and ``.token`` both truthy (``_plain`` steps, inline)."""
    context = message.get("context", UNDEF)
    device = context.get("device", UNDEF) if isinstance(context, dict) else UNDEF
    if not isinstance(device, dict):
        return False
    return js.truthy(device.get("type", UNDEF)) and js.truthy(device.get("token", UNDEF))


def run_parts(message: Any, config: Any, now: datetime) -> list[Parts]:
    """processEvent up to the response objects: their :func:`request_parts`, one per
    request, with ``config`` possibly ``UNDEF`` or a ``ConfigAccess`` failure."""
    event_type = message.get("type", UNDEF) if type(message) is dict else UNDEF
    if type(event_type) is not str or not event_type:  # the usual case passes
        if message is None or message is UNDEF:
            state = "null" if message is None else "undefined"
            raise MappingError(f"Cannot read properties of {state} (reading 'type')", 500)
        event_type = message.get("type", UNDEF) if isinstance(message, dict) else UNDEF
        if not js.truthy(event_type):
            raise MappingError("Event type is required")
        if not isinstance(event_type, str):
            raise MappingError("message.type.toLowerCase is not a function", 500)
    assert isinstance(message, dict)
    kind = event_type.lower()
    mapping = load()
    requests = mapping.requests
    if kind == "identify":
        if _device_wanted(message):
            # Production's excludes delete keys from the event between the two requests;
            # reproduce that on a private copy so the caller's event stays untouched.
            event = _copy(message)
            user = request_parts(mapping, requests["identify"], event, config, now, True)
            device = request_parts(mapping, requests["device"], event, config, now, True)
            return [user, device]
        return [request_parts(mapping, requests["identify"], message, config, now, False)]
    if kind == "track" or kind == "alias":
        return [request_parts(mapping, requests[kind], message, config, now, False)]
    raise MappingError(f"Event type {kind} is not supported")


def run(message: Any, config: Any, now: datetime) -> list[dict[str, Any]]:
    """processEvent, with ``config`` possibly ``UNDEF`` or a ``ConfigAccess`` failure."""
    return [response_of(parts) for parts in run_parts(message, config, now)]


def resolve_now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(timezone.utc)
    if now.tzinfo is None:
        return now.replace(tzinfo=timezone.utc)
    return now


def transform(
    message: Any, config: Any, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Map one event to the requests production would send.

    ``config`` is the destination Config (apiId, apiKey, region, useObjectData). ``now``
    pins the instant used for ``user_timezone_offset`` (default: the current time; a naive
    datetime is read as UTC). Raises :class:`MappingError` for events production rejects.
    """
    try:
        return run(message, config, resolve_now(now))
    except RecursionError:
        raise MappingError("Maximum call stack size exceeded", 500) from None
