"""JSON text for the database: a step writes its task rows, its workflow and the documents
of its batched writes as JSON, and orjson encodes them several times faster than the
standard library. What orjson refuses (an integer beyond 64 bits, a key that is no string,
number or bool) is encoded by the standard library instead. Instants become ISO 8601
text. Reading stays with the standard library, which reads every integer exactly.
"""

from __future__ import annotations

import json
from datetime import datetime

import orjson


def dumps(value) -> str:
    """`value` as compact JSON text."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_instant)


def _instant(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
