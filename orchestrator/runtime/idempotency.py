"""Starting a case at most once per Idempotency-Key: a client that lost the answer to a
start (its server killed, the network cut) sends the same request with the same key and
gets the case the first request made, never a second case.

The key's row is written before the case, under a savepoint: of two requests with one key
at once, the second waits on the first's row (PostgreSQL) or on the file's write lock
(SQLite), then finds it and answers with the first one's case.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import InvalidInput
from ..persistence.tables import ProcessInstance, StartRequest

HEADER = "Idempotency-Key"
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")  # printable ASCII, as the column holds it


def start_once(
    session: Session, system, caller, key: str, request: dict,
    start: Callable[[], ProcessInstance],
) -> tuple[int, bool]:
    """(the case's id, whether it was started earlier) for `request` under `key`."""
    if not _KEY.match(key):
        raise InvalidInput(f"{HEADER} must be 1 to 200 printable ASCII characters",
                           {HEADER: ["must be 1 to 200 printable ASCII characters"]})
    fingerprint = hashlib.sha256(json.dumps(
        request, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
    earlier = session.get(StartRequest, (caller.user_id, key))
    if earlier is None:
        row = StartRequest(user_id=caller.user_id, key=key, fingerprint=fingerprint,
                           created_at=system.clock.now())
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:  # the same key committed meanwhile by a concurrent request
            earlier = session.get(StartRequest, (caller.user_id, key), populate_existing=True)
        else:
            row.instance_id = start().id
            return row.instance_id, False
    if earlier.fingerprint != fingerprint:
        raise InvalidInput(f"{HEADER} {key!r} was used for a different start",
                           {HEADER: ["was used for a different request: use a new key"]})
    return earlier.instance_id, True
