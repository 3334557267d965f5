"""Disclosure (三(一)1 双公示, 三(二), 三(三)): an enterprise's credit status and what
follows from it, and the public lists of entries and penalties.

    rules       the consequences per register (三(二)) and what of a penalty is public
    status      credit_status(...) for staff, enterprise users and the public
    public      the public lists of active entries and penalties
    rate_limit  the small in-process limiter of the public endpoints
"""
