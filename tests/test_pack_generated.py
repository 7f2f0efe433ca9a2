"""The bundled pack read from its generated module (no YAML parser at start-up) is the
pack that parsing pack.yaml gives, and a stale module is never used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from capcheck import resources
from capcheck.capabilities import pack


def _parsed() -> pack.Pack:
    return pack.parse_pack(pack._read(resources.rule_pack_path()), validate=False)


def test_generated_module_is_up_to_date() -> None:
    text = resources.rule_pack_path().read_text(encoding="utf-8")
    module = resources.rule_pack_path().with_name("_generated_pack.py")
    assert module.read_text(encoding="utf-8") == pack.generated_source(text), (
        "run: python -m capcheck.capabilities.pack")


def test_generated_pack_equals_the_parsed_one() -> None:
    bundled = pack._bundled()
    parsed = pack._read(resources.rule_pack_path())
    assert bundled.data == parsed.data
    assert bundled.positions == parsed.positions
    assert bundled.path == parsed.path
    assert pack.load_pack().capabilities == _parsed().capabilities


def test_a_stale_or_missing_module_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edited = tmp_path / "pack.yaml"
    text = resources.rule_pack_path().read_text(encoding="utf-8")
    assert "title: VDM v2" in text
    edited.write_text(text.replace("title: VDM v2", "title: VDM two"), encoding="utf-8")
    monkeypatch.setattr(resources, "rule_pack_path", lambda: edited)
    titles = {c.title for c in pack.load_pack().capabilities}
    assert "VDM two" in titles and "VDM v2" not in titles
    monkeypatch.setattr(pack, "GENERATED", "capcheck.capabilities._no_such_module")
    assert "VDM two" in {c.title for c in pack.load_pack().capabilities}


def test_a_plain_audit_imports_no_yaml_parser() -> None:
    code = ("import sys; from capcheck.cli import main\n"
            "try:\n    main(['audit', '--format', 'json'])\nexcept SystemExit:\n    pass\n"
            "print('yaml' in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stderr.strip().splitlines()[-1] == "False", done.stderr
