"""Password hashing for log-ins: scrypt with a random salt per password.

The cost (n=2**14, r=8, p=1: 16 MiB, about 30 ms) is moderate on purpose: hard enough to
slow a stolen-table attack, cheap enough for a suite that logs in many times. The
parameters are stored with each hash, so raising them later keeps old hashes verifiable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

SCHEME = "scrypt"
N, R, P = 2**14, 8, 1
SALT_BYTES = 16
KEY_BYTES = 32
_MAX_MEMORY = 64 * 1024 * 1024


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=KEY_BYTES, maxmem=_MAX_MEMORY
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str) -> str:
    """`scrypt$n$r$p$salt$key`, safe to store; never the same twice for one password."""
    salt = os.urandom(SALT_BYTES)
    key = _derive(password, salt, N, R, P)
    return f"{SCHEME}${N}${R}${P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    """True only if `password` produced `stored`; False for a wrong password or a stored
    value that is empty or not ours (never raises). Compares in constant time."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != SCHEME:
            return False
        expected = _unb64(key)
        actual = _derive(password, _unb64(salt), int(n), int(r), int(p))
    except (AttributeError, ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)
