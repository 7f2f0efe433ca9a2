"""``user_timezone_offset``: the offset of an IANA zone at "now", in seconds.

Production looks the zone up with moment-timezone, which ignores case and treats "/" and
"_" alike, formats the offset as "+HH:mm" and reads the two halves back as numbers. A
negative offset under one hour therefore comes back positive ("-00:30" -> +1800); that is
reproduced here. Zone data comes from the system tz database through ``zoneinfo``.
"""

from __future__ import annotations

import functools
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
    names: dict[str, str] = {}
    for name in sorted(available_timezones()):
        if name.startswith(_SKIP_PREFIXES) or name in _SKIP_NAMES:
            continue
        names.setdefault(_normal(name), name)
    return names


@functools.lru_cache(maxsize=4096)
def zone_for(name: str) -> ZoneInfo | None:
    """The zone moment-timezone would find for ``name``, or None."""
    canonical = _zone_names().get(_normal(name))
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
