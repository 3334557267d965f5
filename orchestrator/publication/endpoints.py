"""The platforms changes are published to, and how a request to one is signed.

Configured in the settings (no endpoint: changes wait in the outbox until one is added):

    Settings(extra={
        "publication_endpoints": [
            {"name": "信用中国(四川)", "url": "https://.../push", "secret": "..."},
            {"name": "四川省企业信用信息系统", "url": "...", "secret": "..."},
            {"name": "政府部门共享及监管协作平台", "url": "...", "secret": "..."},
        ],
        "publication_max_attempts": 8,       # then the delivery is dead (admin retry)
        "publication_backoff_seconds": 60,   # doubled after each failed attempt ...
        "publication_max_backoff_seconds": 21600,  # ... up to this
        "publication_timeout_seconds": 10,   # per request
    })

A request carries the change as JSON and three headers: `Idempotency-Key` (the change's
key: the same on every attempt and every endpoint), `X-WSC-Timestamp` (Unix seconds, system
clock) and `X-WSC-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>." + body with the
endpoint's secret>`. A receiver recomputes the signature and keeps a change once per key.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

ENDPOINTS_SETTING = "publication_endpoints"
DEFAULTS = {
    "publication_max_attempts": 8,
    "publication_backoff_seconds": 60,
    "publication_max_backoff_seconds": 6 * 3600,
    "publication_timeout_seconds": 10,
}
SIGNATURE_HEADER = "X-WSC-Signature"
TIMESTAMP_HEADER = "X-WSC-Timestamp"
KEY_HEADER = "Idempotency-Key"


class EndpointError(ValueError):
    """An endpoint in the settings that cannot work (no name, url or secret; a name twice)."""


@dataclass(frozen=True)
class Endpoint:
    name: str
    url: str
    secret: str


@dataclass(frozen=True)
class Policy:
    max_attempts: int
    backoff: timedelta
    max_backoff: timedelta
    timeout: float

    def delay_after(self, attempts: int) -> timedelta:
        """How long to wait after the `attempts`-th failed attempt: backoff, doubled each time."""
        return min(self.backoff * (2 ** max(attempts - 1, 0)), self.max_backoff)

    @property
    def lease(self) -> timedelta:
        """How long a claimed delivery is left to its worker: longer than a request can take,
        so a live worker never loses it; after it, a crashed worker's claim is taken over."""
        return timedelta(seconds=2 * self.timeout + 30)


def endpoints_of(settings) -> list[Endpoint]:
    endpoints, names = [], set()
    for raw in (settings.extra or {}).get(ENDPOINTS_SETTING) or []:
        missing = [key for key in ("name", "url", "secret") if not raw.get(key)]
        if missing:
            raise EndpointError(f"publication endpoint {raw.get('name')!r} needs "
                                f"{', '.join(missing)}")
        if raw["name"] in names:
            raise EndpointError(f"publication endpoint {raw['name']!r} is configured twice")
        names.add(raw["name"])
        endpoints.append(Endpoint(raw["name"], raw["url"], raw["secret"]))
    return endpoints


def policy_of(settings) -> Policy:
    values = {**DEFAULTS, **{k: v for k, v in (settings.extra or {}).items() if k in DEFAULTS}}
    return Policy(
        max_attempts=int(values["publication_max_attempts"]),
        backoff=timedelta(seconds=float(values["publication_backoff_seconds"])),
        max_backoff=timedelta(seconds=float(values["publication_max_backoff_seconds"])),
        timeout=float(values["publication_timeout_seconds"]),
    )


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def signed_headers(endpoint: Endpoint, key: str, timestamp: int, body: bytes) -> dict:
    stamp = str(timestamp)
    return {
        "Content-Type": "application/json; charset=utf-8",
        KEY_HEADER: key,
        TIMESTAMP_HEADER: stamp,
        SIGNATURE_HEADER: signature(endpoint.secret, stamp, body),
    }


def verify(secret: str, headers, body: bytes) -> bool:
    """What a receiver does (and the tests' receiver): the signature matches the body."""
    expected = signature(secret, headers.get(TIMESTAMP_HEADER, ""), body)
    return hmac.compare_digest(expected, headers.get(SIGNATURE_HEADER, ""))
