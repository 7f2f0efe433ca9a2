"""Workflows are composed without resolving tags (``yamldoc.compose(text, tags=False)``):
the nodes, values, styles and positions must be those of a normal compose."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from capcheck.load.yamldoc import compose

SAMPLES = [
    "a: 1\nb: true\nc: null\nd: 2024-01-01\ne: 1.5\nf: [x, 'y', \"z\", ~]\n",
    "steps:\n  - name: x\n    condition: $.message.type === 'record'\n    template: |\n"
    "      $.a = 1\n      'record'\n  - else: >\n      folded\n      text\n",
    "base: &a {k: v, n: 3}\nuse: *a\nmerge:\n  <<: *a\n  extra: !!str 4\n",
    "? complex key\n: value\n--- \n",  # two documents: compose refuses, both ways
    "tagged: !custom 12\nlist: !!seq [1, 2]\n",
    "",
]


def _shape(node: Any) -> Any:
    if node is None:
        return None
    marks = (node.start_mark.line, node.start_mark.column, node.end_mark.line,
             node.end_mark.column)
    if isinstance(node, yaml.ScalarNode):
        tag = node.tag if not node.tag.startswith("tag:yaml.org,2002:") or node.style else None
        return ("scalar", node.value, node.style, marks, tag)
    if isinstance(node, yaml.SequenceNode):
        return ("seq", [_shape(n) for n in node.value], node.flow_style, marks)
    return ("map", [(_shape(k), _shape(v)) for k, v in node.value], node.flow_style, marks)


def _both(text: str) -> tuple[Any, Any]:
    def one(tags: bool) -> Any:
        try:
            return _shape(compose(text, tags=tags))
        except yaml.YAMLError as exc:
            return ("error", str(exc))
    return one(True), one(False)


@pytest.mark.parametrize("text", SAMPLES)
def test_untagged_compose_gives_the_same_nodes(text: str) -> None:
    tagged, untagged = _both(text)
    assert tagged == untagged


def test_untagged_nodes_get_the_plain_tag_of_their_kind() -> None:
    node = compose("a: 1\nb: [true]\n", tags=False)
    assert node.tag == "tag:yaml.org,2002:map"
    assert [v.tag for _k, v in node.value] == ["tag:yaml.org,2002:str", "tag:yaml.org,2002:seq"]
    assert compose("a: 1\n").value[0][1].tag == "tag:yaml.org,2002:int"  # normal compose


def test_the_real_workflows_compose_the_same() -> None:
    tree = os.environ.get("CAPCHECK_TRANSFORMER")
    if not tree:
        pytest.skip("CAPCHECK_TRANSFORMER is not set (a rudder-transformer checkout)")
    files = sorted(Path(tree, "src", "cdk", "v2", "destinations").rglob("*.yaml"))
    assert len(files) > 50
    for path in files:
        tagged, untagged = _both(path.read_text(encoding="utf-8"))
        assert tagged == untagged, path
