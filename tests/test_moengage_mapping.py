"""The MoEngage mapper on hand-written events: each mapping row, regions, object data,
the device request, Apple platforms, errors, and JavaScript value semantics."""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capcheck.mappers.moengage import MappingError, process, route, transform
from capcheck.mappers.moengage import jsvalues as js
from capcheck.mappers.moengage.table import load

CONFIG = {"apiId": "app1", "apiKey": "key1", "region": "US"}
OBJ = {**CONFIG, "useObjectData": True}
NOW = datetime(2023, 10, 14, tzinfo=timezone.utc)
SUMMER = datetime(2023, 7, 1, tzinfo=timezone.utc)


def one(message: dict[str, Any], config: dict[str, Any] | None = None) -> dict[str, Any]:
    requests = transform(message, CONFIG if config is None else config, now=NOW)
    assert len(requests) == 1
    return requests[0]


def body(message: dict[str, Any], config: dict[str, Any] | None = None) -> dict[str, Any]:
    return one(message, config)["body"]["JSON"]  # type: ignore[no-any-return]


def attrs(traits: dict[str, Any], config: dict[str, Any] | None = None) -> dict[str, Any]:
    return body({"type": "identify", "userId": "u", "traits": traits}, config)["attributes"]  # type: ignore[no-any-return]


def action(message: dict[str, Any], config: dict[str, Any] | None = None) -> dict[str, Any]:
    event = {"type": "track", "userId": "u", "event": "E", **message}
    return body(event, config)["actions"][0]  # type: ignore[no-any-return]


def error(message: Any, config: Any = CONFIG) -> tuple[str, int]:
    with pytest.raises(MappingError) as info:
        transform(message, config, now=NOW)
    return info.value.message, info.value.status_code


# ---------------------------------------------------------------- requests, regions


@pytest.mark.parametrize(
    ("region", "code"),
    [("US", "01"), ("EU", "02"), ("IND", "03"), ("US-DC-04", "04"), ("SGP-DC-05", "05"),
     ("IDN-DC-06", "06"), ("DC-101", "101")],
)
def test_every_region_and_endpoint(region: str, code: str) -> None:
    config = {**CONFIG, "region": region}
    base = f"https://api-{code}.moengage.com/v1/"
    assert one({"type": "identify", "userId": "u"}, config)["endpoint"] == base + "customer/app1"
    track = one({"type": "track", "userId": "u", "event": "e"}, config)
    assert track["endpoint"] == base + "event/app1"
    alias = one({"type": "alias", "userId": "u", "previousId": "p"}, config)
    assert alias["endpoint"] == base + "customer/merge?app_id=app1"
    assert alias["endpointPath"] == "customer/merge"
    device = transform(
        {"type": "identify", "userId": "u",
         "context": {"device": {"type": "android", "token": "t"}}},
        config,
    )[1]
    assert device["endpoint"] == base + "device/app1"


@pytest.mark.parametrize("region", ["us", "AMA", "", None, 1, ["US"], {"US": 1}])
def test_bad_region_is_a_config_error(region: Any) -> None:
    assert error({"type": "identify", "userId": "u"}, {**CONFIG, "region": region}) == (
        "The region is not valid", 400)


def test_missing_region_key() -> None:
    assert error({"type": "track", "userId": "u"}, {"apiId": "a"})[0] == "The region is not valid"


def test_request_shape_and_headers() -> None:
    request = one({"type": "track", "userId": "u", "event": "e"})
    assert request["version"] == "1" and request["type"] == "REST" and request["method"] == "POST"
    assert request["params"] == {} and request["files"] == {}
    assert request["body"]["JSON_ARRAY"] == {} and request["body"]["XML"] == {}
    assert request["headers"] == {
        "Content-Type": "application/json",
        "MOE-APPKEY": "app1",
        "Authorization": "Basic YXBwMTprZXkx",  # base64("app1:key1")
    }
    alias = one({"type": "alias", "userId": "u", "previousId": "p"})
    assert "MOE-APPKEY" not in alias["headers"]


def test_authorization_uses_latin1_low_bytes_like_btoa() -> None:
    request = one({"type": "track", "userId": "u", "event": "e"},
                  {"apiId": "é", "apiKey": "€", "region": "EU"})
    # "é" -> 0xE9, ":" -> 0x3A, "€" (U+20AC) -> low byte 0xAC
    assert request["headers"]["Authorization"] == "Basic 6Tqs"


def test_missing_api_id_header_and_undefined_in_url() -> None:
    request = one({"type": "track", "userId": "u", "event": "e"}, {"region": "US"})
    assert "MOE-APPKEY" not in request["headers"]
    assert request["endpoint"].endswith("/event/undefined")
    assert request["headers"]["Authorization"] == "Basic dW5kZWZpbmVkOnVuZGVmaW5lZA=="
    numeric = one({"type": "track", "userId": "u", "event": "e"}, {"region": "US", "apiId": 1.0})
    assert numeric["endpoint"].endswith("/event/1")
    assert numeric["headers"]["MOE-APPKEY"] == 1.0


def test_event_type_any_case() -> None:
    assert body({"type": "IdEnTiFy", "userId": "u"})["type"] == "customer"


# ---------------------------------------------------------------- identify rows


def test_customer_id_precedence() -> None:
    keys = ["userId", "traits.userId", "traits.id", "context.traits.userId", "context.traits.id",
            "anonymousId"]
    message: dict[str, Any] = {"type": "identify"}
    for i, key in reversed(list(enumerate(keys))):
        head, _, tail = key.rpartition(".")
        node = message
        for part in head.split(".") if head else []:
            node = node.setdefault(part, {})
        node[tail] = f"v{i}"
        assert body(message)["customer_id"] == f"v{i}"


def test_customer_id_skips_empty_and_null_but_keeps_zero_and_false() -> None:
    assert body({"type": "identify", "userId": "", "anonymousId": "a"})["customer_id"] == "a"
    assert body({"type": "identify", "userId": None, "anonymousId": "a"})["customer_id"] == "a"
    assert body({"type": "identify", "userId": 0, "anonymousId": "a"})["customer_id"] == 0
    assert body({"type": "identify", "userId": False, "anonymousId": "a"})["customer_id"] is False


def test_identify_rows_and_conversions() -> None:
    got = attrs({
        "name": 12, "firstName": "F", "last_name": "L", "email": ["a", "b"], "age": " 42 ",
        "gender": True, "mobile": 5551234, "source": {"x": 1}, "createdAt": "2020-01-01",
        "lastSeen": "2021", "transactions": "0x10", "revenue": "1e3", "moeUnsubscribe": False,
        "plan": "pro",
    })
    assert got == {
        "name": 12,  # the catch-all copy of traits.name (raw) wins over the string form
        "first_name": "F", "last_name": "L", "email": "a,b", "age": 42, "gender": "true",
        "mobile": "5551234", "source": "[object Object]", "created_time": "2020-01-01",
        "last_seen": "2021", "transactions": 16, "revenue": 1000, "moe_unsubscribe": False,
        "plan": "pro", "createdAt": "2020-01-01",  # createdAt is not excluded from the catch-all
    }


def test_first_name_precedence_and_context_traits_fallback() -> None:
    got = body({"type": "identify", "userId": "u", "context": {"traits": {
        "first_name": "b", "firstName": "c", "lastname": "x"}}})["attributes"]
    assert got["first_name"] == "b" and got["last_name"] == "x"
    # traits (even an empty object) is the catch-all source before context.traits
    got = body({"type": "identify", "userId": "u", "traits": {},
                "context": {"traits": {"plan": "p"}}})["attributes"]
    assert got == {}


def test_excluded_traits_do_not_leak_into_custom() -> None:
    got = attrs({"id": "i", "_id": "j", "age": "x", "email": "", "plan": "p"})
    assert got == {"plan": "p"}  # age NaN and email "" are dropped, not copied raw


def test_to_number_values() -> None:
    cases = {"12": 12, "": None, "  ": 0, "1.50": 1.5, "-0": 0, "abc": None, "1_000": None,
             "0b101": 5, "0o17": 15, "-0x10": None, "Infinity": None, ".5": 0.5, "5.": 5}
    for raw, want in cases.items():
        got = attrs({"age": raw})
        if want is None and raw in ("", "abc", "1_000", "-0x10"):
            assert "age" not in got, raw
        elif raw == "Infinity":
            assert got["age"] is None  # JSON.stringify(Infinity) -> null
        else:
            assert got["age"] == want and type(got["age"]) is type(want), raw
    assert attrs({"age": [7]})["age"] == 7
    assert attrs({"age": []})["age"] == 0
    assert "age" not in attrs({"age": [1, 2]})
    assert attrs({"age": True})["age"] == 1
    assert attrs({"age": 3.0})["age"] == 3


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.0, "1"), (-0.0, "0"), (0.1 + 0.2, "0.30000000000000004"), (1e21, "1e+21"),
     (1e-7, "1e-7"), (0.000001, "0.000001"), (123456789012345680000.0, "123456789012345680000"),
     (1.5e300, "1.5e+300"), (-2.5e-10, "-2.5e-10"), (2**60, "1152921504606847000"),
     (10**21, "1e+21"), ([1, [2, None], "a"], "1,2,,a"), (None, "null"), ({}, "[object Object]"),
     ("ünï 🎉", "ünï 🎉")],
)
def test_to_string_like_javascript(value: Any, text: str) -> None:
    assert js.to_string(value) == text
    if value not in (None,) and text:
        assert attrs({"gender": value})["gender"] == text


def test_nested_arrays_flatten() -> None:
    got = attrs({"a": [[1, 2], {"b": [True]}], "e": [], "o": {}, "n": None, "u": "ü"})
    assert got == {"a[0][0]": 1, "a[0][1]": 2, "a[1].b[0]": True, "e": [], "o": {},
                   "n": None, "u": "ü"}


def test_flatten_key_order_follows_javascript() -> None:
    got = attrs({"b": 1, "2": "two", "10": "ten", "1": "one", "01": "zero-one"})
    assert list(got) == ["1", "2", "10", "b", "01"]
    # the same collision resolves as in JavaScript: index keys are visited first
    collided = attrs({"0.1": "flat", "0": {"1": "nested"}})
    assert collided == {"0.1": "flat"}


def test_non_object_traits_catch_all() -> None:
    assert attrs("abc") == {"": "abc"}  # type: ignore[arg-type]
    assert attrs([1, 2]) == {"[0]": 1, "[1]": 2}  # type: ignore[arg-type]
    assert attrs("abc", OBJ) == {}  # type: ignore[arg-type]


# ---------------------------------------------------------------- object data


def test_object_data_keeps_nesting() -> None:
    got = attrs({"name": "N", "address": {"city": "X"}, "list": [{"a": 1}], "data": {"k": 1}}, OBJ)
    assert got == {"name": "N", "address": {"city": "X"}, "list": [{"a": 1}], "data": {"k": 1}}


def test_object_data_with_string_flag_is_on_like_javascript() -> None:
    got = attrs({"address": {"city": "X"}}, {**CONFIG, "useObjectData": "false"})
    assert got == {"address": {"city": "X"}}
    got = attrs({"address": {"city": "X"}}, {**CONFIG, "useObjectData": 0})
    assert got == {"address.city": "X"}


def test_object_data_falsy_catch_all_stays_as_data() -> None:
    # traits = 0: the catch-all slot "data" is falsy, so production leaves it in place
    assert attrs(0, OBJ) == {"data": 0}  # type: ignore[arg-type]
    assert attrs(0) == {"": 0}  # type: ignore[arg-type]


# ---------------------------------------------------------------- device


def _device_event(**device: Any) -> dict[str, Any]:
    return {"type": "identify", "userId": "u", "channel": "web",
            "context": {"device": {"token": "tok", **device}, "app": {"version": "2.0"},
                        "os": {"version": "14"}},
            "properties": {"push_preference": True, "active": False, "id": 1, "extra": {"x": 1}}}


def test_device_request_rows() -> None:
    user, device = transform(_device_event(type="android", id="d1", model="M"), CONFIG)
    assert user["body"]["JSON"]["type"] == "customer"
    assert device["endpointPath"] == "device"
    assert device["body"]["JSON"] == {
        "customer_id": "u", "device_id": "d1", "type": "device",
        "attributes": {"platform": "android", "push_id": "tok", "model": "M",
                       "push_preference": True, "app_version": "2.0", "os_version": "14",
                       "active": False, "extra.x": 1},
    }
    _user, device_obj = transform(_device_event(type="android"), OBJ)
    assert device_obj["body"]["JSON"]["attributes"]["extra"] == {"x": 1}


@pytest.mark.parametrize("platform", ["ios", "iOS", "IPADOS", "tvOS", "watchos"])
def test_apple_family_platforms_become_ios(platform: str) -> None:
    device = transform(_device_event(type=platform), CONFIG)[1]
    assert device["body"]["JSON"]["attributes"]["platform"] == "iOS"
    track = action({"context": {"device": {"type": platform}}})
    assert track["platform"] == "iOS"


def test_non_apple_platform_kept_and_channel_fallback() -> None:
    assert action({"context": {"device": {"type": "macos"}}})["platform"] == "macos"
    assert action({"channel": "mobile"})["platform"] == "mobile"


def test_no_device_request_without_type_and_token() -> None:
    assert len(transform(_device_event(type=""), CONFIG)) == 1
    event = _device_event(type="android")
    event["context"]["device"]["token"] = None
    assert len(transform(event, CONFIG)) == 1


def test_device_request_sees_the_excluded_trait_deleted() -> None:
    event = {"type": "identify", "traits": {"id": "tid", "plan": "p"}, "anonymousId": "anon",
             "context": {"device": {"type": "android", "token": "t"}}}
    snapshot = json.dumps(event)
    user, device = transform(event, CONFIG)
    assert user["body"]["JSON"]["customer_id"] == "tid"
    assert device["body"]["JSON"]["customer_id"] == "anon"
    assert json.dumps(event) == snapshot  # the caller's event is left alone


# ---------------------------------------------------------------- track


def test_track_rows() -> None:
    got = body({"type": "track", "userId": "u", "event": "Buy", "timestamp": "T1",
                "originalTimestamp": "T0", "context": {"app": {"version": "1.2"},
                "timezone": "America/New_York", "device": {"id": "d"}},
                "properties": {"p": {"q": 1}}})
    assert got == {"customer_id": "u", "device_id": "d", "type": "event", "actions": [{
        "action": "Buy", "attributes": {"p.q": 1}, "app_version": "1.2", "current_time": "T1",
        "user_timezone_offset": -14400}]}


def test_track_current_time_fallback_and_object_data() -> None:
    got = action({"originalTimestamp": "T0", "properties": {"p": {"q": [1]}}}, OBJ)
    assert got["current_time"] == "T0" and got["attributes"] == {"p": {"q": [1]}}


@pytest.mark.parametrize(
    ("zone", "offset"),
    [("Asia/Kolkata", 19800), ("asia/kolkata", 19800), ("Asia_Tokyo", 32400),
     ("Asia/Calcutta", 19800), ("UTC", 0), ("America/St_Johns", -9000),
     ("Wrong/Zone", None), ("", None), (None, None)],
)
def test_timezone_offsets(zone: Any, offset: int | None) -> None:
    got = action({"context": {"timezone": zone}})
    assert got.get("user_timezone_offset") == offset


def test_timezone_depends_on_now() -> None:
    message = {"type": "track", "userId": "u", "event": "e",
               "context": {"timezone": "Europe/Berlin"}}
    winter = transform(message, CONFIG, now=NOW.replace(month=1))[0]
    summer = transform(message, CONFIG, now=SUMMER)[0]
    assert winter["body"]["JSON"]["actions"][0]["user_timezone_offset"] == 3600
    assert summer["body"]["JSON"]["actions"][0]["user_timezone_offset"] == 7200


def test_track_odd_properties() -> None:
    assert action({"properties": ""})["attributes"] == {"": ""}
    assert action({"properties": 0})["attributes"] == {"": 0}
    assert action({"properties": []})["attributes"] == {"": []}
    assert action({"properties": {}})["attributes"] == {}
    assert "attributes" not in action({"properties": None})
    assert "attributes" not in action({"properties": ""}, OBJ)


def test_literal_dotted_key_wins_like_get_value() -> None:
    got = action({"context.app.version": "literal", "context": {"app": {"version": "nested"}}})
    assert got["app_version"] == "literal"
    got = action({"context": {"app.version": "joined"}})
    assert got["app_version"] == "joined"


# ---------------------------------------------------------------- alias, errors


def test_alias() -> None:
    assert body({"type": "alias", "userId": "new", "previousId": "old"}) == {
        "merge_data": [{"retained_user": "new", "merged_user": "old"}]}
    missing = error({"type": "alias", "previousId": "old"})[0]
    assert missing == 'Missing required value from "userId"'
    assert error({"type": "alias", "userId": "n", "previousId": ""})[0] == (
        'Missing required value from "previousId"')


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ({"userId": "u"}, ("Event type is required", 400)),
        ({"type": "", "userId": "u"}, ("Event type is required", 400)),
        ({"type": "page", "userId": "u"}, ("Event type page is not supported", 400)),
        ({"type": "GROUP"}, ("Event type group is not supported", 400)),
        ({"type": 5}, ("message.type.toLowerCase is not a function", 500)),
        ("track", ("Event type is required", 400)),
        ([1, 2], ("Event type is required", 400)),
        (None, ("Cannot read properties of null (reading 'type')", 500)),
        ({"type": "track", "event": "e"},
         ('Missing required value from ["userId","traits.userId","traits.id",'
          '"context.traits.userId","context.traits.id","anonymousId"]', 400)),
        ({"type": "track", "userId": "u"}, ('Missing required value from "event"', 400)),
        ({"type": "track", "userId": "u", "event": ""},
         ('Missing required value from "event"', 400)),
        ({"type": "track", "userId": "u", "event": "e", "context": {"timezone": 5}},
         ('(name || "").toLowerCase is not a function', 500)),
    ],
)
def test_errors(message: Any, expected: tuple[str, int]) -> None:
    assert error(message) == expected


def test_config_errors() -> None:
    assert error({"type": "track", "userId": "u", "event": "e"}, None) == (
        "Cannot destructure property 'apiId' of 'destination.Config' as it is null.", 500)
    # the missing customer id is found before the Config is read
    assert error({"type": "track", "event": "e"}, None)[1] == 400
    assert error({"type": "track", "userId": "u", "event": "e"}, "text")[0] == (
        "The region is not valid")


def test_region_checked_before_missing_event_name() -> None:
    assert error({"type": "track", "userId": "u"}, {"region": "XX"})[0] == "The region is not valid"


# ---------------------------------------------------------------- service forms


def test_process_user_id_string_and_errors() -> None:
    items = process([
        {"message": {"type": "identify", "userId": 42}, "destination": {"Config": CONFIG}},
        {"message": {"type": "alias", "userId": "a", "previousId": "b"},
         "destination": {"Config": CONFIG}, "metadata": {"jobId": 3}},
        {"message": {"type": "nope"}, "destination": {"Config": CONFIG}},
        {"message": {"type": "identify", "userId": "u"}},
        "garbage",
    ])
    assert items[0]["output"]["userId"] == "42" and items[0]["statusCode"] == 200
    assert items[1]["metadata"] == {"jobId": 3}
    assert items[2] == {"error": "Event type nope is not supported", "statusCode": 400}
    assert items[3]["statusCode"] == 500
    assert items[4]["error"] == "Cannot read properties of undefined (reading 'type')"
    anon = process([{"message": {"type": "track", "event": "e", "traits": {"id": "t"}},
                     "destination": {"Config": CONFIG}}])
    assert anon[0]["output"]["userId"] == ""


def test_route_identify_with_device_is_one_batched_list() -> None:
    out = route({"input": [
        {"message": _device_event(type="android"), "metadata": {"jobId": 1},
         "destination": {"Config": CONFIG}},
        {"message": {"type": "x"}, "metadata": {"jobId": 2}, "destination": {"Config": CONFIG}},
    ]})["output"]
    assert isinstance(out[0]["batchedRequest"], list) and len(out[0]["batchedRequest"]) == 2
    assert out[1]["statusCode"] == 400 and out[1]["metadata"] == [{"jobId": 2}]


# ---------------------------------------------------------------- JSON parse hooks, table


def test_json_hooks_match_json_parse() -> None:
    assert js.json_float("1.0") == 1 and type(js.json_float("1.0")) is int
    assert js.json_int("12345678901234567890") == 12345678901234567000
    assert math.isinf(js.json_float("1e400"))
    with pytest.raises(ValueError):
        js.json_constant("NaN")


def test_every_mapping_table_row_compiles() -> None:
    mapping = load()
    assert set(mapping.requests) == {"identify", "device", "track", "alias"}
    assert mapping.regions["DC-101"] == "101"
    rows = mapping.requests["identify"].attributes
    assert rows is not None and rows[-1].catch_all and "email" in rows[-1].exclude
    assert load() is mapping  # cached


# ---------------------------------------------------------------- compiled tables


def _reference_flatten(data: Any) -> dict[str, Any]:
    """flattenJson written plainly (the definition the fast version must match)."""
    result: dict[str, Any] = {}

    def recurse(cur: Any, prop: str) -> None:
        if isinstance(cur, dict):
            if not cur:
                if prop:
                    result[prop] = {}
                return
            for key in js.js_keys(cur):
                value = cur[key]
                name = f"{prop}.{key}" if prop else key
                if type(value) in (dict, list):
                    recurse(value, name)
                else:
                    result[name] = value
        elif isinstance(cur, list):
            for i, item in enumerate(cur):
                recurse(item, f"{prop}[{i}]")
            if not cur:
                result[prop] = []
        else:
            result[prop] = cur

    recurse(data, "")
    return js.js_ordered(result)


_KEYS = st.sampled_from([
    "type", "userId", "anonymousId", "traits", "context", "properties", "device", "token",
    "id", "name", "email", "firstName", "age", "app", "version", "timezone", "channel",
    "traits.email", "context.traits", "traits.name", "device.type", "a.b", "", "0", "1",
    "10", "01", "-1", "4294967294", "4294967295", " x", "$k", "_id", "event", "previousId",
]) | st.text(max_size=3)
_SCALARS = (
    st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.floats()
    | st.sampled_from(["", " 12 ", "Asia/Tokyo", "ios", "x", "0x1F"])
)
_VALUES = st.recursive(
    _SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_KEYS, children, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(data=_VALUES)
def test_flatten_matches_the_plain_definition(data: Any) -> None:
    from capcheck.mappers.moengage.compiled import flatten

    got, want = flatten(data), _reference_flatten(data)
    assert list(got) == list(want)
    assert json.dumps(got) == json.dumps(want)


@settings(max_examples=400, deadline=None)
@given(message=st.dictionaries(_KEYS, _VALUES, max_size=8), mutate=st.booleans(),
       subclass=st.booleans())
def test_compiled_tables_match_the_row_interpreter(
    message: dict[str, Any], mutate: bool, subclass: bool
) -> None:
    import copy
    from collections import OrderedDict

    from capcheck.mappers.moengage.compiled import construct

    mapping = load()
    for request in mapping.requests.values():
        for part in ("base", "attributes", "attributes_object", "action", "action_object"):
            rows = getattr(request, part)
            build = getattr(request.builders, part)
            if rows is None:
                continue
            results = []
            for runner in (build, lambda m, now, slot, mut, rows=rows: construct(
                    m, rows, now, slot, mut)):
                event = copy.deepcopy(message)
                if subclass:
                    event = OrderedDict(event)
                try:
                    out: Any = runner(event, NOW, "data", mutate)
                except MappingError as exc:
                    out = ("error", exc.message, exc.status_code)
                results.append((repr(out), json.dumps(event, default=repr)))
            assert results[0] == results[1], (request.name, part)
