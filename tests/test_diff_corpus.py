"""`capcheck diff` on a real-size tree: the integrations-config corpus committed into a
temporary repository, then a few destinations changed (skipped without CAPCHECK_CORPUS)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from capcheck.cli import main
from capcheck.report.audit import run_audit

DESTS = "src/configurations/destinations"


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


def toggle_warehouse(db_config: Path) -> bool:
    """Add `warehouse` to supportedSourceTypes, or take it out; True if it is there now."""
    doc = json.loads(db_config.read_text(encoding="utf-8"))
    types = doc["config"]["supportedSourceTypes"]
    if "warehouse" in types:
        types.remove("warehouse")
    else:
        types.append("warehouse")
    db_config.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return "warehouse" in types


def _source_types(folder: Path) -> list[str]:
    types = json.loads((folder / "db-config.json").read_text())["config"].get(
        "supportedSourceTypes")
    return types if isinstance(types, list) else []


@pytest.fixture
def corpus_repo(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "integrations-config"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "README.md").write_text("x\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "empty")
    git(root, "tag", "empty")
    shutil.copytree(corpus, root / DESTS)
    for path in (root / DESTS).rglob("*"):  # the corpus is read-only
        path.chmod(0o755 if path.is_dir() else 0o644)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "corpus")
    git(root, "tag", "base")
    monkeypatch.chdir(root)
    return root


def _statuses(reports: list) -> dict[str, dict[str, str]]:  # type: ignore[type-arg]
    return {r.destination: {v.capability: v.status.value for v in r.verdicts} for r in reports}


def test_three_destinations_changed(
    corpus_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clean = run_audit([corpus_repo / DESTS])
    # Toggling must leave a valid list: upstream's schema wants at least one source type.
    usable = sorted(r.destination for r in clean.reports
                    if len(_source_types(corpus_repo / DESTS / r.destination)) > 1)
    assert len(usable) > 100
    chosen = [usable[0], usable[len(usable) // 2], usable[-1]]
    now = {name: toggle_warehouse(corpus_repo / DESTS / name / "db-config.json")
           for name in chosen}
    git(corpus_repo, "commit", "-q", "-am", "three")
    code = main(["diff", "base", "HEAD", ".", "--output-format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"]["examined"] == 3
    assert sorted(d["destination"] for d in doc["changed"]) == sorted(chosen)
    for dest in doc["changed"]:
        retl = next(c for c in dest["changes"] if c["capability"] == "retl")
        wanted = "supported" if now[dest["destination"]] else "not supported"
        assert retl["after"] == wanted
    assert code == (1 if not all(now.values()) else 0)
    # the verdicts at HEAD are those of the same pipeline on the files on disk
    on_disk = _statuses(run_audit([corpus_repo / DESTS / n for n in chosen]).reports)
    for dest in doc["changed"]:
        for change in dest["changes"]:
            assert on_disk[dest["destination"]][change["capability"]] == change["after"]


def test_whole_corpus_added_matches_the_audit_of_the_files(
    corpus_repo: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """From a revision without the tree: every destination is added, with exactly the
    verdicts (and load errors) that `capcheck audit` finds on disk."""
    main(["diff", "empty", "base", ".", "--output-format", "json"])
    doc = json.loads(capsys.readouterr().out)
    audit = run_audit([corpus_repo / DESTS])
    assert doc["summary"]["examined"] == len(list(corpus.iterdir()))
    added = {a["destination"]: a["verdicts"] for a in doc["added"]}
    assert added == _statuses(audit.reports)
    assert not doc["changed"] and not doc["removed"]
    assert sorted(e["file"] for e in doc["errors"]) == sorted(
        str(Path(e.location.file).relative_to(corpus_repo)) for e in audit.errors)


def test_transformer_at_a_revision_scans_like_the_checkout(
    corpus: Path, tmp_path: Path
) -> None:
    """The real rudder-transformer committed into a repository: for every destination
    of the corpus, the git reader finds the same folders, files and hits as the scan of
    the checkout on disk (skipped without CAPCHECK_TRANSFORMER)."""
    value = os.environ.get("CAPCHECK_TRANSFORMER")
    if not value or not (Path(value) / "src").is_dir():
        pytest.skip("CAPCHECK_TRANSFORMER is not set")
    from capcheck.load.gitrev import git_transformer
    from capcheck.load.transformer import candidate_names, scan_destination

    root = tmp_path / "rudder-transformer"
    shutil.copytree(Path(value) / "src", root / "src")
    for path in root.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "code")
    from capcheck.report.audit import load

    names = [candidate_names(f.dir_name, f.name) for f in load([corpus]).facts]
    tree = git_transformer(f"HEAD:{root}")
    tree.prefetch(names)  # all destinations at once
    found = 0
    for key in names:
        on_disk = scan_destination(root / "src", key)
        in_git = tree.scan(key)
        assert in_git.folders == on_disk.folders, key
        assert in_git.files_scanned == on_disk.files_scanned, key
        disk_hits = [(h.event_type, str(Path(h.location.file).relative_to(root)),
                      h.location.line, h.location.column, h.snippet) for h in on_disk.hits]
        assert [(h.event_type, h.location.file, h.location.line, h.location.column,
                 h.snippet) for h in in_git.hits] == disk_hits, key
        found += bool(in_git.folders)
    assert found > 100
