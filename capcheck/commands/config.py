"""Configuration of ``capcheck check`` / ``capcheck lock``.

Where it comes from (first found wins, nothing is merged):

1. ``--config FILE`` (a ``.capcheck.yaml``-style YAML file, or a pyproject.toml whose
   ``[tool.capcheck]`` table is used); ``--no-config`` skips configuration entirely.
2. Otherwise, walking up from the working directory, in each folder: ``.capcheck.yaml``,
   then ``.capcheck.yml``, then ``pyproject.toml`` *if it has a* ``[tool.capcheck]``
   table (a pyproject.toml without one is passed over, as ruff does).

The command line wins over any key of the file. Relative paths in the file (``paths``,
``lock``, ``transformer``, ``output-file``) are relative to the folder that holds it.
A bad file is a ``ConfigError`` carrying ``file:line``: the command prints one line and
exits 2.
"""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path
from typing import Any

from capcheck.escape import cut, short_repr, terminal
from capcheck.model import Location
from capcheck.records import dataclass, field
from capcheck.render import CHECK_FORMATS

YAML_NAMES = (".capcheck.yaml", ".capcheck.yml")
PYPROJECT = "pyproject.toml"
SEVERITIES = ("error", "warning", "info")
OUTPUT_FORMATS = tuple(CHECK_FORMATS)
KEYS = (
    "paths", "select", "ignore", "per-destination-ignores", "fail-on", "output-format",
    "output-file", "lock", "transformer",
)


class ConfigError(Exception):
    """A configuration problem, with the place it was found."""

    def __init__(self, location: Location, message: str) -> None:
        super().__init__(f"{location.short()}: {message}")
        self.location = location
        self.message = message


@dataclass
class Config:
    """Settings from a file; ``None`` / empty means "not set" (the default applies)."""

    source: Path | None = None
    paths: list[Path] = field(default_factory=list)
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    per_destination_ignores: dict[str, list[str]] = field(default_factory=dict)
    fail_on: str | None = None
    output_format: str | None = None
    output_file: Path | None = None
    lock: Path | None = None
    transformer: Path | None = None
    # key -> Location in the file, so later checks (e.g. unknown codes) can name a line
    locations: dict[str, Location] = field(default_factory=dict)

    def location(self, key: str) -> Location:
        return self.locations.get(key, Location(str(self.source or "<config>")))


def find_config(start: Path | None = None) -> Path | None:
    """The configuration file that applies to ``start`` (default: the working directory)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for name in YAML_NAMES:
            candidate = folder / name
            # not only regular files: a FIFO or device here is reported, not skipped
            if candidate.exists() and not candidate.is_dir():
                return _display(candidate)
        pyproject = folder / PYPROJECT
        if pyproject.is_file() and _has_tool_table(pyproject):
            return _display(pyproject)
    return None


def _display(path: Path) -> Path:
    """Relative to the working directory when below it (messages name it short)."""
    try:
        return path.relative_to(Path.cwd().resolve())
    except ValueError:
        return path


_TOOL_HEADER = re.compile(r"^\s*\[\s*tool\s*\.\s*capcheck\s*[\].]", re.MULTILINE)


def _has_tool_table(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return bool(_TOOL_HEADER.search(text))


def load_config(path: Path) -> Config:
    """Read and validate one configuration file; raises ConfigError."""
    if path.name.endswith(".toml"):
        data, locate = _read_toml(path)
    else:
        data, locate = _read_yaml(path)
    return _build(path, data, locate)


# -- readers ------------------------------------------------------------------------


class _Locator:
    """Finds the line of a key, for error messages."""

    def __init__(self, path: Path, positions: dict[str, tuple[int, int]]) -> None:
        self.path, self.positions = path, positions

    def __call__(self, *keys: str) -> Location:
        from capcheck.load.jsondoc import pointer
        from capcheck.load.yamldoc import locate

        return locate(self.path, self.positions, pointer(*keys))


def _read_yaml(path: Path) -> tuple[Any, _Locator]:
    from capcheck.load.yamldoc import load_yaml
    from capcheck.model import LoadError

    doc = load_yaml(path)
    if isinstance(doc, LoadError):
        raise ConfigError(doc.location, doc.message)
    data = {} if doc.data is None else doc.data
    return data, _Locator(path, doc.positions)


def _toml_module() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    try:  # pragma: no cover - exercised on Python 3.10 only
        import tomli

        return tomli
    except ImportError:  # pragma: no cover
        return None


_TOML_ERROR_AT = re.compile(r"\(at line (\d+), column (\d+)\)")
_TOML_TABLE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$")
_TOML_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.\-]+)\s*=""")


def _read_toml(path: Path) -> tuple[Any, _Locator]:
    toml = _toml_module()
    if toml is None:  # pragma: no cover - Python 3.10 without tomli
        raise ConfigError(
            Location(str(path)),
            "reading pyproject.toml needs Python 3.11+ or the `tomli` package; "
            "use .capcheck.yaml instead",
        )
    from capcheck.load.files import FileProblem, read_text

    try:
        text = read_text(path)
    except FileNotFoundError:
        raise ConfigError(Location(str(path)), "file not found") from None
    except FileProblem as exc:
        raise ConfigError(Location(str(path)), str(exc)) from None
    try:
        doc = toml.loads(text)
    except toml.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_ERROR_AT.search(message)
        line = int(match.group(1)) if match else None
        column = int(match.group(2)) if match else None
        if "end of document" in message:
            line = text.count("\n") + 1
            column = len(text) - (text.rfind("\n") + 1) + 1
        reason = cut(terminal(_TOML_ERROR_AT.sub("", message).strip()), 200)
        raise ConfigError(
            Location(str(path), line=line, column=column), f"invalid TOML: {reason}"
        ) from None
    tool = doc.get("tool", {})
    data = tool.get("capcheck", {}) if isinstance(tool, dict) else {}
    return data, _Locator(path, _toml_positions(text))


def _toml_positions(text: str) -> dict[str, tuple[int, int]]:
    """Lines of the keys under ``[tool.capcheck]`` (and its sub-tables), for messages.

    tomllib keeps no positions; this line scan covers the layouts a configuration
    table uses (``key = value`` lines, ``[tool.capcheck.sub]`` tables, one-line
    inline tables). Keys it cannot place fall back to the table header's line.
    """
    positions: dict[str, tuple[int, int]] = {}
    table: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        header = _TOML_TABLE.match(line)
        if header and not line.lstrip().startswith("[["):
            name = re.sub(r"\s*\.\s*", ".", header.group(1))
            table = None
            if name == "tool.capcheck" or name.startswith("tool.capcheck."):
                table = "/" + "/".join(_unquote(p) for p in name.split(".")[2:])
                table = table.rstrip("/")
                positions.setdefault(table, (number, 1))
            continue
        if table is None:
            continue
        key = _TOML_KEY.match(line)
        if key:
            parts = [_unquote(p) for p in re.split(r"\.(?=(?:[^\"']|\"[^\"]*\"|'[^']*')*$)",
                                                   key.group(1))]
            ptr = table + "".join("/" + p for p in parts)
            positions.setdefault(ptr, (number, line.index(key.group(1)) + 1))
            # keys of a one-line inline table: `per-destination-ignores = { a = [..] }`
            rest = line[key.end():]
            for inner in re.finditer(r"""[{,]\s*("[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)\s*=""", rest):
                positions.setdefault(
                    f"{ptr}/{_unquote(inner.group(1))}",
                    (number, key.end() + inner.start(1) + 1),
                )
    return positions


def _unquote(token: str) -> str:
    token = token.strip()
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "\"'":
        return token[1:-1]
    return token


# -- validation ------------------------------------------------------------------


def _build(path: Path, data: Any, locate: _Locator) -> Config:
    if not isinstance(data, dict):
        raise ConfigError(locate(), "expected a mapping of settings at the top level")
    base = path.parent
    config = Config(source=path)
    for key, value in data.items():
        where = locate(str(key))
        config.locations[str(key)] = where
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), KEYS, n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            known = ", ".join(KEYS)
            raise ConfigError(where, f"unknown setting `{cut(terminal(str(key)))}`{hint}; "
                                     f"known: {known}")
        if key == "paths":
            config.paths = [base / p for p in _str_list(value, where, key, allow_str=True)]
        elif key == "select":
            config.select = _codes(value, where, key)
            if not config.select:
                raise ConfigError(where, f"`select` is empty; {EMPTY_SELECTION}")
        elif key == "ignore":
            config.ignore = _codes(value, where, key)
        elif key == "per-destination-ignores":
            if not isinstance(value, dict):
                raise ConfigError(where, f"`{key}` must be a table of destination -> codes")
            for dest, codes in value.items():
                inner = locate(str(key), str(dest))
                config.locations[f"{key}/{dest}"] = inner
                config.per_destination_ignores[str(dest)] = _codes(codes, inner, f"{key}.{dest}")
        elif key == "fail-on":
            config.fail_on = _choice(value, SEVERITIES, where, key)
        elif key == "output-format":
            config.output_format = _choice(value, OUTPUT_FORMATS, where, key)
        elif key in ("output-file", "lock", "transformer"):
            if not isinstance(value, str) or not value:
                raise ConfigError(where, f"`{key}` must be a path (a non-empty string)")
            setattr(config, key.replace("-", "_"), base / value)
    return config


def _str_list(value: Any, where: Location, key: str, allow_str: bool = False) -> list[str]:
    if allow_str and isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(where, f"`{key}` must be a list of strings")
    return list(value)


def _codes(value: Any, where: Location, key: str) -> list[str]:
    if isinstance(value, str):  # "CAP1, CAP2" is accepted like the command line
        value = split_codes(value)
    codes = _str_list(value, where, key)
    for code in codes:
        if not CODE_PATTERN.fullmatch(code.strip()):
            raise ConfigError(where, f"`{key}`: {short_repr(code)} is not a rule code or prefix")
    return [c.strip().upper() for c in codes]


def _choice(value: Any, choices: tuple[str, ...], where: Location, key: str) -> str:
    if value not in choices:
        raise ConfigError(where, f"`{key}` must be one of {', '.join(choices)}; "
                                 f"got {short_repr(value)}")
    return str(value)


CODE_PATTERN = re.compile(r"(?i)ALL|[A-Z]+[0-9]*")
EMPTY_SELECTION = ("name rule codes or prefixes, or ALL (an empty selection would turn "
                   "the gate off)")


def option_codes(values: list[str] | None, option: str) -> list[str] | None:
    """The codes of a repeatable ``--select``-like option (``None`` when not given).
    A value that names no code (``''``, ``' , '``) is a usage error (ValueError) for
    ``--select``: it would select nothing and turn the gate off."""
    if values is None:
        return None
    codes: list[str] = []
    for value in values:
        found = split_codes(value)
        if not found and option == "--select":
            raise ValueError(f"{option} {short_repr(value)} names no rule; {EMPTY_SELECTION}")
        codes.extend(found)
    return codes


def split_codes(text: str) -> list[str]:
    """``"CAP1, CAP105"`` -> ``["CAP1", "CAP105"]`` (comma and/or space separated)."""
    return [part.upper() for part in re.split(r"[,\s]+", text) if part]


def resolve(path: Path | None, disabled: bool) -> Config:
    """The configuration for a command: ``--config FILE``, none with ``--no-config``,
    else the file found upward from the working directory. Raises ConfigError."""
    if disabled:
        return Config()
    if path is not None:
        if not path.exists() or path.is_dir():
            raise ConfigError(Location(str(path)), "configuration file not found")
        return load_config(path)
    found = find_config()
    return load_config(found) if found is not None else Config()
