"""Publication to the credit platforms (三(一)1 双公示, 三(一)6, 三(三)): every publishable
change is written to an outbox in the transaction that made it, and a worker delivers it to
each configured platform endpoint ("信用中国(四川)", the provincial enterprise credit system,
the sharing platform) until it is taken, with a signature and an idempotency key.

    outbox     publish(session, system, kind, payload, enterprise_id): the one hook
    changes    what the register publishes: entries (publish_entry), penalties (publish_penalty)
    endpoints  the configured endpoints, retry policy and the request signature
    worker     deliver_due(system, now): claim due deliveries, post, record; the scheduler job
    admin      listing deliveries and retrying dead ones

docs/publication.md is the guide.
"""

from .outbox import publish

__all__ = ["publish"]
