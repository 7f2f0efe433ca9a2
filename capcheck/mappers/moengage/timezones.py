"""``user_timezone_offset``: the offset of an IANA zone at "now", in seconds.

Production looks the zone up with moment-timezone, which ignores case and treats "/" and
"_" alike, formats the offset as "+HH:mm" and reads the two halves back as numbers. A
negative offset under one hour therefore comes back positive ("-00:30" -> +1800); that is
reproduced here. Zone data comes from the system tz database through ``zoneinfo``.
"""

from __future__ import annotations

import functools
import os
import zoneinfo
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from capcheck.mappers.moengage.errors import MappingError
from capcheck.mappers.moengage.jsvalues import UNDEF, truthy

_SKIP_PREFIXES = ("posix/", "right/")
_SKIP_NAMES = frozenset({"localtime", "posixrules", "Factory"})


def _normal(name: str) -> str:
    return name.lower().replace("/", "_")


@functools.lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    """Every zone name by its normal form: the first name in sorted order that has it
    (the reference :func:`canonical_name` gives the same answers without the listing)."""
    names: dict[str, str] = {}
    for name in sorted(available_timezones()):
        if name.startswith(_SKIP_PREFIXES) or name in _SKIP_NAMES:
            continue
        names.setdefault(_normal(name), name)
    return names


# ---------------------------------------------------------------------------- lookup
#
# ``available_timezones()`` opens every file of the tz database (about 40 ms) to list
# the names once. A lookup needs only the names of one normal form, so the search below
# reads the folders on the way to them: the same walk as ``available_timezones`` (the
# folders of ``zoneinfo.TZPATH`` without ``right/`` and ``posix/`` at the top,
# directories reached through symbolic links not entered, a file a zone when it starts
# with "TZif", plus the zones the ``tzdata`` package lists), restricted to the entries
# whose lower-cased names fit the normal form. A file name that is not ASCII (where
# lower-casing a path and its parts could differ) makes it fall back to the full listing.


class _NotAscii(Exception):
    pass


_LISTINGS: dict[str, list[tuple[str, bool, bool]] | None] = {}


def _listing(path: str) -> list[tuple[str, bool, bool]] | None:
    """(name, is a directory, is a symbolic link) of each entry, as ``os.walk`` sees
    them; None where the folder cannot be read (``os.walk`` skips it)."""
    if path in _LISTINGS:
        return _LISTINGS[path]
    entries: list[tuple[str, bool, bool]] | None = []
    try:
        with os.scandir(path) as it:
            for entry in it:
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                try:
                    is_link = entry.is_symlink()
                except OSError:
                    is_link = False
                assert entries is not None
                entries.append((entry.name, is_dir, is_link))
    except OSError:
        entries = None
    _LISTINGS[path] = entries
    return entries


def _is_zone_file(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"TZif"
    except Exception:  # as available_timezones: any failure is "not a zone"
        return False


def _search(folder: str, key: str, rest: str, found: set[str], top: bool) -> None:
    entries = _listing(folder)
    for name, is_dir, is_link in entries or ():
        if not name.isascii():
            raise _NotAscii(name)
        lower = name.lower()
        if is_dir:
            if top and name in ("right", "posix"):
                continue
            if not is_link and rest.startswith(lower + "_"):
                _search(os.path.join(folder, name), key + name + "/",
                        rest[len(lower) + 1 :], found, False)
        elif lower == rest:
            zone = key + name
            if zone not in found and _is_zone_file(os.path.join(folder, name)):
                found.add(zone)


_TZDATA: list[str] | None = None


def _tzdata_zones() -> list[str]:
    """The zones the ``tzdata`` package lists (none when it is not installed)."""
    global _TZDATA
    if _TZDATA is None:
        zones: list[str] = []
        try:
            import tzdata  # type: ignore[import-not-found]

            folder = os.path.dirname(tzdata.__file__ or "")
            with open(os.path.join(folder, "zones"), encoding="utf-8") as fh:
                zones = [line.strip() for line in fh if line.strip()]
        except (ImportError, OSError, UnicodeDecodeError, TypeError):
            zones = []
        _TZDATA = zones
    return _TZDATA


def canonical_name(name: str) -> str | None:
    """The zone name moment-timezone would find for ``name`` (``_zone_names()`` of its
    normal form), or None."""
    wanted = _normal(name)
    found = {zone for zone in _tzdata_zones() if _normal(zone) == wanted}
    try:
        for root in zoneinfo.TZPATH:
            if os.path.exists(root):
                _search(root, "", wanted, found, True)
    except _NotAscii:
        return _zone_names().get(wanted)
    found.discard("posixrules")
    names = [z for z in found if not (z.startswith(_SKIP_PREFIXES) or z in _SKIP_NAMES)]
    return min(names) if names else None


@functools.lru_cache(maxsize=4096)
def zone_for(name: str) -> ZoneInfo | None:
    """The zone moment-timezone would find for ``name``, or None."""
    canonical = canonical_name(name)
    if canonical is None:
        return None
    try:
        return ZoneInfo(canonical)
    except (ValueError, OSError, LookupError):
        return None


_OFFSETS: dict[tuple[str, datetime], Any] = {}


def offset_seconds(value: Any, now: datetime) -> Any:
    """Offset in seconds for zone name ``value`` at ``now``; ``UNDEF`` when unknown."""
    if type(value) is str:
        # The answer depends only on the name and the instant: cached per (name, now).
        key = (value, now)
        hit = _OFFSETS.get(key)
        if hit is None:
            hit = _offset_seconds(value, now)
            if len(_OFFSETS) >= 4096:
                _OFFSETS.clear()
            _OFFSETS[key] = hit
        return hit
    return _offset_seconds(value, now)


def _offset_seconds(value: Any, now: datetime) -> Any:
    if not isinstance(value, str):
        if truthy(value):
            # moment-timezone lower-cases the name; anything but a string throws there.
            raise MappingError('(name || "").toLowerCase is not a function', status_code=500)
        return UNDEF
    zone = zone_for(value)
    if zone is None:
        return UNDEF
    offset = now.astimezone(zone).utcoffset()
    if offset is None:
        return UNDEF
    minutes = int(offset.total_seconds() / 60)
    hours = int(minutes / 60)
    rest = abs(minutes) % 60
    if hours < 0:
        return -(-hours * 3600 + rest * 60)
    return hours * 3600 + rest * 60


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
