"""One set of command-line conventions across sub-commands (README, "Common options").

Output format and output file spelled the same everywhere (old spellings kept), both
capability id spellings, severity on every check line, colour rules, -q/--exit-zero/
--statistics, tables that fit the terminal, plurals, one error style, internal errors
as exit 2, empty paths refused, short names for the bundled definitions, a light
start-up for --version and rule.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from capcheck import exitcodes
from capcheck.cli import main

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "ux" / "destinations"
ANSI = re.compile("\x1b\\[[0-9;]*m")


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory holding defs/ (clean + visual); colour variables cleared."""
    shutil.copytree(FIXTURE, tmp_path / "defs")
    monkeypatch.chdir(tmp_path)
    for name in ("NO_COLOR", "FORCE_COLOR", "CAPCHECK_DEBUG", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- output format: --output-format everywhere, --format as an alias -------------------


@pytest.mark.parametrize("command, fmt, probe", [
    (["audit", "defs"], "json", '"reports"'),
    (["matrix", "defs"], "json", '"rows"'),
    (["check", "defs", "--exit-zero"], "json", '"findings"'),
    (["rule"], "markdown", "# capcheck check rules"),
])
def test_output_format_and_format_alias(ws: Path, capsys: pytest.CaptureFixture[str],
                                        command: list[str], fmt: str, probe: str) -> None:
    outputs = []
    for flag in ("--output-format", "--format"):
        code, out, _ = cli(capsys, *command, flag, fmt)
        assert code == 0 and probe in out
        outputs.append(out)
    assert outputs[0] == outputs[1]


def test_unknown_format_is_a_usage_error(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["audit", "--output-format", "yaml"])
    assert exc.value.code == exitcodes.USAGE
    assert "capcheck: error: argument --output-format/--format: invalid choice: 'yaml'" \
        in capsys.readouterr().err


# -- output file: -o/--output for every command that writes one ------------------------


@pytest.mark.parametrize("command, alias", [
    (["audit", "defs", "--format", "json"], None),
    (["matrix", "defs", "--format", "csv"], "--output-file"),
    (["matrix", "defs", "--format", "csv"], "--out"),
    (["check", "defs", "--format", "json", "--exit-zero"], "--output-file"),
    (["lock", "defs"], "--output-file"),
    (["lock", "defs"], "--out"),
])
def test_output_option_and_old_spellings(ws: Path, capsys: pytest.CaptureFixture[str],
                                         command: list[str], alias: str | None) -> None:
    written: list[str] = []
    for flag in ("-o", "--output", *([alias] if alias else [])):
        target = ws / f"out{len(written)}.txt"
        code, _, err = cli(capsys, *command, flag, str(target))
        assert code == 0, err
        written.append(target.read_text(encoding="utf-8"))
    assert written[0] and all(text == written[0] for text in written)


def test_docs_output_dir_and_out_alias(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for flag, name in (("-o", "a"), ("--output", "b"), ("--out", "c")):
        code, _, err = cli(capsys, "docs", "defs", flag, name)
        assert code == 0, err
    trees = [sorted(p.relative_to(ws / n).as_posix() for p in (ws / n).rglob("*"))
             for n in "abc"]
    assert trees[0] and trees[0] == trees[1] == trees[2]


# -- capability ids: json_mapper and json-mapper ---------------------------------------


def test_only_accepts_both_spellings(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = [cli(capsys, "matrix", "defs", "--format", "csv", "--only", spelling)
               for spelling in ("json-mapper", "json_mapper", "JSON_Mapper")]
    assert results[0][0] == 0
    assert results[0][1].count("\n") == 2  # header + CLEAN (VISUAL has no RETL)
    assert all(r == results[0] for r in results)
    with pytest.raises(SystemExit):
        main(["matrix", "defs", "--only", "json__mapper"])
    assert "invalid choice" in capsys.readouterr().err


def test_variant_accepts_both_spellings(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outs = [cli(capsys, "audit", "defs", "--format", "json", "--variant",
                f"{cap}=excludes-visual-mapper")
            for cap in ("json_mapper", "json-mapper")]
    assert outs[0][0] == 0 and outs[0] == outs[1]
    variants = {v["variant"] for r in json.loads(outs[0][1])["reports"] for v in r["verdicts"]
                if v["capability"] == "json_mapper"}
    assert variants == {"excludes-visual-mapper"}


# -- check text: severity on every line, colour, -q, --exit-zero, --statistics ---------


def test_check_lines_carry_the_severity(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "check", "defs")
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 3
    for line in lines:
        assert re.fullmatch(r"defs/visual/db-config\.json:\d+:\d+: CAP\d{3} "
                            r"(error|warning|info): .+", line), line
    assert " CAP108 warning: " in out and " CAP101 error: " in out
    assert err == "Found 3 findings (2 errors, 1 warning) in 2 destinations.\n"


def test_quiet_drops_the_summary(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "check", "defs", "-q")
    assert code == 1 and out.count("\n") == 3 and err == ""
    assert cli(capsys, "check", "defs/clean", "--quiet") == (0, "", "")


def test_exit_zero(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "check", "defs", "--exit-zero")
    assert code == 0 and out.count("\n") == 3
    # unusable input is still exit 2
    assert cli(capsys, "check", "nowhere", "--exit-zero")[0] == exitcodes.USAGE


def test_statistics(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "check", "defs", "--statistics")
    assert code == 1
    rows = [line.split() for line in out.splitlines()[2:]]
    assert rows == [["1", "CAP101", "error", "visual-mapper-without-warehouse"],
                    ["1", "CAP108", "warning", "undefined-setting-key"],
                    ["1", "CAP109", "error", "unknown-key"]]
    code, out, _ = cli(capsys, "check", "defs", "--statistics", "--select", "CAP108")
    assert [line.split()[:2] for line in out.splitlines()[2:]] == [["1", "CAP108"]]
    assert code == 0  # a warning does not fail by default


def test_statistics_counts_repeated_codes(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    second = ws / "defs" / "visual2"
    shutil.copytree(ws / "defs" / "visual", second)
    db = second / "db-config.json"
    db.write_text(db.read_text(encoding="utf-8").replace("VISUAL", "VISUAL2"), encoding="utf-8")
    _, out, _ = cli(capsys, "check", "defs", "--statistics", "--ignore", "CAP108")
    assert [line.split()[:2] for line in out.splitlines()[2:]] == [["2", "CAP101"],
                                                                   ["2", "CAP109"]]


@pytest.mark.parametrize("env, flag, coloured", [
    ({}, None, False),  # captured stdout is not a terminal
    ({"FORCE_COLOR": "1"}, None, True),
    ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, None, False),
    ({"NO_COLOR": ""}, None, False),  # empty means unset
    ({"NO_COLOR": "1"}, "always", True),
    ({"FORCE_COLOR": "1"}, "never", False),
    ({}, "always", True),
])
def test_colour_rules(ws: Path, capsys: pytest.CaptureFixture[str],
                      monkeypatch: pytest.MonkeyPatch, env: dict[str, str], flag: str | None,
                      coloured: bool) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    code, out, _ = cli(capsys, "check", "defs", *(["--color", flag] if flag else []))
    assert code == 1
    assert bool(ANSI.search(out)) is coloured
    assert ANSI.sub("", out).count("\n") == 3


def test_colour_on_a_real_terminal_only(ws: Path) -> None:
    pty = pytest.importorskip("pty")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["TERM"] = "xterm"
    cmd = [sys.executable, "-m", "capcheck", "check", "defs"]
    piped = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    assert piped.returncode == 1 and not ANSI.search(piped.stdout)
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run(cmd, stdout=follower, stderr=subprocess.PIPE, env=env,
                              check=False)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
    assert proc.returncode == 1
    assert ANSI.search(b"".join(chunks).decode("utf-8"))


# -- terminal width, no Markdown in tables ---------------------------------------------


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_tables_fit_the_terminal(ws: Path, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch, columns: int) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    for command in (["rule"], ["audit", "defs", "--format", "table"],
                    ["matrix", "defs", "--format", "table"]):
        code, out, _ = cli(capsys, *command)
        assert code == 0
        widths = [len(line) for line in out.splitlines()]
        assert max(widths) <= columns, (command, max(widths))
        assert "`" not in out and "|" not in out


def test_wrapped_rule_list_keeps_every_word(ws: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from capcheck.checks import all_rules
    from capcheck.gate.checker import known_rules

    monkeypatch.setenv("COLUMNS", "70")
    _, out, _ = cli(capsys, "rule")
    words = out.split()
    for rule in known_rules(all_rules()):
        assert rule.code in words
        for word in rule.summary.replace("`", "").split():
            assert word in words


def test_matrix_table_rows(ws: Path, capsys: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = cli(capsys, "matrix", "defs", "--format", "table")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["Destination", "Name", "RETL", "JSON", "Mapper", "VDM", "v1",
                                "VDM", "v2", "Warehouse", "modes", "Sync", "behaviours"]
    assert lines[2].split()[:6] == ["Clean", "CLEAN", "yes", "yes", "no", "no"]
    assert lines[3].split()[:6] == ["Visual", "VISUAL", "no", "n/a", "yes", "no"]
    assert "2 destinations." in lines


# -- grammar and one error style -------------------------------------------------------


def test_singular_and_plural(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "check", "defs/clean")
    assert (code, err) == (0, "No findings in 1 destination.\n")
    code, _, err = cli(capsys, "lock", "defs/clean", "-o", "one.lock")
    assert code == 0 and err == "wrote one.lock (1 destination).\n"
    code, out, _ = cli(capsys, "matrix", "defs/clean", "--format", "table")
    assert "1 destination." in out.splitlines()


@pytest.mark.parametrize("argv", [
    ["audit", "nowhere"],
    ["matrix", "nowhere"],
    ["check", "nowhere"],
    ["lock", "nowhere"],
    ["docs", "nowhere", "-o", "out"],
    ["docs", "defs"],
    ["rule", "CAP999"],
])
def test_every_command_errors_with_the_capcheck_prefix(
        ws: Path, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, _, err = cli(capsys, *argv)
    assert code == exitcodes.USAGE
    lines = err.splitlines()
    assert lines[0].startswith("capcheck: error: "), err
    # later lines are errors in the same style or a "capcheck <command>:" summary
    assert all(line.startswith("capcheck") for line in lines), err


def test_argparse_errors_use_the_prefix_too(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["check", "--no-such-flag"])
    assert exc.value.code == exitcodes.USAGE
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == "capcheck: error: unrecognized arguments: --no-such-flag"


@pytest.mark.parametrize("argv", [["audit", ""], ["check", " "], ["matrix", ""],
                                  ["lock", ""], ["docs", "", "-o", "x"],
                                  ["audit", "--transformer", ""]])
def test_empty_path_is_a_usage_error(ws: Path, capsys: pytest.CaptureFixture[str],
                                     argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == exitcodes.USAGE
    assert "empty path" in capsys.readouterr().err


# -- control characters never reach the terminal raw -----------------------------------


def test_control_characters_are_escaped(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = ws / "defs" / "visual" / "db-config.json"
    text = db.read_text(encoding="utf-8").replace(
        '"unknownSetting"', '"bad\\n::error file=x::fake\\u001b[2J\\u202e"')
    db.write_text(text, encoding="utf-8")
    for argv in (["check", "defs"], ["check", "defs", "--color", "always"]):
        _, out, _ = cli(capsys, *argv)
        plain = ANSI.sub("", out)
        assert "\x1b[2J" not in out and "\u202e" not in out
        assert all(not line.startswith("::") for line in plain.splitlines())
        assert "bad\\n::error file=x::fake\\x1b[2J\\u202e" in plain


HOSTILE = "Evil\u001b[2J\u0085\u009b31m\u202eName\ud800"
RAW = ("\x1b", "\x85", "\x9b", "\u202e", "\ud800")


@pytest.mark.parametrize("argv", [
    ["audit", "defs"], ["audit", "defs", "--format", "table"],
    ["audit", "defs", "--format", "json"],
    ["matrix", "defs"], ["matrix", "defs", "--format", "csv"],
    ["matrix", "defs", "--format", "json"], ["matrix", "defs", "--format", "table"],
    ["matrix", "defs", "--format", "html"],
    ["check", "defs", "--format", "json"], ["check", "defs", "--format", "sarif"],
    ["check", "defs", "--format", "junit"], ["check", "defs", "--format", "github"],
    ["lock", "defs", "-o", "-"],
])
def test_hostile_names_never_reach_stdout_raw(ws: Path, capsys: pytest.CaptureFixture[str],
                                              argv: list[str]) -> None:
    db = ws / "defs" / "visual" / "db-config.json"
    text = db.read_text(encoding="utf-8")
    escaped = json.dumps(HOSTILE)  # ASCII JSON escapes in the file
    db.write_text(text.replace('"displayName": "Visual"', f'"displayName": {escaped}')
                  .replace('"name": "VISUAL"', f'"name": {escaped}'), encoding="utf-8")
    main(argv)
    out, err = capsys.readouterr()
    assert not any(ch in out or ch in err for ch in RAW), (out, err)
    if "json" in argv or "sarif" in argv or "-" in argv:
        # JSON stays valid and carries the exact value
        assert "\\u202e" in json.dumps(json.loads(out))


# -- internal errors: exit 2, one line, traceback on request ---------------------------


def _boom(_args: object) -> int:
    raise ZeroDivisionError("division by zero")


def test_internal_error_is_one_line_exit_2(ws: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import capcheck.commands.audit as audit

    monkeypatch.setattr(audit, "run", _boom)
    code, out, err = cli(capsys, "audit")
    assert code == exitcodes.USAGE and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("capcheck: error: internal error in capcheck audit: "
                          "ZeroDivisionError: division by zero")
    assert "--debug" in err


@pytest.mark.parametrize("how", ["flag-before", "flag-after", "env"])
def test_debug_shows_the_traceback(ws: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    import capcheck.commands.check as check

    monkeypatch.setattr(check, "run", _boom)
    argv = {"flag-before": ["--debug", "check"], "flag-after": ["check", "--debug"],
            "env": ["check"]}[how]
    if how == "env":
        monkeypatch.setenv("CAPCHECK_DEBUG", "1")
    code, _, err = cli(capsys, *argv)
    assert code == exitcodes.USAGE
    assert "Traceback (most recent call last)" in err and "_boom" in err
    assert err.splitlines()[-1].startswith("capcheck: error: internal error in capcheck check")


def test_internal_error_in_a_subprocess_exits_2() -> None:
    code = ("import capcheck.commands.rule as r, sys\n"
            "r.run = lambda a: 1 / 0\n"
            "from capcheck.cli import main\n"
            "sys.exit(main(['rule']))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "CAPCHECK_DEBUG": ""}, check=False)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "ZeroDivisionError" in proc.stderr


# -- bundled definitions get a short, stable name --------------------------------------


def test_bundled_definitions_are_named_short(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the bundled folder is not below the working directory
    code, out, _ = cli(capsys, "audit", "--format", "json")
    assert code == 0
    report = json.loads(out)["reports"][0]
    assert report["definition"] == "<bundled>/destinations/moengage"
    files = {e["file"] for v in report["verdicts"] for e in v["evidence"] if "file" in e}
    assert files == {"<bundled>/destinations/moengage/db-config.json"}


def test_installed_bundle_is_named_short_even_below_cwd(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A virtual environment inside the project (`.venv/lib/.../site-packages`) puts the
    installed bundle below the working directory: still `<bundled>/...`."""
    from capcheck import resources

    installed = tmp_path / ".venv" / "lib" / "site-packages" / "capcheck" / "data"
    shutil.copytree(resources.destinations_dir(), installed / "destinations")
    monkeypatch.setattr(resources, "destinations_dir", lambda: installed / "destinations")
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli(capsys, "audit", "--format", "json")
    assert code == 0
    assert json.loads(out)["reports"][0]["definition"] == "<bundled>/destinations/moengage"


def test_source_checkout_bundle_keeps_its_relative_path(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from capcheck import resources

    repo = Path(__file__).resolve().parent.parent
    if resources.destinations_dir().resolve() != (repo / "destinations").resolve():
        pytest.skip("capcheck is not run from its source checkout")
    monkeypatch.chdir(repo)
    code, out, _ = cli(capsys, "audit", "--format", "json")
    assert code == 0
    assert json.loads(out)["reports"][0]["definition"] == "destinations/moengage"


# -- start-up: --version and rule import little and build one parser -------------------


def _modules_after(argv: list[str]) -> set[str]:
    code = ("import sys, io, contextlib\n"
            "from capcheck.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    rc = main({argv!r})\n"
            "assert rc == 0, rc\n"
            "print('\\n'.join(sorted(sys.modules)))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return set(proc.stdout.split())


def test_version_imports_nothing_heavy() -> None:
    loaded = _modules_after(["--version"])
    for name in ("argparse", "json", "yaml", "jsonschema", "tabulate", "capcheck.commands"):
        assert name not in loaded, name


def test_rule_imports_nothing_heavy_and_no_other_command() -> None:
    loaded = _modules_after(["rule"])
    for name in ("yaml", "jsonschema", "tabulate", "capcheck.report.audit",
                 "capcheck.commands.check", "capcheck.commands.audit", "capcheck.commands.map"):
        assert name not in loaded, name
    assert "capcheck.commands.rule" in loaded


_COLUMNS = """
import json, os, shutil, sys
from capcheck.cli import terminal_columns
print(json.dumps([shutil.get_terminal_size().columns, terminal_columns()]))
"""


@pytest.mark.parametrize("columns", [None, "133", "0", "-5", "wide", ""])
def test_help_width_is_shutils_without_importing_it(columns: str | None) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    if columns is not None:
        env["COLUMNS"] = columns
    done = subprocess.run([sys.executable, "-c", _COLUMNS], capture_output=True, text=True,
                          env=env, check=True, stdin=subprocess.DEVNULL)
    expected, got = json.loads(done.stdout)
    assert got == expected
    # the help text is laid out at that width
    help_run = subprocess.run([sys.executable, "-m", "capcheck", "matrix", "--help"],
                              capture_output=True, text=True, env=env, check=True)
    assert max(map(len, help_run.stdout.splitlines())) <= max(expected - 2, 22)


def test_building_a_command_parser_imports_no_shutil() -> None:
    loaded = _modules_after(["matrix", "--format", "json"])
    assert "shutil" not in loaded
    assert "inspect" not in loaded
