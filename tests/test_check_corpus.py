"""The check rules on the real corpus (CAPCHECK_CORPUS; skipped when unset).

The corpus is read in place; mutation tests copy one definition into tmp_path at test
time and edit its text, so that expected lines come from the edited text itself.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from capcheck.checks import CheckContext, all_rules
from capcheck.checks.schema import load_schema, validator
from capcheck.facts import build_facts
from capcheck.load.definitions import discover, read_definition
from capcheck.model import Finding, LoadError

CORPUS_SIZE = 239

# The corpus's real findings, each checked by hand against the three files:
# (folder, code, line in db-config.json, the key or source type the finding names).
KNOWN_FINDINGS: list[tuple[str, str, int, str]] = [
    # CAP106: connection modes left for source types that are not supported (stale entries)
    ("appcenter", "CAP106", 46, "web"),
    ("appcenter", "CAP106", 47, "unity"),
    ("appcenter", "CAP106", 48, "amp"),
    ("appcenter", "CAP106", 49, "shopify"),
    ("fb", "CAP106", 49, "web"),
    ("klaviyo_bulk_upload", "CAP106", 21, "cloud"),
    ("yandex_metrica_offline_events", "CAP106", 20, "cloud"),
    # CAP107: supported source types that have no connection mode
    ("shynet", "CAP107", 27, "warehouse"),
    ("snapchat_custom_audience", "CAP107", 22, "cloud"),
    ("snapchat_custom_audience", "CAP107", 22, "shopify"),
    # CAP108: useNativeSDK for sources that offer only cloud mode
    ("accoil_analytics", "CAP108", 49, "useNativeSDK"),
    ("accoil_analytics", "CAP108", 56, "useNativeSDK"),
    ("accoil_analytics", "CAP108", 64, "useNativeSDK"),
    # CAP108: settings renamed in schema.json/ui-config.json but not in db-config.json
    ("amazon_audience", "CAP108", 21, "audienceId"),  # now externalAudienceId
    ("googleads", "CAP108", 22, "dynamicRemarketing"),  # now trackDynamicRemarketing
    ("googleads", "CAP108", 55, "dynamicRemarketing"),
    ("googleads", "CAP108", 71, "dynamicRemarketing"),
    ("mp", "CAP108", 24, "persistence"),  # now persistenceType
    ("mp", "CAP108", 97, "persistence"),
    ("digital_ocean_spaces", "CAP108", 95, "secretAccessKey"),  # the secret field is accessKey
    ("clicksend", "CAP108", 124, "defaultSenderPhoneNumber"),  # the UI has defaultSenderId
    # CAP108: settings that no longer exist anywhere in schema.json or ui-config.json
    ("adobe_analytics", "CAP108", 25, "listDelimiter"),
    ("adobe_analytics", "CAP108", 27, "propsDelimiter"),
    ("adobe_analytics", "CAP108", 105, "listDelimiter"),
    ("adobe_analytics", "CAP108", 107, "propsDelimiter"),
    ("clickhouse", "CAP108", 49, "prefix"),
    ("clickhouse", "CAP108", 52, "enableSSE"),
    ("facebook_pixel", "CAP108", 9, "categoryToContent"),
    ("ga4_v2", "CAP108", 159, "apiSecret"),
    ("google_adwords_remarketing_lists", "CAP108", 33, "listId"),
    ("mp", "CAP108", 105, "serviceAccountUserName"),
    ("mp", "CAP108", 106, "serviceAccountSecret"),
    ("mp", "CAP108", 107, "projectId"),
    ("optimizely_fullstack", "CAP108", 75, "dataFileAccessToken"),
    ("s3_datalake", "CAP108", 55, "excludeWindow"),
    ("s3_datalake", "CAP108", 56, "timeWindowLayout"),
    ("s3_datalake", "CAP108", 131, "password"),
    ("tiktok_audience", "CAP108", 28, "adAccountId"),
    ("tvsquared", "CAP108", 10, "eventWhiteList"),
    ("tvsquared", "CAP108", 33, "eventWhiteList"),
    ("tvsquared", "CAP108", 47, "credentials"),
    ("x_audience", "CAP108", 23, "audienceId"),
]


def check_folder(folder: Path) -> list[Finding]:
    raw = read_definition(folder)
    facts = build_facts(raw)
    ctx = CheckContext(raw, None if isinstance(facts, LoadError) else facts)
    return sorted((f for rule in all_rules() for f in rule.check(ctx)), key=Finding.sort_key)


def subject(finding: Finding) -> str:
    """The first `quoted` name in a message: the key or source type it is about."""
    match = re.search(r"`([^`]+)`", finding.message)
    assert match, finding.message
    return match.group(1)


@pytest.fixture(scope="module")
def corpus_path() -> Path:
    """Module-scoped twin of conftest's ``corpus`` so the corpus is checked only once."""
    value = os.environ.get("CAPCHECK_CORPUS")
    if not value or not Path(value).is_dir():
        pytest.skip("CAPCHECK_CORPUS is not set (the real corpus lives outside the project)")
    return Path(value)


@pytest.fixture(scope="module")
def corpus_findings(corpus_path: Path) -> list[Finding]:
    found = discover(corpus_path)
    assert found.errors == [] and len(found.folders) == CORPUS_SIZE
    return [f for folder in found.folders for f in check_folder(folder)]


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(load_schema())


def test_schema_passes_for_every_corpus_definition(corpus: Path) -> None:
    folders = discover(corpus).folders
    assert len(folders) == CORPUS_SIZE
    failures = []
    for folder in folders:
        data = json.loads((folder / "db-config.json").read_text(encoding="utf-8"))
        failures += [(folder.name, e.json_path, e.message) for e in validator().iter_errors(data)]
    assert failures == []


def test_corpus_findings_are_the_known_state(corpus_findings: list[Finding]) -> None:
    got = sorted((f.destination, f.code, f.location.line or 0, subject(f))
                 for f in corpus_findings)
    assert got == sorted(KNOWN_FINDINGS)
    # every finding points at a real line of db-config.json
    for f in corpus_findings:
        assert f.location.file.endswith("db-config.json") and f.location.line


def test_corpus_has_no_load_schema_or_key_findings(corpus_findings: list[Finding]) -> None:
    codes = {f.code for f in corpus_findings}
    assert not codes & {"CAP001", "CAP002", "CAP003", "CAP101", "CAP102", "CAP103", "CAP109",
                        "CAP110"}


# -- mutations of real definitions ------------------------------------------------


def copy_def(corpus: Path, name: str, tmp_path: Path) -> Path:
    source = corpus / name
    if not (source / "db-config.json").is_file():
        pytest.skip(f"{name} is not in this corpus")
    target = tmp_path / name
    shutil.copytree(source, target)
    return target


def edit(folder: Path, *, old: str, new: str, file: str = "db-config.json") -> str:
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return text


def line_of(text: str, needle: str, nth: int = 1) -> int:
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) >= nth, needle
    return hits[nth - 1]


def test_mutation_drop_warehouse_from_a_vdm_destination(corpus: Path, tmp_path: Path) -> None:
    folder = copy_def(corpus, "braze", tmp_path)
    text = (folder / "db-config.json").read_text(encoding="utf-8")
    span = re.search(r'"supportedSourceTypes":\s*\[(.*?)\]', text, re.DOTALL)
    assert span and '"warehouse"' in span.group(1)
    items = [i for i in re.findall(r'"[^"]*"', span.group(1)) if i != '"warehouse"']
    text = text[: span.start(1)] + ", ".join(items) + text[span.end(1):]
    (folder / "db-config.json").write_text(text, encoding="utf-8")

    findings = check_folder(folder)
    got = {(f.code, f.location.line) for f in findings}
    assert ("CAP101", line_of(text, '"supportsVisualMapper"')) in got
    modes = line_of(text, '"supportedConnectionModes"')
    dest = line_of(text, '"destConfig"')
    lines = text.splitlines()
    warehouse_lines = [i for i, line in enumerate(lines, 1) if '"warehouse":' in line]
    assert ("CAP103", next(i for i in warehouse_lines if i > modes)) in got
    assert ("CAP103", next(i for i in warehouse_lines if i > dest)) in got
    assert {f.code for f in findings} == {"CAP101", "CAP103"}
    [vdm] = [f for f in findings if f.code == "CAP101"]
    assert "lacks `warehouse`" in vdm.message


def test_mutation_misspelt_key(corpus: Path, tmp_path: Path) -> None:
    folder = copy_def(corpus, "braze", tmp_path)
    text = edit(folder, old='"supportsVisualMapper"', new='"supportsVisualMaper"')
    [finding] = [f for f in check_folder(folder) if f.code == "CAP109"]
    assert finding.location.line == line_of(text, '"supportsVisualMaper"')
    assert finding.message == ("unknown key `supportsVisualMaper` in config; "
                               "did you mean `supportsVisualMapper`?")


def test_mutation_duplicate_key(corpus: Path, tmp_path: Path) -> None:
    folder = copy_def(corpus, "braze", tmp_path)
    text = edit(folder, old='"supportsVisualMapper": true,',
                new='"supportsVisualMapper": true,\n    "supportsVisualMapper": false,')
    first = line_of(text, '"supportsVisualMapper"')
    [finding] = [f for f in check_folder(folder) if f.code == "CAP002"]
    assert finding.location.line == first + 1
    assert finding.message.startswith(
        f"duplicate key `supportsVisualMapper` in /config (first on line {first})")


def test_mutation_string_where_a_list_belongs(corpus: Path, tmp_path: Path) -> None:
    folder = copy_def(corpus, "moengage", tmp_path)
    path = folder / "db-config.json"
    text = re.sub(r'"supportedSourceTypes":\s*\[.*?\]', '"supportedSourceTypes": "warehouse"',
                  path.read_text(encoding="utf-8"), count=1, flags=re.DOTALL)
    path.write_text(text, encoding="utf-8")
    findings = check_folder(folder)
    assert [(f.code, f.location.line, f.message) for f in findings] == [
        ("CAP003", line_of(text, '"supportedSourceTypes"'),
         "/config/supportedSourceTypes: expected a list, found a string"),
    ]


def test_mutation_truncated_json(corpus: Path, tmp_path: Path) -> None:
    folder = copy_def(corpus, "braze", tmp_path)
    path = folder / "db-config.json"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    keep = len(lines) // 2
    path.write_text("".join(lines[:keep]), encoding="utf-8")
    findings = check_folder(folder)
    assert [f.code for f in findings] == ["CAP001"]
    [finding] = findings
    assert finding.location.file.endswith("db-config.json")
    assert finding.location.line == keep + 1  # the parser stops at the end of the file
    assert finding.message.startswith("invalid JSON: ")


def test_mutation_duplicate_key_in_ui_config(corpus: Path, tmp_path: Path) -> None:
    folder = copy_def(corpus, "braze", tmp_path)
    text = (folder / "ui-config.json").read_text(encoding="utf-8")
    match = re.search(r'\n(\s*)"label": ', text)
    assert match
    indent = match.group(1)
    text = edit(folder, old=match.group(0), new=f'\n{indent}"label": "Twice",{match.group(0)}',
                file="ui-config.json")
    first = line_of(text, '"label": "Twice"')
    [finding] = [f for f in check_folder(folder) if f.code == "CAP002"]
    assert finding.location.file.endswith("ui-config.json")
    assert finding.location.line == first + 1
    assert f"(first on line {first})" in finding.message
