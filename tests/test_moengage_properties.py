"""Property tests: arbitrary JSON never escapes the mapper as anything but MappingError,
and the CLI writes exactly one line per input line."""

from __future__ import annotations

import io
import json
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capcheck import cli
from capcheck.mappers.moengage import MappingError, process, transform

KEYS = st.sampled_from([
    "type", "userId", "anonymousId", "previousId", "event", "traits", "context", "properties",
    "device", "token", "timezone", "id", "name", "age", "email", "channel", "timestamp",
    "app", "version", "os", "data", "", "0", "1", "a.b", "context.traits", "platform",
])
SCALARS = (
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["identify", "track", "alias", "IDENTIFY", "ios", "Asia/Tokyo", "",
                       " 12 ", "0x1F", "US", "tvOS"])
    | st.text(max_size=8)
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(KEYS | st.text(max_size=4), children, max_size=6),
    max_leaves=25,
)
EVENTS = st.fixed_dictionaries(
    {"type": st.sampled_from(["identify", "track", "alias", "Identify", "page"])},
    optional={
        "userId": SCALARS, "anonymousId": SCALARS, "previousId": SCALARS, "event": SCALARS,
        "traits": JSON, "properties": JSON, "timestamp": SCALARS,
        "context": st.fixed_dictionaries({}, optional={
            "traits": JSON, "timezone": SCALARS,
            "device": st.fixed_dictionaries({}, optional={"type": SCALARS, "token": SCALARS,
                                                          "id": SCALARS}),
            "app": JSON,
        }),
    },
)
CONFIGS = st.fixed_dictionaries(
    {"region": st.sampled_from(["US", "EU", "IND", "DC-101", "XX"])},
    optional={"apiId": SCALARS, "apiKey": SCALARS, "useObjectData": SCALARS},
) | JSON


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message=EVENTS | JSON, config=CONFIGS)
def test_mapper_only_raises_mapping_error(message: Any, config: Any) -> None:
    snapshot = json.dumps(message, sort_keys=True)
    try:
        requests = transform(message, config)
    except MappingError as exc:
        assert exc.message and exc.status_code in (400, 500)
    else:
        assert 1 <= len(requests) <= 2
        for request in requests:
            json.dumps(request, allow_nan=True)
            assert request["method"] == "POST"
    assert json.dumps(message, sort_keys=True) == snapshot  # input never mutated


@settings(max_examples=100, deadline=None)
@given(body=st.lists(JSON | st.fixed_dictionaries({"message": EVENTS | JSON,
                                                   "destination": JSON}), max_size=4))
def test_process_never_raises(body: list[Any]) -> None:
    items = process(body)
    assert all(("output" in i) != ("error" in i) for i in items)


LINES = st.lists(
    st.one_of(
        EVENTS.map(json.dumps),
        JSON.map(json.dumps),
        st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\n\r"),
                max_size=20),
        st.just(""), st.just("   "), st.just("{"),
    ),
    max_size=12,
)


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=LINES)
def test_cli_one_output_line_per_input_line(lines: list[str], monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str],
                                            tmp_path_factory: pytest.TempPathFactory) -> None:
    config = tmp_path_factory.getbasetemp() / "prop-config.json"
    config.write_text('{"apiId": "a", "apiKey": "b", "region": "US"}')
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code = cli.main(["map", "moengage", "--config", str(config), "--now", "2024-03-01T12:00:00Z"])
    out, err = capsys.readouterr()
    records = [json.loads(line) for line in out.split("\n") if line]
    assert [r["line"] for r in records] == list(range(1, len(lines) + 1))
    assert code in (0, 1)
    assert err.startswith("capcheck: ")
