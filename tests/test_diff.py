"""`capcheck diff`: small git repositories built here, one commit per kind of change
(a flag flipped, `warehouse` added, a destination renamed, one removed, one added, a
file broken at HEAD), compared by revision and against the working tree."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from capcheck.cli import main


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    done = subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True)
    return done.stdout.strip()


def definition(name: str, *, sources: tuple[str, ...] = ("cloud",), visual: bool | None = None,
               message_types: tuple[str, ...] = ("identify", "track"),
               display: str | None = None) -> str:
    config: dict[str, Any] = {"supportedSourceTypes": list(sources),
                              "supportedMessageTypes": list(message_types)}
    if visual is not None:
        config["supportsVisualMapper"] = visual
    doc = {"name": name, "displayName": display or name.title(), "config": config}
    return json.dumps(doc, indent=2) + "\n"


class Repo:
    """A git repository of destination definitions under ``defs/``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        git(root, "init", "-q", "-b", "main")

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def dest(self, folder: str, name: str, **kw: Any) -> Path:
        return self.write(f"defs/{folder}/db-config.json", definition(name, **kw))

    def commit(self, message: str) -> str:
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "--allow-empty", "-m", message)
        return git(self.root, "rev-parse", "HEAD")

    def line_of(self, rel: str, needle: str) -> int:
        lines = (self.root / rel).read_text(encoding="utf-8").splitlines()
        return next(i for i, line in enumerate(lines, 1) if needle in line)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """Commits tagged c0..c6, one kind of change each; working directory = the repo."""
    r = Repo(tmp_path / "repo")
    r.dest("alpha", "ALPHA", sources=("cloud", "warehouse"))
    r.dest("beta", "BETA")
    r.dest("gamma", "GAMMA", visual=True)
    r.dest("delta", "DELTA", sources=("cloud", "warehouse"))
    r.dest("klav", "KLAV", sources=("cloud", "warehouse"))
    r.write("README.md", "definitions\n")
    r.commit("c0")
    git(r.root, "tag", "c0")
    r.dest("gamma", "GAMMA", visual=False)  # flag flipped: VDM v1 lost
    git(r.root, "tag", "c1", r.commit("c1"))
    r.dest("beta", "BETA", sources=("cloud", "warehouse"))  # warehouse added
    git(r.root, "tag", "c2", r.commit("c2"))
    git(r.root, "mv", "defs/klav", "defs/klaviyo")  # renamed folder, same destination
    git(r.root, "tag", "c3", r.commit("c3"))
    git(r.root, "rm", "-q", "-r", "defs/delta")  # removed
    git(r.root, "tag", "c4", r.commit("c4"))
    r.dest("newdest", "NEWDEST", sources=("warehouse",))  # added
    r.write("README.md", "definitions, and more\n")  # not a definition: not read
    git(r.root, "tag", "c5", r.commit("c5"))
    r.write("defs/alpha/db-config.json", '{"name": "ALPHA",\n  "config": {\n}\n')  # broken
    r.dest("beta", "BETA", sources=("cloud", "warehouse"), visual=True)
    git(r.root, "tag", "c6", r.commit("c6"))
    monkeypatch.chdir(r.root)
    return r


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["diff", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_flag_flipped_is_a_lost_capability_with_evidence_at_both_revisions(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "c0", "c1", "defs")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "GAMMA: VDM v1 supported -> not supported"
    line = repo.line_of("defs/gamma/db-config.json", "supportsVisualMapper")
    assert lines[1].startswith(f"    c0: defs/gamma/db-config.json:{line}:")
    assert "`/config/supportsVisualMapper` is true" in lines[1]
    assert lines[2].startswith(f"    c1: defs/gamma/db-config.json:{line}:")
    assert "`/config/supportsVisualMapper` is false" in lines[2]
    assert "1 changed destination folder examined" in lines[-1]
    assert "(1 lost)" in lines[-1]


def test_warehouse_added_is_a_gain_exit_0_unless_fail_on_change(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "c1", "c2", "defs")
    assert code == 0
    assert "BETA: RETL not supported -> supported" in out.splitlines()
    assert "BETA: JSON Mapper not applicable -> supported" in out.splitlines()
    assert "lost" not in out
    code, _, _ = run(capsys, "c1", "c2", "defs", "--fail-on-change")
    assert code == 1


def test_renamed_folder_is_one_destination_not_a_removal(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "c2", "c3", "defs")
    assert code == 0
    assert out.splitlines()[0] == (
        "KLAV: renamed defs/klav -> defs/klaviyo (capabilities unchanged)")
    assert "removed" not in out and "added" not in out
    assert run(capsys, "c2", "c3", "defs", "--fail-on-change")[0] == 1


def test_removed_destination_loses_what_it_supported(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "c3", "c4", "defs")
    assert code == 1
    assert out.splitlines()[0] == (
        "DELTA: removed from defs/delta (was: RETL supported, JSON Mapper supported, "
        "VDM v1 not supported, VDM v2 not supported)")


def test_removed_destination_that_supported_nothing_loses_nothing(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    git(repo.root, "rm", "-q", "-r", "defs/beta")
    repo.commit("beta removed")
    code, out, _ = run(capsys, "HEAD~1", "HEAD", "defs")
    assert out.splitlines()[0].startswith("BETA: removed from defs/beta (was: RETL supported")
    git(repo.root, "checkout", "-q", "c0")
    git(repo.root, "rm", "-q", "-r", "defs/beta")
    repo.commit("beta removed before it had warehouse")
    code, out, _ = run(capsys, "c0", "HEAD", "defs")
    assert code == 0
    assert out.splitlines()[0] == (
        "BETA: removed from defs/beta (was: RETL not supported, JSON Mapper not applicable, "
        "VDM v1 not supported, VDM v2 not supported)")


def test_added_destination_only_exit_0_and_other_files_not_read(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "c4", "c5", "defs")
    assert code == 0
    assert out.splitlines()[0].startswith("NEWDEST: added in defs/newdest (RETL supported")
    code, out, _ = run(capsys, "c4", "c5", "defs", "--output-format", "json")
    doc = json.loads(out)
    assert doc["summary"]["examined"] == 1  # the README change selects nothing
    assert [a["destination"] for a in doc["added"]] == ["newdest"]
    assert doc["added"][0]["verdicts"]["retl"] == "supported"


def test_file_broken_at_head_exit_2_and_other_changes_still_reported(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "c5", "c6", "defs")
    assert code == 2
    assert "BETA: VDM v1 not supported -> supported" in out
    broken = [line for line in out.splitlines() if "defs/alpha/db-config.json" in line]
    assert len(broken) == 1
    assert broken[0].startswith("defs/alpha/db-config.json:4:1: invalid JSON")
    assert broken[0].endswith("(at c6)")
    assert "ALPHA:" not in out  # not compared: nothing is known at c6


def test_broken_only_at_base_is_reported_but_does_not_fail(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.dest("alpha", "ALPHA", sources=("cloud", "warehouse"))
    git(repo.root, "tag", "c7", repo.commit("fixed"))
    code, out, _ = run(capsys, "c6", "c7", "defs")
    assert code == 0
    assert "defs/alpha/db-config.json:4:1: invalid JSON" in out and "(at c6)" in out


def test_several_commits_at_once(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "c0", "c5", "defs", "--output-format", "json")
    assert code == 1
    doc = json.loads(out)
    changed = {d["destination"]: [c["capability"] for c in d["changes"]]
               for d in doc["changed"]}
    assert changed == {"beta": ["retl", "json_mapper"], "gamma": ["vdm_v1"], "klaviyo": []}
    klaviyo = next(d for d in doc["changed"] if d["destination"] == "klaviyo")
    assert klaviyo["renamedFrom"] == "defs/klav"
    assert [r["destination"] for r in doc["removed"]] == ["delta"]
    assert [r["destination"] for r in doc["added"]] == ["newdest"]
    assert doc["summary"]["lost"] is True
    assert doc["base"]["commit"] == git(repo.root, "rev-parse", "c0")


def test_same_revision_nothing_changed(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "c3", "c3", "defs")
    assert code == 0
    assert out.startswith("no capability changes; 0 changed destination folders examined")


def test_working_tree_is_the_default_head_and_is_not_touched(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.dest("gamma", "GAMMA", visual=True)  # modified, not committed
    repo.dest("fresh", "FRESH")  # untracked
    status = git(repo.root, "status", "--porcelain")
    index = (repo.root / ".git" / "index").read_bytes()
    stamp = (repo.root / ".git" / "index").stat().st_mtime_ns
    code, out, _ = run(capsys, "c6", "defs")
    assert code == 0  # a gain and an addition (alpha, broken at c6, is unchanged: not read)
    assert "GAMMA: VDM v1 not supported -> supported" in out
    assert "    working tree: defs/gamma/db-config.json:" in out
    assert "FRESH: added in defs/fresh" in out
    assert (repo.root / ".git" / "index").read_bytes() == index
    assert (repo.root / ".git" / "index").stat().st_mtime_ns == stamp
    assert git(repo.root, "status", "--porcelain") == status


def test_deleted_in_working_tree(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    (repo.root / "defs" / "gamma" / "db-config.json").unlink()
    (repo.root / "defs" / "gamma").rmdir()
    code, out, _ = run(capsys, "c5", "defs")
    assert "GAMMA: removed from defs/gamma" in out
    assert code == 2  # and alpha, broken at c6 = the working tree


def test_second_argument_is_a_path_when_it_exists(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo.root / "defs" / "gamma" / "db-config.json").write_text(
        definition("GAMMA", visual=True), encoding="utf-8")
    code, out, _ = run(capsys, "c6", "defs/gamma")  # one destination folder
    assert code == 0
    assert out.splitlines()[0] == "GAMMA: VDM v1 not supported -> supported"
    code, out, _ = run(capsys, "c6", "defs/gamma/db-config.json")  # its file
    assert out.splitlines()[0] == "GAMMA: VDM v1 not supported -> supported"


def test_run_from_a_subfolder_and_integrations_config_layout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    r = Repo(tmp_path / "ic")
    dests = "src/configurations/destinations"
    r.write(f"{dests}/one/db-config.json", definition("ONE"))
    r.write("src/configurations/sources/one/db-config.json", definition("SOURCE"))
    r.commit("a")
    r.write(f"{dests}/one/db-config.json", definition("ONE", sources=("warehouse",)))
    r.write("src/configurations/sources/one/db-config.json", definition("SOURCE", visual=True))
    r.commit("b")
    monkeypatch.chdir(r.root / "src")
    code, out, _ = run(capsys, "HEAD~1", "HEAD", str(r.root))
    assert code == 0
    assert out.splitlines()[0] == "ONE: RETL not supported -> supported"
    assert "SOURCE" not in out  # sources are not destinations
    assert f"{dests}/one/db-config.json:" in out


def test_usage_errors_name_what_is_wrong(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, err = run(capsys, "no-such-rev", "defs")
    assert code == 2 and out == ""
    assert "unknown revision 'no-such-rev'" in err
    code, _, err = run(capsys, "c0", "nope-head", "defs")
    assert code == 2 and "unknown revision 'nope-head'" in err
    assert "no file or folder of that name" in err
    code, _, err = run(capsys, "c0", "c1", "README.md")
    assert code == 2 and "holds no destination definition" in err
    code, _, err = run(capsys, "c0", "c1", "missing-folder")
    assert code == 2 and "missing-folder exists neither at c0 nor at c1" in err
    code, _, err = run(capsys, "c0", "c1", "defs", "--transformer", "c0:defs")
    assert code == 2 and "not a transformer tree at c0" in err
    plain = tmp_path / "plain"
    plain.mkdir()
    monkeypatch.chdir(plain)
    code, _, err = run(capsys, "main")
    assert code == 2 and "is not in a git repository" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["diff"])
    assert exit_info.value.code == 2 and "BASE" in capsys.readouterr().err


def test_markdown_comment(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "c0", "c5", "defs", "--format", "markdown")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "<!-- capcheck-diff -->"
    assert lines[1].startswith("**capcheck diff** `c0` → `c5`: 3 capability changes in 2 "
                               "destinations (1 lost), 1 renamed, 1 added, 1 removed")
    assert "| Destination | Capability | Before | After |" in lines
    assert "| Gamma (`GAMMA`) | VDM v1 | supported | **not supported** (lost) |" in lines
    assert "| Beta (`BETA`) | RETL | not supported | **supported** |" in lines
    assert any(line.startswith("| Delta (`DELTA`) | **removed** | RETL supported")
               for line in lines)
    assert "<details><summary>Evidence at both revisions</summary>" in lines
    assert lines.index("</details>") > lines.index("<details><summary>Evidence at both "
                                                   "revisions</summary>")
    # short for big changes: the first N rows, then a count
    _, short, _ = run(capsys, "c0", "c5", "defs", "--format", "markdown", "--max-rows", "2")
    table = [line for line in short.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(table) == 3  # header + 2 rows
    assert "… and 4 more rows." in short
    assert "- … and 1 more (run `capcheck diff` for all of them)" in short


def test_markdown_escapes_values_from_definitions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    r = Repo(tmp_path / "esc")
    evil = "Evil | <script>x</script> *bold*"
    r.dest("evil", "EVIL", display=evil)
    r.commit("a")
    r.dest("evil", "EVIL", display=evil, sources=("warehouse",))
    r.commit("b")
    monkeypatch.chdir(r.root)
    _, out, _ = run(capsys, "HEAD~1", "HEAD", "defs", "--format", "markdown")
    row = next(line for line in out.splitlines() if line.startswith("| Evil"))
    assert row.startswith(r"| Evil \| \<script\>x\</script\> \*bold\* (`EVIL`) | RETL |")
    assert "<script>" not in out


def test_github_notices_on_the_changed_lines(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "c0", "c5", "defs", "--output-format", "github")
    assert code == 1
    lines = out.splitlines()
    visual = repo.line_of("defs/gamma/db-config.json", "supportsVisualMapper")
    assert any(line.startswith(f"::notice file=defs/gamma/db-config.json,line={visual},")
               and "::GAMMA: VDM v1 supported -> not supported (at c0: " in line
               for line in lines)
    warehouse = repo.line_of("defs/beta/db-config.json", '"warehouse"')
    assert any(line.startswith(f"::notice file=defs/beta/db-config.json,line={warehouse},")
               and "BETA: RETL not supported -> supported" in line for line in lines)
    # JSON Mapper stopped being "not applicable" because of RETL: the same line
    assert any(line.startswith(f"::notice file=defs/beta/db-config.json,line={warehouse},")
               and "BETA: JSON Mapper not applicable -> supported" in line for line in lines)
    assert any(line.startswith("::notice title=capcheck diff::DELTA: destination removed")
               for line in lines)
    assert all(line.startswith("::") for line in lines)
    code, out, _ = run(capsys, "c5", "c6", "defs", "--output-format", "github")
    assert out.splitlines()[0].startswith(
        "::error file=defs/alpha/db-config.json,line=4,col=1,title=capcheck diff::invalid JSON")


# -- transformer code: a folder, or REV:FOLDER of another repository -----------------


@pytest.fixture
def with_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Repo, Repo]:
    defs = Repo(tmp_path / "defs-repo")
    defs.dest("rec", "REC", sources=("cloud", "warehouse"))
    defs.commit("a")
    defs.dest("rec", "REC", sources=("cloud", "warehouse"),
              message_types=("identify", "record"))
    defs.commit("b")
    code = Repo(tmp_path / "transformer")
    code.write("src/v0/destinations/rec/transform.js", "const x = 1;\n")
    code.commit("no handler")
    git(code.root, "tag", "t0")
    code.write("src/v0/destinations/rec/transform.js",
               "if (message.type === EventType.RECORD) {\n  send();\n}\n")
    code.commit("record handler")
    git(code.root, "tag", "t1")
    code.write("src/v0/destinations/rec/transform.js", "const y = 2;\n")  # working tree only
    monkeypatch.chdir(defs.root)
    return defs, code


def test_transformer_folder_and_revision(
    with_code: tuple[Repo, Repo], capsys: pytest.CaptureFixture[str]
) -> None:
    _defs, code = with_code
    _, out, _ = run(capsys, "HEAD~1", "HEAD", "defs")
    assert "REC: VDM v2 not supported -> unknown" in out  # code not examined
    _, out, _ = run(capsys, "HEAD~1", "HEAD", "defs", "--transformer", f"t1:{code.root}")
    # the handler is there at both sides: declaring `record` completes VDM v2
    assert out.splitlines()[0] == "REC: VDM v2 partial -> supported"
    assert "src/v0/destinations/rec/transform.js:1:" in out
    _, out, _ = run(capsys, "HEAD~1", "HEAD", "defs", "--transformer", f"t0:{code.root}/src")
    assert out.splitlines()[0] == "REC: VDM v2 not supported -> partial"
    # the folder as it is on disk (no handler in the working tree)
    _, out, _ = run(capsys, "HEAD~1", "HEAD", "defs", "--transformer", str(code.root))
    assert out.splitlines()[0] == "REC: VDM v2 not supported -> partial"
    code_rc, _, err = run(capsys, "HEAD~1", "HEAD", "defs", "--transformer", f"zz:{code.root}")
    assert code_rc == 2 and "unknown revision 'zz'" in err


def test_unreadable_transformer_file_is_a_warning_not_a_difference(
    with_code: tuple[Repo, Repo], capsys: pytest.CaptureFixture[str]
) -> None:
    _defs, code = with_code
    code.write("src/v0/destinations/rec/procWorkflow.yaml", "steps: [\n  - name: x\n")
    code.write("src/v0/destinations/rec/transform.js", "if (t === 'record') {}\n")
    code.commit("broken workflow")
    rc, out, err = run(capsys, "HEAD~1", "HEAD", "defs", "--transformer", f"HEAD:{code.root}")
    assert rc == 0
    assert out.splitlines()[0] == "REC: VDM v2 partial -> supported"
    assert err.startswith("capcheck: warning: src/v0/destinations/rec/procWorkflow.yaml:")
    assert "invalid YAML" in err


def test_transformer_at_revision_matches_the_scan_of_a_checkout(
    with_code: tuple[Repo, Repo], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The git reader and the folder scanner see the same hits (real detectors, real
    fixture code committed into a repository)."""
    import shutil

    from conftest import CORE

    repo = Repo(tmp_path / "core-transformer")
    shutil.copytree(CORE / "transformer" / "src", repo.root / "src")
    repo.commit("code")
    from capcheck.load.gitrev import git_transformer
    from capcheck.load.transformer import scan_destination

    tree = git_transformer(f"HEAD:{repo.root}")
    for folder in sorted((CORE / "defs").iterdir()):
        names = [folder.name]
        on_disk = scan_destination(repo.root / "src", names)
        in_git = tree.scan(names)
        assert in_git.folders == on_disk.folders
        assert in_git.files_scanned == on_disk.files_scanned
        relative = [(h.event_type, str(Path(h.location.file).relative_to(repo.root)),
                     h.location.line, h.location.column, h.snippet) for h in on_disk.hits]
        assert [(h.event_type, h.location.file, h.location.line, h.location.column,
                 h.snippet) for h in in_git.hits] == relative


def test_paths_with_spaces_and_unicode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    r = Repo(tmp_path / "odd repo")
    r.write("my defs/a b/db-config.json", definition("AB"))
    r.write("my defs/a b/schema.json", "{}\n")
    r.write("my defs/ünï 1/db-config.json", definition("UNI"))
    r.commit("a")
    r.write("my defs/a b/db-config.json", definition("AB", visual=True))
    (r.root / "my defs" / "a b" / "schema.json").unlink()
    r.write("my defs/ünï 1/db-config.json", definition("UNI", sources=("warehouse",)))
    r.commit("b")
    monkeypatch.chdir(r.root)
    code, out, _ = run(capsys, "HEAD~1", "HEAD", "my defs")
    assert code == 0
    assert "AB: VDM v1 not supported -> supported" in out.splitlines()
    assert "UNI: RETL not supported -> supported" in out.splitlines()
    assert "    HEAD: my defs/ünï 1/db-config.json:" in out


def test_runs_from_a_pre_push_hook(repo: Repo, tmp_path: Path) -> None:
    """The README's pre-push recipe, installed in a clone: a push that loses a
    capability is refused, one that gains is let through."""
    import sys

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    hook = readme.split("A pre-push hook")[1].split("```sh\n")[1].split("```")[0]
    hook = hook.replace("src/configurations/destinations", "defs")
    remote = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo.root), str(remote))
    git(repo.root, "remote", "add", "origin", str(remote))
    git(repo.root, "fetch", "-q", "origin")
    git(repo.root, "checkout", "-q", "-B", "main", "c0")
    git(repo.root, "push", "-q", "-f", "origin", "main")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    launcher = bindir / "capcheck"
    launcher.write_text(f"#!/bin/sh\nexec {sys.executable} -m capcheck \"$@\"\n",
                        encoding="utf-8")
    launcher.chmod(0o755)
    hooks = repo.root / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    (hooks / "pre-push").write_text(hook, encoding="utf-8")
    (hooks / "pre-push").chmod(0o755)
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}

    def push() -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", "push", "-q", "origin", "main"], cwd=repo.root, env=env,
                              capture_output=True, text=True, check=False)

    git(repo.root, "reset", "-q", "--hard", "c1")  # the flag flip: VDM v1 lost
    refused = push()
    assert refused.returncode != 0
    assert "GAMMA: VDM v1 supported -> not supported" in refused.stdout + refused.stderr
    assert "loses a capability" in refused.stderr
    git(repo.root, "push", "-q", "--no-verify", "origin", "main")
    git(repo.root, "reset", "-q", "--hard", "c2")  # warehouse added: a gain
    allowed = push()
    assert allowed.returncode == 0, allowed.stderr


def test_repository_that_is_one_destination(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    r = Repo(tmp_path / "solo")
    r.write("db-config.json", definition("SOLO"))
    r.commit("a")
    r.write("db-config.json", definition("SOLO", visual=True))
    r.commit("b")
    monkeypatch.chdir(r.root)
    code, out, _ = run(capsys, "HEAD~1", "HEAD", "--format", "json")
    doc = json.loads(out)
    assert code == 0
    assert doc["changed"][0]["destination"] == "solo"
    assert doc["changed"][0]["changes"][0]["afterVerdict"]["evidence"][0]["file"] == (
        "db-config.json")
