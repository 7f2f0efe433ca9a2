"""`capcheck check`: exit codes, selection, configuration, load errors, output files.

Most tests run small rule modules built here (the registry is patched), so that they
test the engine and the command, not the real rules; a few run the real registry to
check how load errors and rule findings meet.
"""

from __future__ import annotations

import json
import shutil
import types
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from capcheck import checks
from capcheck.checks import CheckContext
from capcheck.cli import main
from capcheck.gate.checker import Selection
from capcheck.model import Finding, Severity

# -- test rules ---------------------------------------------------------------------


def make_rule(code: str, severity: Severity, key: str) -> types.ModuleType:
    """A rule that reports config key ``key`` wherever it is set to true."""
    module = types.ModuleType(f"test_rule_{code}")
    module.__doc__ = f"# {code}\n\nReports `{key}`."

    def check(ctx: CheckContext) -> Iterator[Finding]:
        facts = ctx.facts
        if facts is not None and facts.config.get(key) is True:
            yield Finding(code, severity, f"`{key}` is set", facts.loc(f"/config/{key}"),
                          facts.dir_name)

    module.CODE = code  # type: ignore[attr-defined]
    module.NAME = f"test-{key.lower()}"  # type: ignore[attr-defined]
    module.SEVERITY = severity  # type: ignore[attr-defined]
    module.SUMMARY = f"{key} is set"  # type: ignore[attr-defined]
    module.check = check  # type: ignore[attr-defined]
    return module


TEST_RULES = [
    make_rule("CAP101", Severity.ERROR, "testError"),
    make_rule("CAP105", Severity.WARNING, "testWarning"),
    make_rule("CAP150", Severity.INFO, "testInfo"),
]


@pytest.fixture
def fake_rules(monkeypatch: pytest.MonkeyPatch) -> list[types.ModuleType]:
    monkeypatch.setattr(checks, "all_rules", lambda: list(TEST_RULES))
    return TEST_RULES



def set_config(folder: Path, **values: Any) -> None:
    path = folder / "db-config.json"
    data = json.loads(path.read_text())
    data["config"].update(values)
    path.write_text(json.dumps(data, indent=2) + "\n")


def line_of(path: Path, needle: str) -> tuple[int, int]:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(f"{needle} not in {path}")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


# -- exit codes ---------------------------------------------------------------------


def test_clean_run_exits_0(defs: Path, fake_rules: object, capsys: pytest.CaptureFixture[str]
                           ) -> None:
    code, out, err = run(capsys, "defs")
    assert (code, out) == (0, "")
    assert err.strip() == "No findings in 2 destinations."


def test_error_finding_exits_1_with_text_line(
    defs: Path, fake_rules: object, capsys: pytest.CaptureFixture[str]
) -> None:
    set_config(defs / "beta", testError=True)
    line, col = line_of(defs / "beta" / "db-config.json", '"testError"')
    code, out, err = run(capsys, "defs")
    assert code == 1
    assert out == f"defs/beta/db-config.json:{line}:{col}: CAP101 error: `testError` is set\n"
    assert err.strip() == "Found 1 finding (1 error) in 2 destinations."


def test_fail_on_threshold(defs: Path, fake_rules: object,
                           capsys: pytest.CaptureFixture[str]) -> None:
    set_config(defs / "alpha", testWarning=True)
    set_config(defs / "beta", testInfo=True)
    code, out, err = run(capsys, "defs")
    assert code == 0 and out.count("\n") == 2  # reported, but below the default threshold
    assert "Found 2 findings (1 warning, 1 info) in 2 destinations." in err
    assert run(capsys, "defs", "--fail-on", "warning")[0] == 1
    assert run(capsys, "defs", "--fail-on", "info", "--ignore", "CAP105")[0] == 1
    assert run(capsys, "defs", "--fail-on", "warning", "--ignore", "CAP105")[0] == 0


def test_empty_folder_exits_2(tmp_path: Path, fake_rules: object,
                              capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    code, out, err = run(capsys, "empty")
    assert code == 2 and out == ""
    assert err.strip() == (
        "capcheck: error: empty: holds no destination definition "
        "(no db-config.json here or one level down)"
    )


def test_missing_path_exits_2_but_still_checks_the_others(
    defs: Path, fake_rules: object, capsys: pytest.CaptureFixture[str]
) -> None:
    set_config(defs / "alpha", testError=True)
    code, out, err = run(capsys, "nowhere", "defs")
    assert code == 2
    assert "CAP101" in out  # alpha's finding is not hidden by the bad path
    assert "capcheck: error: nowhere: no such file or directory" in err


def test_usage_errors_exit_2(defs: Path, fake_rules: object,
                             capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "defs", "--select", "CAP7")
    assert code == 2 and "unknown rule code or prefix: CAP7" in err
    with pytest.raises(SystemExit) as exc:
        main(["check", "defs", "--output-format", "xml"])
    assert exc.value.code == 2
    assert "invalid choice: 'xml'" in capsys.readouterr().err
    code, _, err = run(capsys, "defs", "--transformer", "nowhere")
    assert code == 2 and err.startswith("capcheck: error: nowhere")


# -- selection ----------------------------------------------------------------------


def test_selection_by_prefix_and_specificity() -> None:
    s = Selection(("CAP1",), ("CAP105",))
    assert [s.enabled(c) for c in ("CAP101", "CAP105", "CAP150", "CAP001")] == [
        True, False, True, False]
    s = Selection(("ALL", "CAP105"), ("CAP1",))  # the more specific entry wins
    assert [s.enabled(c) for c in ("CAP101", "CAP105", "CAP001")] == [False, True, True]
    assert not Selection(("CAP105",), ("CAP105",)).enabled("CAP105")  # tie: ignore wins
    per = Selection(per_destination=(("fb_*", ("CAP1",)), ("MOENGAGE", ("CAP105",))))
    assert not per.enabled_for("CAP101", "fb_pixel")
    assert per.enabled_for("CAP101", "fbx")
    assert not per.enabled_for("CAP105", "moengage", "MOENGAGE")
    assert per.enabled_for("CAP101", "moengage", "MOENGAGE")
    assert Selection(("CAP1", "CAP9"), ("ALL",)).unknown(["CAP101"]) == ["CAP9"]


def test_select_and_ignore_on_the_command_line(
    defs: Path, fake_rules: object, capsys: pytest.CaptureFixture[str]
) -> None:
    set_config(defs / "alpha", testError=True, testWarning=True, testInfo=True)

    def codes(*argv: str) -> list[str]:
        return [line.split()[1] for line in run(capsys, "defs", *argv)[1].splitlines()]

    assert codes() == ["CAP101", "CAP105", "CAP150"]
    assert codes("--select", "CAP1", "--ignore", "CAP105") == ["CAP101", "CAP150"]
    assert codes("--ignore", "CAP1", "--select", "ALL,CAP105") == ["CAP105"]
    assert codes("--select", "cap15") == ["CAP150"]  # case-insensitive
    assert codes("--select", "CAP101", "--select", "CAP150") == ["CAP101", "CAP150"]


# -- configuration ------------------------------------------------------------------


def test_per_destination_ignores_from_yaml(
    defs: Path, fake_rules: object, capsys: pytest.CaptureFixture[str]
) -> None:
    set_config(defs / "alpha", testError=True)
    set_config(defs / "beta", testError=True)
    Path(".capcheck.yaml").write_text("per-destination-ignores:\n  alpha: [CAP1]\n")
    code, out, _ = run(capsys, "defs")
    assert code == 1 and out.startswith("defs/beta/") and out.count("\n") == 1
    Path(".capcheck.yaml").write_text("per-destination-ignores:\n  BETA: [CAP101]\n"
                                      "  'al*': [CAP101]\n")
    assert run(capsys, "defs") == (0, "", "No findings in 2 destinations.\n")


def test_config_found_upward_in_pyproject(
    defs: Path, fake_rules: object, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_config(defs / "alpha", testError=True, testWarning=True)
    Path("pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.capcheck]\npaths = ["defs"]\nignore = ["CAP101"]\n'
        'fail-on = "warning"\n'
    )
    sub = defs.parent / "deep" / "er"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    code, out, _ = run(capsys)  # paths come from the config, relative to its folder
    assert code == 1
    assert [line.split()[1] for line in out.splitlines()] == ["CAP105"]
    # the command line wins over the file
    code, out, _ = run(capsys, "--ignore", "CAP105", "--fail-on", "error")
    assert code == 1 and [line.split()[1] for line in out.splitlines()] == ["CAP101"]
    assert run(capsys, "--no-config")[0] == 0  # bundled default destinations are clean


def test_yaml_wins_over_pyproject_in_the_same_folder(
    defs: Path, fake_rules: object, capsys: pytest.CaptureFixture[str]
) -> None:
    set_config(defs / "alpha", testError=True)
    Path("pyproject.toml").write_text('[tool.capcheck]\nselect = ["CAP101"]\n')
    Path(".capcheck.yaml").write_text("ignore: [CAP101]\n")
    assert run(capsys, "defs")[0] == 0
    assert run(capsys, "defs", "--config", "pyproject.toml")[0] == 1


def test_pyproject_without_table_is_passed_over(
    defs: Path, fake_rules: object, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_config(defs / "alpha", testError=True)
    Path(".capcheck.yaml").write_text("ignore: [CAP101]\n")
    sub = defs.parent / "sub"
    sub.mkdir()
    (sub / "pyproject.toml").write_text('[project]\nname = "sub"\n')
    monkeypatch.chdir(sub)
    assert run(capsys, "../defs")[0] == 0


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (".capcheck.yaml", "select: [CAP1]\nfail_on: warning\n",
         ".capcheck.yaml:2:1: unknown setting `fail_on` (did you mean `fail-on`?)"),
        (".capcheck.yaml", "select: [CAP1\n", ".capcheck.yaml:2:1: invalid YAML"),
        (".capcheck.yaml", "ignore: [CAP1]\nfail-on: fatal\n",
         ".capcheck.yaml:2:1: `fail-on` must be one of error, warning, info; got 'fatal'"),
        (".capcheck.yaml", "per-destination-ignores:\n  alpha: [CAP77]\n",
         ".capcheck.yaml:2:3: unknown rule code or prefix: CAP77"),
        ("pyproject.toml", '[tool.capcheck]\nselect = ["CAP1"]\nignore = "CAP1 ,"\n'
                           "output-format = 'xml'\n",
         "pyproject.toml:4:1: `output-format` must be one of"),
        ("pyproject.toml", "[tool.capcheck]\nselect = [\n", "pyproject.toml:3:1: invalid TOML"),
        ("pyproject.toml", "[tool.capcheck.per-destination-ignores]\nalpha = ['CAP8']\n",
         "pyproject.toml:2:1: unknown rule code or prefix: CAP8"),
    ],
)
def test_bad_config_is_one_line_with_file_and_line(
    defs: Path, fake_rules: object, capsys: pytest.CaptureFixture[str],
    name: str, text: str, expected: str,
) -> None:
    Path(name).write_text(text)
    code, out, err = run(capsys, "defs")
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"capcheck: error: {expected}")


# -- output file --------------------------------------------------------------------


def test_output_file_gets_the_format_and_the_terminal_gets_text(
    defs: Path, fake_rules: object, capsys: pytest.CaptureFixture[str]
) -> None:
    set_config(defs / "beta", testError=True)
    code, out, err = run(capsys, "defs", "--output-format", "sarif",
                         "--output-file", "out.sarif")
    assert code == 1
    assert out.startswith("defs/beta/db-config.json:") and " CAP101 " in out
    assert "Found 1 finding" in err
    sarif = json.loads(Path("out.sarif").read_text())
    assert sarif["runs"][0]["results"][0]["ruleId"] == "CAP101"
    code, out, err = run(capsys, "defs", "--output-format", "json")  # no file: json only
    assert json.loads(out)["findings"][0]["code"] == "CAP101" and err == ""


def test_output_file_that_cannot_be_written_exits_2(
    defs: Path, fake_rules: object, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "defs", "--output-file", "no/such/dir/out.json")
    assert code == 2 and "no/such/dir/out.json: cannot write" in err


# -- load errors, robustness ---------------------------------------------------------


def test_load_errors_become_cap001_and_others_still_run(
    defs: Path, fake_rules: object, capsys: pytest.CaptureFixture[str]
) -> None:
    (defs / "beta" / "db-config.json").write_text('{\n  "name": "BETA",\n  "config": {\n')
    set_config(defs / "alpha", testError=True)
    (defs / "gamma").mkdir()
    shutil.copy(defs / "alpha" / "schema.json", defs / "gamma")
    code, out, err = run(capsys, "defs")
    assert code == 2  # unreadable input: reported as CAP001, and never a green run
    assert "2 definition files could not be read or parsed" in err
    lines = out.splitlines()
    assert lines[0].startswith("defs/alpha/db-config.json:") and "CAP101" in lines[0]
    assert lines[1].startswith("defs/beta/db-config.json:4:1: CAP001 error: invalid JSON")
    assert lines[2] == "defs/gamma/db-config.json: CAP001 error: missing db-config.json"
    assert len(lines) == 3


def test_wrong_type_is_reported_once_with_the_real_rules(
    defs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_config(defs / "beta", supportedSourceTypes="web")
    line, _ = line_of(defs / "beta" / "db-config.json", '"supportedSourceTypes"')
    code, out, _ = run(capsys, "defs")
    assert code == 1
    assert len(out.splitlines()) == 1 and f"beta/db-config.json:{line}:" in out
    assert " CAP003 " in out
    # without the schema rule, the engine still says why the definition is unusable
    code, out, _ = run(capsys, "defs", "--ignore", "CAP003")
    assert code == 1
    assert out.strip() == (f"defs/beta/db-config.json:{line}:5: CAP001 error: "
                           "/config/supportedSourceTypes: expected a list of strings, "
                           "found a string")


def test_invalid_json_reported_once_with_the_real_rules(
    defs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (defs / "beta" / "ui-config.json").write_text('{"uiConfig": [}\n')
    code, out, _ = run(capsys, "defs")
    assert code == 2
    assert out.count("beta/ui-config.json:1:") == 1 and " CAP001 " in out
    # still exit 2 when CAP001 is not selected: unreadable input is never green
    code, out, _ = run(capsys, "defs", "--ignore", "CAP001")
    assert code == 2 and " CAP001 " not in out


def test_crashing_rule_is_cap000_and_does_not_stop_the_run(
    defs: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = make_rule("CAP110", Severity.WARNING, "x")

    def explode(ctx: CheckContext) -> Iterable[Finding]:
        if ctx.raw.dir_name == "alpha":
            raise KeyError("boom")
        return []

    broken.check = explode  # type: ignore[attr-defined]
    monkeypatch.setattr(checks, "all_rules", lambda: [*TEST_RULES, broken])
    set_config(defs / "beta", testError=True)
    code, out, _ = run(capsys, "defs")
    assert code == 1
    assert "defs/alpha/db-config.json: CAP000 error: rule CAP110 failed on this definition: " \
           "KeyError: 'boom'" in out
    assert "defs/beta/db-config.json:" in out and "CAP101" in out


def test_a_definition_file_argument_checks_its_folder(
    defs: Path, fake_rules: object, capsys: pytest.CaptureFixture[str]
) -> None:
    """pre-commit passes changed files: schema.json / ui-config.json mean their folder."""
    set_config(defs / "alpha", testError=True)
    code, out, err = run(capsys, "defs/alpha/schema.json", "defs/alpha/ui-config.json",
                         "defs/beta/db-config.json")
    assert code == 1 and out.count("\n") == 1 and "defs/alpha/" in out
    assert "in 2 destinations" in err


def test_real_rules_on_the_bundled_default_are_clean(
    in_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "--no-config") == (0, "", "No findings in 1 destination.\n")


def test_corpus_runs_every_destination(corpus: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    code, out, _ = run(capsys, str(corpus), "--no-config", "--output-format", "json")
    doc = json.loads(out)
    assert doc["summary"]["destinations"] == 239
    assert not any(f["code"] in ("CAP000", "CAP001") for f in doc["findings"])
    assert code == (1 if doc["summary"]["failing"] else 0)
