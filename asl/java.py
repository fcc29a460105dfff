"""Java behaviour that AWS Step Functions leaks into its results, in one place.

AWS runs on the JVM, and some of that shows: seeded random numbers come from
``java.util.Random``, the fields of a CSV item and the values of ``States.ArrayUnique``
come in ``java.util.HashMap``/``HashSet`` iteration order (which follows
``hashCode``), and numbers and collections inside error causes are written by
``Double.toString`` and ``toString``.  Each is reproduced here, bit for bit.
"""

from __future__ import annotations

import json
import math
import struct
from typing import Any

INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1

_MASK_48 = (1 << 48) - 1
_MULTIPLIER = 0x5DEECE66D


class JavaRandom:
    """``java.util.Random``'s linear congruential generator, bit for bit."""

    def __init__(self, seed: int):
        self._seed = (seed ^ _MULTIPLIER) & _MASK_48

    def next_bits(self, bits: int) -> int:
        """The next ``bits`` random bits (``Random.next(bits)``, for bits <= 31)."""
        self._seed = (self._seed * _MULTIPLIER + 0xB) & _MASK_48
        return self._seed >> (48 - bits)

    def next_int(self, bound: int) -> int:
        """``Random.nextInt(bound)``: uniform in [0, bound)."""
        if bound & -bound == bound:
            return (bound * self.next_bits(31)) >> 31
        while True:
            bits = self.next_bits(31)
            value = bits % bound
            if bits - value + (bound - 1) < 2**31:
                return value

    def next_double(self) -> float:
        """``Random.nextDouble()``: a double in [0, 1)."""
        return ((self.next_bits(26) << 27) + self.next_bits(27)) * (1.0 / (1 << 53))


def int32(value: int) -> int:
    """``value`` wrapped to a Java ``int``."""
    return (value + 2**31) % 2**32 - 2**31


def java_round(value: float) -> int:
    """``Math.round``: half up, toward positive infinity."""
    return math.floor(value + 0.5)


def string_hash(text: str) -> int:
    """``String.hashCode`` (over UTF-16 code units), as an unsigned 32-bit value."""
    units = text.encode("utf-16-be")
    h = 0
    for i in range(0, len(units), 2):
        h = (31 * h + (units[i] << 8 | units[i + 1])) & 0xFFFFFFFF
    return h


def hash_code(value: Any) -> int:
    """``hashCode`` of a JSON value held as Java holds it (Integer, Long, Double,
    String, ArrayList, LinkedHashMap)."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return 1231 if value else 1237
    if isinstance(value, int):
        if INT32_MIN <= value <= INT32_MAX:
            return value
        bits = value & 0xFFFFFFFFFFFFFFFF
        return int32(bits ^ (bits >> 32))
    if isinstance(value, float):
        bits = struct.unpack(">q", struct.pack(">d", value))[0] & 0xFFFFFFFFFFFFFFFF
        return int32(bits ^ (bits >> 32))
    if isinstance(value, str):
        return int32(string_hash(value))
    if isinstance(value, list):
        result = 1
        for item in value:
            result = (31 * result + hash_code(item)) & 0xFFFFFFFF
        return int32(result)
    if isinstance(value, dict):
        total = 0
        for key, item in value.items():
            total = (total + (hash_code(key) ^ hash_code(item))) & 0xFFFFFFFF
        return int32(total)
    return 0


def _equality_key(value: Any) -> Any:
    """A hashable key equal for values Java's ``equals`` treats as equal."""
    if value is None:
        return ("null",)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, float):
        return ("double", value)
    if isinstance(value, str):
        return ("str", value)
    if isinstance(value, list):
        return ("list", tuple(_equality_key(item) for item in value))
    if isinstance(value, dict):
        return ("map", frozenset((key, _equality_key(item)) for key, item in value.items()))
    return ("other", repr(value))


def _hash_order(count: int, code: Any) -> list[int]:
    """Indices 0..count-1 in the order a ``java.util.HashMap`` iterates them, given each
    entry's hashCode: by bucket of the spread hash, insertion order within a bucket."""
    capacity = 16  # the default capacity, doubled whenever the map is over 3/4 full
    while count > capacity * 3 // 4:
        capacity *= 2

    def bucket(i: int) -> int:
        h = code(i) & 0xFFFFFFFF
        return (h ^ (h >> 16)) & (capacity - 1)

    return sorted(range(count), key=bucket)  # stable


def hash_map_order(keys: list[str]) -> list[int]:
    """The indices of ``keys`` in the order a ``java.util.HashMap`` holding them iterates.

    AWS builds each CSV item as such a map, so its fields come in that order (headers
    ``0,True,{}`` give ``{"0":…,"{}":…,"True":…}``).
    """
    return _hash_order(len(keys), lambda i: string_hash(keys[i]))


def hash_set_order(values: list[Any]) -> list[Any]:
    """The distinct values in the order a ``java.util.HashSet`` iterates them."""
    seen: dict[Any, Any] = {}
    for value in values:
        seen.setdefault(_equality_key(value), value)
    unique = list(seen.values())
    return [unique[i] for i in _hash_order(len(unique), lambda i: hash_code(unique[i]))]


def double_to_string(value: float) -> str:
    """``Double.toString`` for ordinary magnitudes (``1.0``, ``0.001``, ``1.0E10``)."""
    if math.isnan(value) or math.isinf(value):
        return json.dumps(value)
    if value == int(value) and abs(value) < 1e7:
        return f"{int(value)}.0" if value or math.copysign(1, value) > 0 else "-0.0"
    if 1e-3 <= abs(value) < 1e7:
        return repr(value)
    mantissa, exponent = f"{value:e}".split("e")
    digits = repr(float(mantissa)).rstrip("0")
    return f"{digits}{'0' if digits.endswith('.') else ''}E{int(exponent)}"


def to_string(value: Any) -> str:
    """A JSON value as Java's ``toString`` renders it: ``{a=1, b=[x, y]}``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return double_to_string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(to_string(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={to_string(v)}" for k, v in value.items()) + "}"
    return str(value)


def utf16_comparable(left: str, right: str) -> tuple[Any, Any]:
    """Two strings made comparable in ``String.compareTo`` order (UTF-16 code units)."""
    if left.isascii() and right.isascii():
        return left, right
    return left.encode("utf-16-be"), right.encode("utf-16-be")
