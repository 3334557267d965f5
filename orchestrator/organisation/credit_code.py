"""Unified social credit codes (统一社会信用代码), GB 32100-2015.

An enterprise is known by its code everywhere in the credit system (registers, publicity,
the provincial platforms), so a code is validated once, on the way in, with a message that
says exactly which character is wrong. Layout, positions counted from 1:

    1      registration authority (登记管理部门代码)
    2      type of organisation (机构类别代码), defined per authority
    3-8    administrative division of the registering office (GB/T 2260), six digits
    9-17   organisation code (主体标识码), whose 17th character is its own GB 11714 check
    18     check character over positions 1-17
"""

from __future__ import annotations

import unicodedata
from typing import NoReturn

from orchestrator.errors import InvalidInput

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 0-9, A-Z without I, O, S, V, Z
_VALUE = {character: value for value, character in enumerate(CHARSET)}
# Weight of position i is 3**i mod 31.
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 11714 weights for the 8-character body of an organisation code.
ORGANISATION_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

# Registration authorities and, where GB 32100-2015 itself fixes them, their type codes.
# The other authorities were assigned later by the national standards body; their type
# codes are not checked here, only that the authority exists.
AUTHORITIES = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "工商/市场监管",
    "A": "中央军委改革和编制办公室",
    "N": "农业",
    "Y": "其他",
}
TYPES = {
    "1": {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"},
    "5": {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"},
    "9": {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"},
}


def _normalise(code: object, length: int) -> str:
    if not isinstance(code, str):
        raise InvalidInput("credit code must be text", {"credit_code": "not text"})
    text = unicodedata.normalize("NFKC", code).upper()
    text = "".join(c for c in text if not c.isspace() and c != "-")
    if len(text) != length:
        _fail(f"credit code must have {length} characters, not {len(text)}")
    for position, character in enumerate(text, start=1):
        if character not in _VALUE:
            _fail(
                f"bad character {character!r} at position {position}: a credit code uses "
                "0-9 and A-Z without I, O, S, V, Z"
            )
    return text


def _fail(reason: str) -> NoReturn:
    raise InvalidInput(reason, {"credit_code": reason})


def check_character(prefix17: str) -> str:
    """The GB 32100 check character for the first 17 characters (already normalised)."""
    total = sum(_VALUE[c] * w for c, w in zip(prefix17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def organisation_check_character(body8: str) -> str:
    """The GB 11714 check character of an organisation code's 8-character body."""
    total = sum(_gb11714_value(c) * w for c, w in zip(body8, ORGANISATION_WEIGHTS, strict=True))
    remainder = 11 - total % 11
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def _gb11714_value(character: str) -> int:
    return int(character) if character.isdigit() else ord(character) - ord("A") + 10


def _check_structure(code: str) -> None:
    authority, kind, division = code[0], code[1], code[2:8]
    if authority not in AUTHORITIES:
        _fail(f"unknown registration authority code {authority!r} at position 1")
    types = TYPES.get(authority)
    if types is not None and kind not in types:
        allowed = ", ".join(f"{k} {v}" for k, v in types.items())
        _fail(
            f"type code {kind!r} at position 2 is not defined for registration authority "
            f"{authority} ({AUTHORITIES[authority]}); allowed: {allowed}"
        )
    if not division.isdigit():
        _fail(f"administrative division code at positions 3-8 must be 6 digits, not {division!r}")


def validate_credit_code(code: object) -> str:
    """The code upper-cased, without spaces or hyphens, if it is a valid GB 32100 code;
    otherwise InvalidInput naming the first problem (length, character and position,
    structure, or which check character is wrong and what it should be)."""
    text = _normalise(code, 18)
    _check_structure(text)
    expected = check_character(text[:17])
    if text[17] != expected:
        _fail(f"wrong check character at position 18: expected {expected}, got {text[17]}")
    organisation_expected = organisation_check_character(text[8:16])
    if text[16] != organisation_expected:
        _fail(
            "wrong organisation code check character at position 17: "
            f"expected {organisation_expected}, got {text[16]}"
        )
    return text


def make_credit_code(prefix17: str) -> str:
    """The full code for 17 given characters (computes position 18). The prefix must itself
    be well formed, including the organisation code's own check at position 17 (see
    `organisation_check_character`); used to make demo and test data."""
    prefix = _normalise(prefix17, 17)
    return validate_credit_code(prefix + check_character(prefix))
