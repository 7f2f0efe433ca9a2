"""The README and docs/ci.md as a new user reads them: commands that exist, a quick start
that works under PEP 668, a `repo: local` pre-commit hook that runs as pre-commit would
run it, no placeholder URLs presented as real."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
CI_DOC = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "ux" / "destinations"


def blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, re.S)


def section(text: str, title: str) -> str:
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else len(text)]


def test_quick_start_uses_a_venv_and_the_ci_test_command() -> None:
    commands = blocks(section(README, "Quick start"), "sh")
    assert len(commands) == 2  # install + audit, then the tests
    install, tests = (c.strip() for c in commands)
    for command in (install, tests):
        # a venv is created and activated before pip runs (PEP 668 systems)
        assert command.index("-m venv") < command.index(". .venv/bin/activate") \
            < command.index("pip install")
    assert install.endswith("capcheck audit")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    ran = [line.strip() for line in ci.splitlines() if "pytest" in line
           and not line.lstrip().startswith("#")]
    assert ran == ["python -m pytest"]
    assert tests.endswith("&& python -m pytest")


def test_no_unpublished_install_or_placeholder_repository() -> None:
    for text in (README, CI_DOC, (REPO / ".pre-commit-hooks.yaml").read_text("utf-8")):
        assert "pip install capcheck" not in text
        assert "github.com/capcheck" not in text


def _local_hooks(text: str) -> list[dict[str, Any]]:
    for block in blocks(text, "yaml"):
        doc = yaml.safe_load(block)
        for repo in doc.get("repos", []) if isinstance(doc, dict) else []:
            if repo.get("repo") == "local":
                return list(repo["hooks"])
    raise AssertionError("no repo: local hook")


def test_local_hook_is_the_same_in_readme_and_ci_doc() -> None:
    assert _local_hooks(README) == _local_hooks(CI_DOC)


def _run_hook(hook: dict[str, Any], tree: Path,
              changed: list[str]) -> subprocess.CompletedProcess[str]:
    """What pre-commit does for a `language: system` hook: the entry plus the changed
    files that match `files`, run from the repository root."""
    assert hook["language"] == "system" and hook["pass_filenames"] is True
    matched = [f for f in changed if re.search(hook["files"], f)]
    entry = hook["entry"].split()
    assert entry[0] == "capcheck"
    cmd = [sys.executable, "-m", "capcheck", *entry[1:], *matched]
    return subprocess.run(cmd, cwd=tree, capture_output=True, text=True, check=False)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "destinations")
    return tmp_path


def test_local_hook_checks_changed_destinations(tree: Path) -> None:
    [hook] = _local_hooks(README)
    proc = _run_hook(hook, tree, ["destinations/visual/schema.json", "README.md"])
    assert proc.returncode == 1, proc.stderr
    assert "destinations/visual/db-config.json:10:5: CAP101 error:" in proc.stdout
    proc = _run_hook(hook, tree, ["destinations/clean/db-config.json"])
    assert (proc.returncode, proc.stdout) == (0, ""), proc.stderr


def test_local_hook_with_real_pre_commit(tree: Path) -> None:
    pre_commit, git = shutil.which("pre-commit"), shutil.which("git")
    if pre_commit is None or git is None:
        pytest.skip("pre-commit is not installed")
    config = next(b for b in blocks(README, "yaml") if "repo: local" in b)
    (tree / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=tree, check=True)
    subprocess.run(["git", "add", "."], cwd=tree, check=True)
    bin_dir = str(Path(sys.executable).parent)
    # `capcheck` of this environment first (language: system runs what PATH finds)
    path = os.pathsep.join([bin_dir, str(Path(pre_commit).parent), str(Path(git).parent)])
    env = {"PATH": path, "HOME": str(tree)}
    proc = subprocess.run([pre_commit, "run", "--all-files"], cwd=tree, env=env,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1 and "CAP101 error:" in proc.stdout, proc.stdout


def test_shipped_hooks_file_is_valid() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    ids = [h["id"] for h in hooks]
    assert ids == ["capcheck-check", "capcheck-lock"]
    for hook in hooks:
        assert hook["entry"].split()[0] == "capcheck"
        assert re.search(hook["files"], "src/configurations/destinations/fb/db-config.json")


def test_common_options_table_names_real_options() -> None:
    table = section(README, "Common options")
    from capcheck.cli import command_parser

    spelled = set(re.findall(r"`(--?[a-z][a-z-]*)", table))
    known: set[str] = {"--debug", "--version", "-V"}
    for name in ("audit", "check", "matrix", "lock", "docs", "rule"):
        for action in command_parser(name)._actions:
            known.update(action.option_strings)
    assert spelled and spelled <= known, spelled - known
