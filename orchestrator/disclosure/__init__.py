"""Disclosure (三(一)1 双公示, 三(一)2, 三(一)5, 三(二), 三(三)): an enterprise's credit status
and what follows from it, the public lists of entries and penalties, the enterprises'
public safety commitments and their annual integrity reports.

    rules              the consequences per register (三(二)), what of a penalty is public
    status             credit_status(...) for staff, enterprise users and the public
    public             the public lists of active entries and penalties
    rate_limit         the small in-process limiter of the public endpoints
    commitments        the six-point commitment, published by the enterprise (三(一)2)
    integrity_reports  the annual report, who has and has not filed, checks, reminders
"""
