"""CAP003's fast pre-check: it may call a document valid only when jsonschema finds no
error, so that the findings stay those of jsonschema."""

from __future__ import annotations

import copy
import json
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from capcheck.checks.schema import precheck, surely_valid, validator

VALID: dict[str, Any] = {
    "name": "EXAMPLE",
    "displayName": "Example",
    "config": {
        "transformAtV1": "router",
        "supportedSourceTypes": ["warehouse", "web"],
        "supportedConnectionModes": {"warehouse": ["cloud"], "web": ["cloud", "device"]},
        "supportedMessageTypes": {"cloud": ["track", "identify"]},
        "destConfig": {"defaultConfig": ["apiKey"], "web": ["useNativeSDK"]},
        "secretKeys": ["apiKey"],
        "syncBehaviours": ["mirror"],
    },
}

REPLACEMENTS: list[Any] = [
    "", "x", "warehouse", "cloud", "device", "android", "record", "router", 0, 1, 1.0, 2.5,
    True, False, None, [], {}, ["a"], ["a", "a"], [1, 1.0], [True, 1], {"a": 1},
    ["warehouse"], ["cloud", "cloud"], {"warehouse": ["cloud"]}, ["track", "track"],
]


def _paths(node: Any, here: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield here
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*here, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*here, index))


def _mutants(doc: Any, count: int, seed: int) -> Iterator[Any]:
    rnd = random.Random(seed)
    for _ in range(count):
        out = copy.deepcopy(doc)
        for _ in range(rnd.randint(1, 3)):
            where = [p for p in _paths(out) if p]
            if not where:
                break
            path = rnd.choice(where)
            parent = out
            for key in path[:-1]:
                parent = parent[key]
            roll = rnd.random()
            if roll < 0.6:
                parent[path[-1]] = copy.deepcopy(rnd.choice(REPLACEMENTS))
            elif roll < 0.8 and isinstance(parent, dict):
                del parent[path[-1]]
            elif isinstance(parent, dict):
                parent[rnd.choice(["extra", "auth", "supportedSourceTypes"])] = copy.deepcopy(
                    rnd.choice(REPLACEMENTS))
            else:
                parent.append(copy.deepcopy(parent[path[-1]]))
        yield out


def _has_errors(doc: Any) -> bool:
    return next(iter(validator().iter_errors(doc)), None) is not None


def test_the_bundled_schema_compiles() -> None:
    assert precheck() is not None


def test_a_valid_document_is_surely_valid() -> None:
    assert not _has_errors(VALID)
    assert surely_valid(VALID)


@pytest.mark.parametrize("doc", [
    {"name": "X", "displayName": "X", "config": {"supportedSourceTypes": "warehouse",
                                                 "destConfig": {}}},
    {"name": "X", "displayName": "X", "config": {"supportedSourceTypes": ["andriod"],
                                                 "destConfig": {}}},
    {"name": "X", "displayName": "X", "config": {"supportedSourceTypes": [],
                                                 "destConfig": {}}},
    {"name": "X", "config": {"supportedSourceTypes": ["web"], "destConfig": {}}},
    [],
])
def test_an_invalid_document_goes_to_jsonschema(doc: Any) -> None:
    assert _has_errors(doc)
    assert not surely_valid(doc)


def test_mutants_called_valid_have_no_jsonschema_error() -> None:
    called_valid = called_invalid = 0
    for doc in _mutants(VALID, 1500, seed=11):
        if surely_valid(doc):
            called_valid += 1
            assert not _has_errors(doc), json.dumps(doc)
        else:
            called_invalid += 1
    assert called_valid and called_invalid  # both answers were exercised


@pytest.mark.skipif(not os.environ.get("CAPCHECK_CORPUS"), reason="CAPCHECK_CORPUS not set")
def test_corpus_and_its_mutants_agree_with_jsonschema() -> None:
    corpus = Path(os.environ["CAPCHECK_CORPUS"])
    docs = [json.loads(p.read_text(encoding="utf-8-sig"))
            for p in sorted(corpus.glob("*/db-config.json"))]
    assert docs
    for doc in docs:
        assert surely_valid(doc) == (not _has_errors(doc)), doc.get("name")
    for index, doc in enumerate(docs[:40]):
        for mutant in _mutants(doc, 20, seed=index):
            if surely_valid(mutant):
                assert not _has_errors(mutant), json.dumps(mutant)
