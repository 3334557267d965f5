"""Resident identity numbers (公民身份号码), GB 11643-1999.

Enterprises name a legal representative, a principal and a safety lead by ID number, and the
principal's personal credit follows the enterprise's entry (三(一)6), so the number must be
right. It is personal data: show it masked (`mask_id_number`) everywhere but the record.

Layout, positions from 1: 1-6 address code, 7-14 birth date YYYYMMDD, 15-17 sequence
(17th odd for men, even for women), 18 ISO 7064 MOD 11-2 check (0-9 or X).
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import NoReturn

from orchestrator.errors import InvalidInput

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # 2**(17-i) mod 11
CHECK_CHARACTERS = "10X98765432"  # indexed by the weighted sum mod 11
# First two digits: provinces (GB/T 2260), 81-83 residence permits of Hong Kong, Macao and
# Taiwan residents, 91 foreigners' permanent residence ID cards (2023 format).
PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82 83 91".split()
)
EARLIEST_BIRTH_YEAR = 1850


def _fail(field: str, reason: str) -> NoReturn:
    raise InvalidInput(f"{field}: {reason}", {field: reason})


def check_character(body17: str) -> str:
    """The MOD 11-2 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(body17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def _normalise(value: object, field: str) -> str:
    if not isinstance(value, str):
        _fail(field, "ID number must be text")
    text = unicodedata.normalize("NFKC", value).strip().upper()
    if len(text) != 18:
        _fail(field, f"ID number must have 18 characters, not {len(text)}")
    for position, character in enumerate(text, start=1):
        if not (character.isascii() and character.isdigit()) and not (
            position == 18 and character == "X"
        ):
            allowed = "a digit or X" if position == 18 else "a digit"
            _fail(field, f"bad character {character!r} at position {position}: must be {allowed}")
    return text


def birth_date(number: str) -> date:
    """The birth date encoded in a (normalised) number; ValueError if it is no date."""
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def validate_id_number(value: object, field: str = "id_number", on: date | None = None) -> str:
    """The number upper-cased and stripped if valid, else InvalidInput naming `field` and the
    reason (length, character, province, birth date, or the expected check character).
    With `on`, a birth date after that day is refused too (the caller passes the clock's
    today; this module never reads the time)."""
    text = _normalise(value, field)
    if text[:2] not in PROVINCES:
        _fail(field, f"unknown province code {text[:2]!r} at positions 1-2")
    try:
        born = birth_date(text)
    except ValueError:
        _fail(field, f"birth date {text[6:14]!r} at positions 7-14 is not a date")
    if born.year < EARLIEST_BIRTH_YEAR or (on is not None and born > on):
        _fail(field, f"birth date {born.isoformat()} at positions 7-14 is not plausible")
    expected = check_character(text[:17])
    if text[17] != expected:
        _fail(field, f"wrong check character at position 18: expected {expected}, got {text[17]}")
    return text


def make_id_number(prefix17: str) -> str:
    """The full number for 17 digits (computes the check character); for demo and test
    data. Raises InvalidInput if the result is not a valid number."""
    return validate_id_number(prefix17 + check_character(prefix17))


def mask_id_number(value: str) -> str:
    """Keep the first 6 and last 4 characters, star the rest: 510703********1234.
    Never reveals more than that, even for a malformed value."""
    text = (value or "").strip()
    if len(text) <= 10:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]
