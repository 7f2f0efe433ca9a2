"""Start-up work done once, when capcheck is built, instead of on every run.

Before a command reads anything, two kinds of work give the same result on every run:

- ``capcheck.records`` writes the methods of each record class as source text and
  compiles it: about 70 classes;
- the regular expressions that capcheck, its libraries and the standard modules they
  import make when imported are parsed and compiled by ``re``'s pure-Python compiler:
  about 45 ms (10 ms for one of PyYAML's, 4 ms for ``platform``'s, which orjson imports).

``capcheck/data/precompiled.bin`` holds their compiled forms, keyed by what they are
compiled from: a record class's shape (the methods' text is made from it, by the source
of ``capcheck.records`` that the file keeps a copy of), a pattern's text and flags.
``install()`` (run by ``capcheck.cli.main`` before a command is imported) reads them, so
that ``compiled(...)`` gives the stored form for a shape that is there without making
its text (a shape that is not, from a changed class, or any shape once
``capcheck.records`` has changed, is compiled as usual), and puts the patterns in
``re``'s cache before anything asks for them. The file holds compiled code for one
interpreter only (its version, bytecode and regex engine versions and optimisation
level head the file); under any other, none of it is used and everything is compiled
as without it. What is handed over is what compiling would make: a test compares every
entry with a fresh compile, and fails when the file is stale for this interpreter.

``install()`` also defers three imports. ``pathlib`` imports ``urllib.parse`` (with
``ipaddress``, 3 ms) for ``Path.as_uri`` alone. orjson imports ``dataclasses``, which imports
``inspect`` (with ``ast``, ``dis`` and ``tokenize``, 8 ms) for a single use, the
signature it writes as the docstring of a class that has none, and ``copy`` (with
``weakref``, 1.5 ms) for ``asdict``. They are given stand-ins that import the real
modules when that happens. (``importlib.util.LazyLoader`` cannot do it: an
``import`` statement reads the module's ``__spec__``, which runs it.)

``python -m capcheck.precompiled`` writes the file again (after changing how records are
written or a pattern made at import; an out-of-date file only costs start-up time).
"""

from __future__ import annotations

import builtins
import marshal
import os
import sys
import types

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar

    T = TypeVar("T")

FILE = os.path.join(os.path.dirname(__file__), "data", "precompiled.bin")

# The modules whose import-time work the file holds, besides every capcheck module (and,
# for patterns, every module that importing them imports).
LIBRARIES = ("yaml", "jsonschema", "tabulate", "orjson", "simdjson")

# The modules whose texts ``compiled`` is given (their source is kept with the file).
MAKERS = ("capcheck.records",)

_installed = False
_code: dict[str, bytes] = {}  # key -> its text's marshalled code (once installed)
_makers: dict[str, bytes] = {}  # module -> the source of it that the texts were made by
_checked: dict[str, bool] = {}  # module -> whether its source is still that
_recording: dict[str, str] | None = None  # key -> text ``compiled`` is asked for (collect)


def interpreter_tag() -> bytes:
    """The first line of the file: what its compiled forms are valid for."""
    import _sre
    try:  # what importlib.util re-exports, without importing it (1-2 ms)
        from _frozen_importlib_external import MAGIC_NUMBER
    except ImportError:  # pragma: no cover - an interpreter without it
        from importlib.util import MAGIC_NUMBER

    major, minor, micro = sys.version_info[:3]
    return (f"capcheck-precompiled 1 {sys.implementation.name} {major}.{minor}.{micro} "
            f"{MAGIC_NUMBER.hex()} sre {_sre.MAGIC} {_sre.CODESIZE} "
            f"optimize {sys.flags.optimize}\n").encode("ascii")


def read(path: str = FILE) -> dict[str, Any] | None:
    """The file's content (``{"code": {key: marshalled code}, "makers": {module: its
    source}, "patterns": [...]}``), or None when it is missing, unreadable or made for
    another interpreter."""
    try:
        with open(path, "rb") as handle:
            blob = handle.read()
    except OSError:
        return None
    head, _, body = blob.partition(b"\n")
    if head + b"\n" != interpreter_tag():
        return None
    try:
        data = marshal.loads(body)
    except (EOFError, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("code"), dict) \
            or not isinstance(data.get("makers"), dict) \
            or not isinstance(data.get("patterns"), list):
        return None
    return data


def install(path: str = FILE) -> None:
    """Use the file's compiled forms in this process (once; nothing when unusable)."""
    global _installed, _code, _makers
    if _installed:
        return
    _installed = True
    # dataclasses (which orjson imports): inspect for the signature of a class without
    # a docstring, copy (with weakref) for asdict; pathlib: urllib.parse (with
    # ipaddress) for Path.as_uri.
    _import_with_stand_ins("dataclasses", [_Deferred("inspect"), _Deferred("copy")])
    _import_with_stand_ins("pathlib", [_Deferred("urllib.parse", ("quote_from_bytes",))])
    data = read(path)
    if data is None:
        return
    _code, _makers = data["code"], data["makers"]
    _install_patterns(data["patterns"])


def _import_with_stand_ins(module: str, stand_ins: list[_Deferred]) -> None:
    """Import ``module`` while ``stand_ins`` are in ``sys.modules`` in place of the modules
    it imports for a rare use (then removed: anyone else importing them gets the real
    ones). Nothing is deferred once ``module`` or any of them is imported."""
    if module in sys.modules or any(stand_in.__name__ in sys.modules for stand_in in stand_ins):
        return
    for stand_in in stand_ins:
        sys.modules[stand_in.__name__] = stand_in
    try:
        __import__(module)
    finally:
        for stand_in in stand_ins:
            if sys.modules.get(stand_in.__name__) is stand_in:
                del sys.modules[stand_in.__name__]


class _Deferred(types.ModuleType):
    """A module that is imported when one of its attributes is first read (the real
    one, also while this stand-in is still in ``sys.modules``). Its own dunder names
    are not: the import system asks for ``__path__`` (whether it is a package). Each of
    ``calls`` is a function that imports the real module when called, for a module
    that reads it at import (``from urllib.parse import quote_from_bytes``)."""

    def __init__(self, name: str, calls: tuple[str, ...] = ()) -> None:
        super().__init__(name)
        for call in calls:
            setattr(self, call, self._forwarding(call))

    def _forwarding(self, call: str) -> Callable[..., Any]:
        def forward(*args: Any, **kwargs: Any) -> Any:
            import importlib

            return getattr(importlib.import_module(self.__name__), call)(*args, **kwargs)

        return forward

    def __getattr__(self, attribute: str) -> Any:
        import importlib

        if attribute.startswith("__") and attribute.endswith("__"):
            raise AttributeError(attribute)
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), attribute)


def compiled(key: str, make: Callable[[T], str], argument: T) -> types.CodeType:
    """The code of the text ``make(argument)`` (``exec`` mode), which ``key`` stands for:
    the file's form of it when installed and there (then the text is not made). The
    file's forms of a module's texts are used only while that module's source is the
    one they were made by: a changed ``make`` could make other texts for the same keys."""
    if _recording is not None:
        _recording[key] = make(argument)
    stored = _code.get(key) if _unchanged(make.__module__) else None
    if stored is not None:  # unmarshalled when used
        try:
            code = marshal.loads(stored)
        except (EOFError, ValueError, TypeError):  # a damaged entry: the text
            code = None
        if type(code) is types.CodeType:
            return code
    return compile_text(make(argument))


def _unchanged(module: str) -> bool:
    """Whether ``module``'s source is the one the file's texts were made by."""
    same = _checked.get(module)
    if same is None:
        source = _source(module)
        same = _checked[module] = source is not None and source == _makers.get(module)
    return same


def _source(module: str) -> bytes | None:
    path = getattr(sys.modules.get(module), "__file__", None)
    if not isinstance(path, str) or not path.endswith(".py"):
        return None
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def compile_text(text: str) -> types.CodeType:
    """What the file holds for ``text``: it compiled without this module's ``__future__``
    flags (``from __future__ import annotations`` would make annotations strings)."""
    return builtins.compile(text, "<capcheck.records>", "exec", dont_inherit=True)


def _install_patterns(patterns: list[tuple[Any, ...]]) -> None:
    """Put the compiled patterns in ``re``'s cache, where ``re.compile`` looks first."""
    import _sre
    import re

    cache = getattr(re, "_cache", None)
    if not isinstance(cache, dict):
        return
    try:
        for text, flags, final_flags, program, groups, groupindex, indexgroup in patterns:
            key = (type(text), text, flags)
            if key not in cache:
                cache[key] = _sre.compile(text, final_flags, program, groups, groupindex,
                                          indexgroup)
    except (TypeError, ValueError, RuntimeError):  # a damaged entry (_sre checks the
        pass  # program it is given): it and the rest are compiled as usual


# -- making the file (``python -m capcheck.precompiled``) --------------------------------

def collect(everyone: bool = True) -> dict[str, Any]:
    """Import every capcheck module and ``LIBRARIES`` (as a fresh interpreter would),
    recording each text ``compiled`` is asked for and each pattern made meanwhile (only
    those of capcheck and ``LIBRARIES`` unless ``everyone``: the standard modules they
    import make some too), and compile them."""
    import importlib
    import pkgutil
    import re

    import capcheck
    from capcheck import precompiled as installed  # (this file may run as __main__)

    texts: dict[str, str] = {}
    keys: set[tuple[str | bytes, int]] = set()
    real_compile = re._compile  # type: ignore[attr-defined]

    def recording_compile(pattern: Any, flags: Any) -> Any:
        caller = sys._getframe(1)
        while caller.f_back is not None and caller.f_globals.get("__name__") == "re":
            caller = caller.f_back
        if isinstance(pattern, (str, bytes)) \
                and (everyone or _ours(caller.f_globals.get("__name__"))):
            keys.add((pattern, int(flags)))
        return real_compile(pattern, flags)

    installed._recording = texts
    installed._installed = True  # what main() would install is what is being made
    re._compile = recording_compile  # type: ignore[attr-defined]
    try:
        modules = sorted(m.name for m in pkgutil.walk_packages(capcheck.__path__, "capcheck.")
                         if not m.name.endswith(".__main__"))  # that one runs the CLI
        for module in [*modules, *LIBRARIES]:
            _try_import(importlib.import_module, module)
        if everyone:
            _run_commands()
    finally:
        re._compile = real_compile  # type: ignore[attr-defined]
        installed._recording = None
    code = {key: marshal.dumps(compile_text(texts[key])) for key in sorted(texts)}
    makers = {name: _source(name) for name in MAKERS}
    patterns = [compile_pattern(p, f)
                for p, f in sorted(keys, key=lambda k: (type(k[0]) is bytes, k))
                if not f & re.DEBUG]
    return {"code": code, "makers": makers, "patterns": patterns}


# Commands run on the bundled definitions while collecting: what the command line and
# the commands compile on every run (argparse makes some patterns only when it parses,
# or writes the usage line it keeps for its error messages).
RUNS = (["matrix", "--format", "json"], ["audit", "--format", "json"],
        ["check", "--no-config", "--output-format", "json"])


def _run_commands() -> None:
    import contextlib
    import io

    from capcheck.cli import main

    for argv in RUNS:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            main(argv)


def _ours(module: object) -> bool:
    """Whether ``module`` (a module name) is capcheck's or one of ``LIBRARIES``."""
    return isinstance(module, str) and module.partition(".")[0] in ("capcheck", *LIBRARIES)


def _try_import(importer: Callable[[str], object], name: str) -> None:
    try:
        importer(name)
    except Exception:  # noqa: BLE001 - an optional extra that is not installed
        pass


def compile_pattern(text: str | bytes, flags: int) -> tuple[Any, ...]:
    """What ``re`` gives ``_sre.compile`` for ``re.compile(text, flags)`` (as
    ``re._compiler.compile`` makes it), as stored in the file."""
    from re import _compiler, _parser  # type: ignore[attr-defined]

    parsed = _parser.parse(text, flags)
    program = _compiler._code(parsed, flags)
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    return (text, int(flags), int(flags | parsed.state.flags), [int(op) for op in program],
            parsed.state.groups - 1,
            groupindex, tuple(indexgroup))


def write(path: str = FILE) -> int:
    """Write the file for this interpreter; the number of entries. Only the patterns
    that two fresh interpreters with other string hashes make too are kept: a pattern
    built from a set's order (``tokenize``'s string prefixes) is another text in every
    process, so it would never be used, and would make the file differ each time."""
    data = collect()
    stable = _pattern_keys("1") & _pattern_keys("2")
    data["patterns"] = [p for p in data["patterns"] if (p[0], p[1]) in stable]
    blob = interpreter_tag() + marshal.dumps(data)
    temporary = path + ".tmp"
    with open(temporary, "wb") as handle:
        handle.write(blob)
    os.replace(temporary, path)
    return len(data["code"]) + len(data["patterns"])


def _pattern_keys(hash_seed: str) -> set[tuple[str | bytes, int]]:
    """The (text, flags) of the patterns ``collect`` finds in a fresh interpreter whose
    string hashes come from ``hash_seed``."""
    import subprocess

    program = ("import marshal, sys\nfrom capcheck import precompiled\n"
               "found = precompiled.collect()['patterns']\n"
               "sys.stdout.buffer.write(marshal.dumps([(p[0], p[1]) for p in found]))\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, check=True,
                          env={**os.environ, "PYTHONHASHSEED": hash_seed})
    return {(text, flags) for text, flags in marshal.loads(done.stdout)}


if __name__ == "__main__":
    count = write()
    sys.stdout.write(f"wrote {FILE}: {count} compiled forms\n")
