"""The transformer's own handler aliases: which destinations run another one's code.

rudder-transformer routes some destinations to another destination's handler through
``DestHandlerMap`` in ``src/constants/destinationCanonicalNames.js`` (``ga360 -> ga``,
``salesforce_oauth -> salesforce`` ...; older releases have fewer entries, newer ones
may have more). The map is read from the given tree, never assumed: it is a plain JS
object literal, parsed here without a JS engine (single, double or back quotes, keys
quoted or not, ``//`` and ``/* */`` comments, trailing commas). Anything else inside
the literal (a spread, a computed key, a value that is not a string) makes the map
unreadable: capcheck then looks folders up by name, as without a map, and says why.
"""

from __future__ import annotations

import re
from pathlib import Path

from capcheck.model import Location
from capcheck.records import dataclass, field

# Where the map lives, relative to the transformer's src/ folder (a .ts file is read
# too, should the module ever be converted).
MAP_FILES: tuple[str, ...] = (
    "constants/destinationCanonicalNames.js",
    "constants/destinationCanonicalNames.ts",
)
MAP_NAME = "DestHandlerMap"

_START = re.compile(rf"\b{MAP_NAME}\b\s*(?::[^=;{{]*)?=\s*\{{")
_TOKEN = re.compile(
    r"""(?P<ws>\s+)
      | (?P<line_comment>//[^\n]*)
      | (?P<block_comment>/\*.*?\*/)
      | (?P<string>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\$]|\\.)*`)
      | (?P<ident>[A-Za-z_$][A-Za-z0-9_$]*)
      | (?P<number>\d+)
      | (?P<punct>[:,{}])
      | (?P<other>.)""",
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class HandlerAlias:
    """``name`` (lower-case destination name) runs the handler of ``target``."""

    name: str
    target: str
    line: int


@dataclass
class HandlerAliases:
    """The map read from one transformer tree, or why there is none."""

    file: str | None = None  # e.g. "src/constants/destinationCanonicalNames.js"
    path: Path | None = None  # the file read
    aliases: dict[str, HandlerAlias] = field(default_factory=dict)
    note: str = ""  # set when the map was not found or could not be read

    def lookup(self, names: list[str]) -> HandlerAlias | None:
        for name in names:
            alias = self.aliases.get(name.lower())
            if alias is not None:
                return alias
        return None

    def location(self, alias: HandlerAlias, shown: Path | None = None) -> Location:
        return Location(str(shown or self.path or self.file or ""), alias.line)


class _Unreadable(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


_ESCAPED = re.compile(r"\\(.)")


def _unquote(token: str) -> str:
    return _ESCAPED.sub(r"\1", token[1:-1])


def parse_handler_map(text: str) -> dict[str, HandlerAlias]:
    """The entries of ``DestHandlerMap`` in a JS/TS module's text.

    Raises ValueError (with the line) when there is no such literal or it holds
    anything but ``key: 'string'`` entries.
    """
    try:
        return _parse(text)
    except _Unreadable as problem:
        raise ValueError(f"line {problem.line}: {problem.message}") from None


def _parse(text: str) -> dict[str, HandlerAlias]:
    start = _find_start(text)
    if start is None:
        raise _Unreadable(1, f"no `{MAP_NAME} = {{...}}` object literal found")
    entries: dict[str, HandlerAlias] = {}
    pos = start
    expect = "key"  # key -> colon -> value -> comma-or-close -> key ...
    key = ""
    key_line = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        assert match is not None  # the `other` branch matches any character
        pos = match.end()
        kind = match.lastgroup
        token = match.group()
        line = text.count("\n", 0, match.start()) + 1
        if kind in ("ws", "line_comment", "block_comment"):
            continue
        if expect == "key":
            if token == "}":
                return entries
            if kind in ("ident", "number"):
                key = token
            elif kind == "string" and not token.startswith("`"):
                key = _unquote(token)
            else:
                raise _Unreadable(line, f"unexpected {token!r} where a key belongs")
            key_line, expect = line, "colon"
        elif expect == "colon":
            if token != ":":
                raise _Unreadable(line, f"expected ':' after key `{key}`, found {token!r}")
            expect = "value"
        elif expect == "value":
            if kind != "string":
                raise _Unreadable(line, f"the value of `{key}` is not a string literal")
            entries[key.lower()] = HandlerAlias(key.lower(), _unquote(token), key_line)
            expect = "comma"
        else:  # comma or close
            if token == "}":
                return entries
            if token != ",":
                raise _Unreadable(line, f"expected ',' or '}}' after `{key}`, found {token!r}")
            expect = "key"
    raise _Unreadable(text.count("\n") + 1, f"`{MAP_NAME}` is not closed")


def _find_start(text: str) -> int | None:
    """Offset just after the ``{`` of ``DestHandlerMap = {``, outside comments."""
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        assert match is not None
        if match.lastgroup == "ident" and match.group() == MAP_NAME:
            found = _START.match(text, match.start())
            if found is not None:
                return found.end()
        pos = match.end()
    return None


def read_handler_aliases(src: Path) -> HandlerAliases:
    """The handler aliases of the transformer tree whose ``src/`` folder is ``src``."""
    for relative in MAP_FILES:
        path = src / relative
        if not path.is_file():
            continue
        shown = f"src/{relative}"
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            return HandlerAliases(shown, path, note=f"handler aliases not read ({shown}: "
                                  f"{reason}); folders looked up by destination name")
        try:
            aliases = parse_handler_map(text)
        except ValueError as exc:
            return HandlerAliases(shown, path, note=f"handler aliases not read ({shown}, "
                                  f"{exc}); folders looked up by destination name")
        return HandlerAliases(shown, path, aliases)
    return HandlerAliases(note=f"no handler alias map in this tree (src/{MAP_FILES[0]} not "
                               "found); folders looked up by destination name")
