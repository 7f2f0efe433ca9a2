"""The composite GitHub Action (action.yml): its steps run as a runner would run them.

Each step's ``run`` script is executed with bash the way GitHub runs ``shell: bash``
(``bash --noprofile --norc -eo pipefail``), with ``${{ inputs.* }}`` and
``${{ github.action_path }}`` substituted and the step's ``env`` set, in a temporary
workspace holding a fixture tree. The install step really installs capcheck from this
checkout into a fresh virtual environment (it skips when that is impossible here).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "ux" / "destinations"
ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def substitute(text: str, inputs: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        expr = match.group(1)
        if expr == "github.action_path":
            return str(REPO)
        if expr.startswith("inputs."):
            name = expr[len("inputs."):]
            if name in inputs:
                return inputs[name]
            return str(ACTION["inputs"][name].get("default", ""))
        raise AssertionError(f"unexpected expression in action.yml: {expr}")

    return EXPRESSION.sub(value, text)


def run_step(step: dict[str, Any], inputs: dict[str, str], workspace: Path,
             runner_temp: Path) -> subprocess.CompletedProcess[str]:
    assert step["shell"] == "bash"
    env = {**os.environ, "RUNNER_TEMP": str(runner_temp), "GITHUB_WORKSPACE": str(workspace),
           "GITHUB_ACTION_PATH": str(REPO), "NO_COLOR": ""}
    env.pop("CAPCHECK_DEBUG", None)
    for key, raw in (step.get("env") or {}).items():
        env[key] = substitute(str(raw), inputs)
    script = substitute(step["run"], inputs)
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=workspace, env=env, capture_output=True, text=True, check=False, timeout=600,
    )


def test_action_shape() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert {"paths", "transformer", "output-format"} <= set(ACTION["inputs"])
    assert ACTION["inputs"]["output-format"]["default"] == "github"
    steps = ACTION["runs"]["steps"]
    install, check = steps
    assert "${{ github.action_path }}" in str(install["env"])
    assert "capcheck" in check["run"] and "check" in check["run"]
    # inputs reach the scripts through env only (no script injection)
    for step in steps:
        assert "inputs." not in step["run"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("bash") is None:
        pytest.skip("bash is not available")
    runner_temp = tmp_path_factory.mktemp("runner")
    workspace = tmp_path_factory.mktemp("ws")
    proc = run_step(ACTION["runs"]["steps"][0], {}, workspace, runner_temp)
    if proc.returncode != 0:
        pytest.skip(f"cannot install capcheck here: {proc.stderr.strip().splitlines()[-1:]}")
    assert (runner_temp / "capcheck-venv" / "bin" / "capcheck").exists()
    return runner_temp


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "defs")
    return tmp_path


def test_check_step_annotates_and_fails(installed: Path, workspace: Path) -> None:
    proc = run_step(ACTION["runs"]["steps"][1], {"paths": "defs"}, workspace, installed)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert any(line.startswith("::error file=defs/visual/db-config.json,line=10,col=5,"
                               "title=CAP101::") for line in lines), lines
    assert any(line.startswith("::warning ") and "CAP108" in line for line in lines)
    assert not any("clean/" in line for line in lines)


def test_check_step_inputs_reach_capcheck(installed: Path, workspace: Path) -> None:
    inputs = {"paths": "defs/clean\ndefs/visual", "output-format": "sarif",
              "output": "capcheck.sarif", "fail-on": "warning",
              "args": "--select CAP108"}
    proc = run_step(ACTION["runs"]["steps"][1], inputs, workspace, installed)
    # only CAP108 selected, a warning, and warnings fail
    assert proc.returncode == 1, proc.stderr
    import json

    sarif = json.loads((workspace / "capcheck.sarif").read_text(encoding="utf-8"))
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["CAP108"]
    # with an output file, the log shows text lines
    assert "CAP108 warning:" in proc.stdout


def test_check_step_clean_tree_passes(installed: Path, workspace: Path) -> None:
    proc = run_step(ACTION["runs"]["steps"][1], {"paths": "defs/clean"}, workspace, installed)
    assert (proc.returncode, proc.stdout) == (0, ""), proc.stderr


def test_check_step_bad_path_is_exit_2(installed: Path, workspace: Path) -> None:
    proc = run_step(ACTION["runs"]["steps"][1], {"paths": "nowhere"}, workspace, installed)
    assert proc.returncode == 2
    assert proc.stderr.startswith("capcheck: error: nowhere")
