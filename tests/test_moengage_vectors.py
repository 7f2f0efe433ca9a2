"""Every upstream MoEngage test case, run through the processor and router forms.

The vectors live outside the project; CI points CAPCHECK_MOENGAGE_VECTORS at them.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from capcheck.mappers.moengage import MappingError, process, route, transform

VECTORS = os.environ.get("CAPCHECK_MOENGAGE_VECTORS")


def _cases(name: str) -> list[dict[str, Any]]:
    if not VECTORS:
        return []
    path = Path(VECTORS) / name
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []


def _now(case: dict[str, Any]) -> datetime | None:
    pinned = case.get("mockedDateNow")
    if not pinned:
        return None
    return datetime.fromisoformat(pinned["iso"].replace("Z", "+00:00"))


def _drop_stat_tags(value: Any) -> Any:
    if isinstance(value, list):
        return [_drop_stat_tags(v) for v in value]
    if isinstance(value, dict):
        return {k: _drop_stat_tags(v) for k, v in value.items() if k != "statTags"}
    return value


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    return [f"{c['index']}-{c['description'][:40]}" for c in cases]


@pytest.fixture(autouse=True)
def _need_vectors() -> None:
    if not VECTORS:
        pytest.skip("CAPCHECK_MOENGAGE_VECTORS is not set")


PROCESSOR = _cases("processor.json")
ROUTER = _cases("router.json")


def test_vector_files_found() -> None:
    assert len(PROCESSOR) == 19
    assert len(ROUTER) == 1


@pytest.mark.parametrize("case", PROCESSOR, ids=_ids(PROCESSOR))
def test_processor_case(case: dict[str, Any]) -> None:
    body = case["input"]["request"]["body"]
    expected = _drop_stat_tags(case["output"]["response"]["body"])
    got = process(body, now=_now(case))
    assert json.loads(json.dumps(got)) == expected


@pytest.mark.parametrize("case", PROCESSOR, ids=_ids(PROCESSOR))
def test_transform_agrees_with_processor(case: dict[str, Any]) -> None:
    item = case["input"]["request"]["body"][0]
    expected = case["output"]["response"]["body"]
    try:
        requests = transform(item["message"], item["destination"]["Config"], now=_now(case))
    except MappingError as exc:
        assert [e["error"] for e in expected] == [exc.message]
        assert exc.status_code == expected[0]["statusCode"]
        return
    assert len(requests) == len(expected)
    for request, want in zip(requests, expected, strict=True):
        assert request["body"] == want["output"]["body"]
        assert request["endpoint"] == want["output"]["endpoint"]
        assert request["headers"] == want["output"]["headers"]


def test_processor_does_not_touch_its_input() -> None:
    body = [case["input"]["request"]["body"][0] for case in PROCESSOR]
    before = json.dumps(body, sort_keys=True)
    process(body)
    assert json.dumps(body, sort_keys=True) == before


@pytest.mark.parametrize("case", ROUTER, ids=_ids(ROUTER))
def test_router_case(case: dict[str, Any]) -> None:
    got = route(case["input"]["request"]["body"], now=_now(case))
    assert json.loads(json.dumps(got)) == _drop_stat_tags(case["output"]["response"]["body"])
