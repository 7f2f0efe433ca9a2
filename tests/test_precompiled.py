"""Start-up work done at build time (``capcheck.precompiled``, ``data/precompiled.bin``).

What the file hands over must be exactly what compiling gives (else capcheck would run
other code than its source says), it must cover what capcheck's own modules compile
(else it is stale), and a file that cannot be used must change nothing.
"""

from __future__ import annotations

import ast
import builtins
import json
import marshal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from capcheck import precompiled, records


def _stored() -> dict[str, Any]:
    data = precompiled.read()
    if data is None:
        pytest.skip("capcheck/data/precompiled.bin was made for another interpreter "
                    "(`python -m capcheck.precompiled` writes it for this one)")
    return data


def _python(code: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_every_stored_method_is_what_compiling_its_text_gives() -> None:
    data = _stored()
    assert len(data["code"]) > 40
    for key, code in data["code"].items():
        text = records.source(ast.literal_eval(key))
        assert marshal.loads(code) == builtins.compile(text, "<capcheck.records>", "exec",
                                                       dont_inherit=True), text


def test_the_file_was_made_by_this_records_module() -> None:
    """Else its entries are not used (a changed ``source`` could make other methods for
    the same shapes): run `python -m capcheck.precompiled`."""
    data = _stored()
    assert data["makers"] == {"capcheck.records": Path(records.__file__).read_bytes()}


def test_every_stored_pattern_is_what_re_compiles() -> None:
    import _sre
    from re import _compiler  # type: ignore[attr-defined]

    data = _stored()
    assert len(data["patterns"]) > 50
    for text, flags, final, program, groups, groupindex, indexgroup in data["patterns"]:
        made = _sre.compile(text, final, program, groups, groupindex, indexgroup)
        fresh = _compiler.compile(text, flags)
        assert made == fresh, text  # same pattern, flags and compiled program
        assert (made.groups, made.groupindex) == (fresh.groups, fresh.groupindex)


_COLLECT = """
import json
from capcheck import precompiled
precompiled.LIBRARIES = ()  # capcheck's own work only: libraries' versions may differ
data = precompiled.collect(everyone=False)  # what the standard modules make varies
print(json.dumps({"texts": sorted(data["code"]),
                  "patterns": [[repr(p[0]), p[1]] for p in data["patterns"]]}))
"""


def test_the_file_covers_what_capchecks_modules_compile() -> None:
    data = _stored()
    fresh = json.loads(_python(_COLLECT))
    stale = "stale: run `python -m capcheck.precompiled` and commit capcheck/data/precompiled.bin"
    assert len(fresh["texts"]) > 40 and len(fresh["patterns"]) > 30
    assert set(fresh["texts"]) <= set(data["code"]), stale
    stored = {(repr(p[0]), p[1]) for p in data["patterns"]}
    assert {(p, f) for p, f in fresh["patterns"]} <= stored, stale


def test_yaml_patterns_are_there_too() -> None:
    data = _stored()
    texts = {p[0] for p in data["patterns"]}
    import yaml.reader

    assert yaml.reader.Reader.NON_PRINTABLE.pattern in texts  # 10 ms to compile


_USED = """
import marshal, re, sys
from capcheck import precompiled
precompiled.install()
asked = []
real = precompiled.compile_text
precompiled.compile_text = lambda text: asked.append(text) or real(text)
from capcheck import records
from capcheck.model import LoadError, Location
assert not asked, asked  # capcheck's own record shapes all come from the file
key = repr(records.shape(records.fields(LoadError), True, False))
stored = marshal.loads(precompiled._code[key])
assert LoadError.__init__.__code__ in stored.co_consts[0].co_consts
a = LoadError(Location("f.json", 1, 2), "bad")
b = LoadError(Location("f.json", 1, 2), "bad")
assert a == b and hash(a.location) == hash(b.location) and "bad" in repr(a)
try:
    a.message = "x"  # frozen
except records.FrozenInstanceError:
    pass
else:
    raise SystemExit("not frozen")
try:
    LoadError()
except TypeError as exc:
    assert "missing" in str(exc)
else:
    raise SystemExit("no TypeError")

@records.dataclass(frozen=True)
class New:  # a shape the file does not hold: compiled as usual
    a_number_nobody_else_has: int = 3
assert New() == New(3) and repr(New()) == "New(a_number_nobody_else_has=3)"
assert len(asked) == 1
import yaml.reader
assert yaml.reader.Reader.NON_PRINTABLE.search("a\\x01") is not None
print("ok")
"""


def test_installed_the_classes_and_patterns_behave_as_compiled() -> None:
    _stored()
    assert _python(_USED).strip() == "ok"


@pytest.mark.parametrize("damage", ["other interpreter", "truncated", "empty", "garbage"])
def test_a_file_that_cannot_be_used_changes_nothing(tmp_path: Path, damage: str) -> None:
    blob = Path(precompiled.FILE).read_bytes()
    head, _, body = blob.partition(b"\n")
    broken = {
        "other interpreter": head.replace(b"capcheck-precompiled 1", b"capcheck-precompiled 0")
        + b"\n" + body,
        "truncated": head + b"\n" + body[: len(body) // 2],
        "empty": b"",
        "garbage": head + b"\n" + b"\x00not marshal",
    }[damage]
    path = tmp_path / "precompiled.bin"
    path.write_bytes(broken)
    assert precompiled.read(str(path)) is None
    assert precompiled.read(str(tmp_path / "missing.bin")) is None
    out = _python("import sys\nfrom capcheck import precompiled\n"
                  "precompiled.install(sys.argv[1])\n"
                  "from capcheck.model import Location\n"
                  "print(bool(precompiled._code), Location('f', 1) == Location('f', 1))",
                  str(path))
    assert out.split() == ["False", "True"]


_DAMAGED_ENTRIES = """
import marshal, sys
from capcheck import precompiled
data = precompiled.read()
precompiled._installed = True
precompiled._code = {text: b"\\x00broken" for text in data["code"]}
precompiled._code.update({text: marshal.dumps(3) for text in list(data["code"])[::2]})
data["patterns"] = [(p[0], p[1], p[2], [999999], p[4], p[5], p[6]) for p in data["patterns"]]
precompiled._install_patterns(data["patterns"])
from capcheck.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


def test_damaged_entries_are_compiled_as_usual() -> None:
    _stored()
    done = subprocess.run([sys.executable, "-c", _DAMAGED_ENTRIES, "matrix", "--format", "json"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rows"]


_RUN = """
import sys
from capcheck import precompiled
if sys.argv[1] == "off":
    precompiled._installed = True  # as if already done: nothing is handed over
from capcheck.cli import main
code = main(sys.argv[2:])
sys.stdout.flush()
raise SystemExit(code)
"""


@pytest.mark.parametrize("command", [["matrix", "--format", "json"], ["audit", "--format", "json"],
                                     ["check", "--output-format", "json"]])
def test_commands_say_the_same_with_and_without_it(command: list[str]) -> None:
    _stored()
    runs = []
    for mode in ("on", "off"):
        done = subprocess.run([sys.executable, "-c", _RUN, mode, *command], capture_output=True,
                              text=True, check=False)
        runs.append((done.returncode, done.stdout, done.stderr))
    assert runs[0] == runs[1]
    assert runs[0][1]


_IMPORTED = """
import contextlib, io, sys
from capcheck.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
print(code, *(name in sys.modules for name in ("inspect", "typing", "copy")))
"""


@pytest.mark.parametrize("command", [["matrix", "--format", "json"], ["audit"]])
def test_the_main_commands_import_neither_inspect_nor_typing(command: list[str]) -> None:
    """Records are made without them (8 ms and 4 ms of start-up), and dataclasses (for
    orjson) without copy."""
    assert _python(_IMPORTED, *command).split() == ["0", "False", "False", "False"]


_DEFERRED = """
import sys
from capcheck import precompiled
precompiled.install()
import dataclasses
assert "inspect" not in sys.modules and "copy" not in sys.modules
import inspect, copy
assert inspect.signature is dataclasses.inspect.signature  # the stand-in forwards
assert copy.deepcopy is dataclasses.copy.deepcopy
assert type(sys.modules["inspect"]) is type(sys) and inspect.__spec__ is not None
assert type(sys.modules["copy"]) is type(sys)

@dataclasses.dataclass
class Undocumented:  # no docstring: dataclasses writes its signature there (inspect)
    count: int
print(Undocumented.__doc__)
"""


def test_inspect_is_imported_only_when_used() -> None:
    assert _python(_DEFERRED).strip() == "Undocumented(count: int)"
    # imported by someone else first: nothing is deferred, the real module is used
    code = ("import inspect, sys\nfrom capcheck import precompiled\nprecompiled.install()\n"
            "import dataclasses\nprint(dataclasses.inspect is inspect)")
    assert _python(code).strip() == "True"


_MISSES = """
import contextlib, io, re, sys
from capcheck import precompiled
precompiled.install()
misses = []
real = re._compile
def watching(pattern, flags):
    key = (type(pattern), pattern, getattr(flags, "value", flags))
    if isinstance(pattern, (str, bytes)) and key not in re._cache:
        misses.append(pattern)
    return real(pattern, flags)
re._compile = watching
from capcheck.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
print(code, misses)
"""


@pytest.mark.parametrize("command", [["matrix", "--format", "json"], ["audit"],
                                     ["check", "--no-config"]])
def test_a_run_compiles_no_pattern_itself(command: list[str]) -> None:
    """Not even those argparse makes while parsing (its usage line, its argument
    patterns): `python -m capcheck.precompiled` runs the commands to find them."""
    _stored()
    out = _python(_MISSES, *command).strip()
    assert out.endswith(" []"), out


def test_the_file_holds_no_pattern_another_process_would_not_make() -> None:
    """A pattern built from a set's order (tokenize's string prefixes) is another text
    under other string hashes: such a pattern would never be used, and would make the
    file differ every time it is written."""
    data = _stored()
    elsewhere = precompiled._pattern_keys("12345")
    assert {(p[0], p[1]) for p in data["patterns"]} <= elsewhere


_PATHLIB = """
import sys
sys.path.insert(0, sys.argv[1])  # (python -S: no site, so nothing imported pathlib yet)
assert "pathlib" not in sys.modules and "urllib.parse" not in sys.modules
from capcheck import precompiled
precompiled.install()
assert "pathlib" in sys.modules and "urllib.parse" not in sys.modules, sorted(sys.modules)
assert "ipaddress" not in sys.modules
import pathlib
uri = pathlib.PurePosixPath("/tmp/a b%").as_uri()  # the stand-in imports the real module
import urllib.parse
assert type(sys.modules["urllib.parse"]) is type(sys) and urllib.parse.__spec__ is not None
assert urllib.parse.urlparse(uri).path == "/tmp/a%20b%25"
print(uri)
"""


def test_pathlib_is_imported_without_urllib_parse() -> None:
    root = str(Path(precompiled.__file__).resolve().parent.parent)
    done = subprocess.run([sys.executable, "-S", "-c", _PATHLIB, root], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "file:///tmp/a%20b%25"


def test_a_stand_in_is_no_package_and_imports_nothing_for_its_dunders() -> None:
    stand_in = precompiled._Deferred("no_such_module_here")
    assert not hasattr(stand_in, "__path__") and not hasattr(stand_in, "__file__")
    with pytest.raises(ModuleNotFoundError):
        stand_in.anything  # noqa: B018 - the real module is imported when a name is read
