"""JavaScript value semantics the production destination relies on.

Values are JSON-shaped Python objects. ``UNDEF`` stands for JavaScript ``undefined`` (a
missing key), ``None`` for ``null``. Numbers follow JavaScript: one number type, so an
integral float is the same value as the int (``1.0`` prints as ``1``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any, Final


class _Undefined:
    __slots__ = ()

    def __repr__(self) -> str:
        return "undefined"

    def __bool__(self) -> bool:
        return False


UNDEF: Final = _Undefined()

# WhiteSpace and LineTerminator code points trimmed by JavaScript's String.prototype.trim
# and Number(string); Python's str.strip() uses a different set.
JS_WHITESPACE: Final = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)\Z", re.ASCII)
_RADIX = {"0x": 16, "0X": 16, "0o": 8, "0O": 8, "0b": 2, "0B": 2}
_RADIX_DIGITS = {
    16: re.compile(r"[0-9a-fA-F]+\Z"),
    8: re.compile(r"[0-7]+\Z"),
    2: re.compile(r"[01]+\Z"),
}
_INT_LIMIT: Final = 10**21
_SAFE_INT: Final = 2**53
_MAX_INDEX: Final = 2**32 - 2
_DIGITS: Final = frozenset("0123456789")


def truthy(value: Any) -> bool:
    """JavaScript truthiness: objects and arrays are always truthy, NaN and "" are not."""
    if value is None or value is UNDEF:
        return False
    if isinstance(value, (dict, list)):
        return True
    if isinstance(value, float):
        return value == value and value != 0.0
    return bool(value)


def present(value: Any) -> bool:
    """The upstream ``val || val === 0 || val === false`` test: not undefined, null, "" or NaN."""
    if value is None or value is UNDEF:
        return False
    t = type(value)
    if t is str:
        return value != ""
    if t is float:
        return value == value
    return True


def normalize_number(value: float) -> int | float:
    """A JavaScript number as Python: integral finite values below 1e21 become ``int``."""
    if value == value and value not in (math.inf, -math.inf) and value.is_integer():
        if -_SAFE_INT <= value <= _SAFE_INT:
            return int(value)
        if -_INT_LIMIT < value < _INT_LIMIT:
            # Beyond 2**53 JavaScript prints the shortest digits padded with zeros; the
            # int of that text is the same double and serialises the same way.
            return int(number_to_string(value))
    return value


def json_int(text: str) -> int | float:
    """``parse_int`` hook: JSON.parse reads every integer as a double.

    Up to 15 digits the literal is exact; a longer one is read as the nearest double
    (``float`` of the text, which is correctly rounded and gives ``inf`` past the range,
    as JavaScript does), never through a Python int of unbounded size.
    """
    if len(text) <= 16:  # at most 15 digits and a sign: below 2**53
        n = int(text)
        if -_SAFE_INT <= n <= _SAFE_INT:
            return n
    return normalize_number(float(text))


def json_float(text: str) -> int | float:
    """``parse_float`` hook: 1.0 is the number 1; out-of-range literals are ±Infinity."""
    return normalize_number(float(text))


def json_constant(text: str) -> Any:
    """``parse_constant`` hook: JSON.parse rejects NaN and Infinity."""
    raise ValueError(f"{text} is not valid JSON")


def number_to_string(value: int | float) -> str:
    """Number.prototype.toString() for base 10."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if -_SAFE_INT <= value <= _SAFE_INT:
            return str(value)
        value = float(value)
    if value != value:
        return "NaN"
    if value in (math.inf, -math.inf):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    if value.is_integer() and -_SAFE_INT <= value <= _SAFE_INT:
        return str(int(value))
    sign = "-" if value < 0 else ""
    text = repr(abs(value))
    mantissa, _, exp_text = text.partition("e")
    exponent = int(exp_text) if exp_text else 0
    int_part, _, frac_part = mantissa.partition(".")
    digits = int_part + frac_part
    exponent -= len(frac_part)
    stripped = digits.lstrip("0")
    trailing = len(stripped) - len(stripped.rstrip("0"))
    digits = stripped.rstrip("0")
    exponent += trailing
    k = len(digits)
    n = k + exponent  # value = 0.digits * 10**n
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    exp_str = ("+" if e >= 0 else "-") + str(abs(e))
    if k == 1:
        return sign + digits + "e" + exp_str
    return sign + digits[0] + "." + digits[1:] + "e" + exp_str


def to_string(value: Any) -> str:
    """String(value)."""
    t = type(value)
    if t is str:
        return value  # type: ignore[no-any-return]
    if value is None:
        return "null"
    if value is UNDEF:
        return "undefined"
    if t is bool:
        return "true" if value else "false"
    if t is int or t is float:
        return number_to_string(value)
    if isinstance(value, list):
        return ",".join(
            "" if item is None or item is UNDEF else to_string(item) for item in value
        )
    if isinstance(value, dict):
        return "[object Object]"
    if isinstance(value, (int, float)):
        return number_to_string(value)
    if isinstance(value, str):
        return str(value)
    return str(value)


def string_to_number(text: str) -> int | float:
    """The StringToNumber abstract operation (what Number("  12 ") does)."""
    s = text.strip(JS_WHITESPACE)
    if not s:
        return 0
    if _DECIMAL.match(s):
        return normalize_number(float(s))
    if s in ("Infinity", "+Infinity"):
        return math.inf
    if s == "-Infinity":
        return -math.inf
    radix = _RADIX.get(s[:2])
    if radix is not None and _RADIX_DIGITS[radix].match(s[2:]):
        try:
            return normalize_number(float(int(s[2:], radix)))
        except OverflowError:  # past the double range: JavaScript gives Infinity
            return math.inf
    return math.nan


_NUMBERS: dict[str, int | float] = {}


def to_number(value: Any) -> int | float:
    """Number(value)."""
    t = type(value)
    if t is int:
        if -_SAFE_INT <= value <= _SAFE_INT:
            return value  # type: ignore[no-any-return]
        return normalize_number(float(value))
    if t is float:
        return normalize_number(value)
    if t is bool:
        return 1 if value else 0
    if t is str:
        # The answer depends only on the text: short texts are cached ("36", "1.5").
        hit = _NUMBERS.get(value)
        if hit is None:
            hit = string_to_number(value)
            if len(value) <= 32:
                if len(_NUMBERS) >= 4096:
                    _NUMBERS.clear()
                _NUMBERS[value] = hit
        return hit
    if value is None:
        return 0
    if value is UNDEF or isinstance(value, dict):
        return math.nan
    if isinstance(value, list):
        return string_to_number(to_string(value))
    if isinstance(value, (int, float)):
        return normalize_number(float(value))
    return math.nan


def is_array_index(key: str) -> bool:
    """True for keys JavaScript orders first in an object ("0", "7", not "07" or "-1")."""
    if not key.isdigit() or not key.isascii():
        return False
    if len(key) > 1 and key[0] == "0":
        return False
    return int(key) <= _MAX_INDEX


def needs_reorder(keys: Iterable[str]) -> bool:
    """Whether some key is an array index (so JavaScript would hold it first)."""
    for key in keys:
        if key[:1] in _DIGITS and is_array_index(key):
            return True
    return False


def js_keys(obj: dict[str, Any]) -> list[str]:
    """Object.keys order: array-index keys ascending, then the others in insertion order."""
    keys = list(obj)
    if not needs_reorder(keys):
        return keys
    index_keys = sorted((k for k in keys if is_array_index(k)), key=int)
    return index_keys + [k for k in keys if not is_array_index(k)]


def js_ordered(obj: dict[str, Any]) -> dict[str, Any]:
    """The same mapping, in the order a JavaScript object would hold its keys."""
    if not needs_reorder(obj):
        return obj
    return {k: obj[k] for k in js_keys(obj)}


def is_object(value: Any) -> bool:
    """A plain object: not null, not an array."""
    return isinstance(value, dict)


def latin1_low_bytes(text: str) -> bytes:
    """Buffer.from(text, 'binary'): the low byte of each UTF-16 code unit."""
    return text.encode("utf-16-le", "surrogatepass")[::2]


def finite_or_null(value: Any) -> Any:
    """JSON.stringify writes Infinity and NaN as null."""
    if type(value) is float and (value != value or value in (math.inf, -math.inf)):
        return None
    return value
