"""Credit status (三(二)) for departments, and double publicity (三(一)1, 三(三)) for
everyone: the public endpoints under /public need no log-in and are rate-limited per client
address by a small in-process limiter (orchestrator/disclosure/rate_limit.py: each server
process counts alone). What each audience sees is decided in orchestrator/disclosure."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, request
from flask_smorest import Blueprint
from werkzeug.exceptions import TooManyRequests

from orchestrator.disclosure.public import (
    disclosed_licences,
    disclosed_penalties,
    public_entries,
)
from orchestrator.disclosure.rate_limit import RateLimiter
from orchestrator.disclosure.status import credit_status, enterprise_by_code, search

from ..auth import auth_required, current_caller
from ..context import get_system
from ..schemas.disclosure import (
    CreditStatusViewSchema,
    PublicEntryArgsSchema,
    PublicEntryPageSchema,
    PublicLicenceArgsSchema,
    PublicLicencePageSchema,
    PublicPenaltyArgsSchema,
    PublicPenaltyPageSchema,
    SearchArgsSchema,
    SearchResultsSchema,
    StatusArgsSchema,
)

LIMIT_SETTING = "public_requests_per_minute"
DEFAULT_LIMIT = 60
LIMITER_KEY = "wsc_public_limiter"

blp = Blueprint("disclosure", __name__, url_prefix="",
                description="Credit status (三(二)) and double publicity (三(一)1, 三(三))")


def limit_public_request() -> None:
    """429 with Retry-After once this client address used up its minute."""
    system = get_system()
    limiter = current_app.extensions.get(LIMITER_KEY)
    if limiter is None:
        limit = int((system.settings.extra or {}).get(LIMIT_SETTING, DEFAULT_LIMIT))
        limiter = current_app.extensions.setdefault(
            LIMITER_KEY, RateLimiter(limit, timedelta(minutes=1)))
    wait = limiter.check(request.remote_addr or "unknown", system.clock.now())
    if wait:
        raise TooManyRequests("Too many requests from this address; try again later.",
                              retry_after=int(wait + 0.999))


@blp.route("/credit-status/<credit_code>")
@auth_required()
@blp.arguments(StatusArgsSchema, location="query")
@blp.response(200, CreditStatusViewSchema)
@blp.alt_response(404, response="NOT_FOUND")
def status(args, credit_code):
    """An enterprise's entries in force, their consequences (三(二)), its principal's
    personal credit and its penalties on record; more for staff of its jurisdiction."""
    system = get_system()
    with system.database.transaction() as session:
        enterprise = enterprise_by_code(session, credit_code)
        return credit_status(session, system, current_caller(), enterprise, args.get("on"))


@blp.route("/credit-status")
@auth_required()
@blp.arguments(SearchArgsSchema, location="query")
@blp.response(200, SearchResultsSchema)
def status_search(args):
    """Enterprises by part of their name or credit code, each with its standing."""
    system = get_system()
    with system.database.transaction() as session:
        return {"items": search(session, system, current_caller(), args["name"],
                                args.get("on"))}


@blp.route("/public/credit-status/<credit_code>")
@blp.arguments(StatusArgsSchema, location="query")
@blp.response(200, CreditStatusViewSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def public_status(args, credit_code):
    """What anyone may know of an enterprise's credit status (no log-in; rate-limited)."""
    limit_public_request()
    system = get_system()
    with system.database.transaction() as session:
        enterprise = enterprise_by_code(session, credit_code)
        return credit_status(session, system, None, enterprise, args.get("on"))


@blp.route("/public/credit-status")
@blp.arguments(SearchArgsSchema, location="query")
@blp.response(200, SearchResultsSchema)
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def public_search(args):
    """Enterprises by name with their standing (no log-in; rate-limited)."""
    limit_public_request()
    system = get_system()
    with system.database.transaction() as session:
        return {"items": search(session, system, None, args["name"], args.get("on"))}


@blp.route("/public/entries")
@blp.arguments(PublicEntryArgsSchema, location="query")
@blp.response(200, PublicEntryPageSchema)
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def entries(args):
    """Active entries of joint punishment and the blacklist (no log-in; rate-limited)."""
    limit_public_request()
    system = get_system()
    with system.database.transaction() as session:
        items, total = public_entries(session, system, register=args.get("register"),
                                      page=args["page"], per_page=args["per_page"])
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/public/penalties")
@blp.arguments(PublicPenaltyArgsSchema, location="query")
@blp.response(200, PublicPenaltyPageSchema)
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def penalties(args):
    """Administrative penalties on public record (双公示; no log-in; rate-limited)."""
    limit_public_request()
    system = get_system()
    with system.database.transaction() as session:
        items, total = disclosed_penalties(session, system, credit_code=args.get("enterprise"),
                                           page=args["page"], per_page=args["per_page"])
    for item in items:
        item.pop("fact_id")
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/public/licences")
@blp.arguments(PublicLicenceArgsSchema, location="query")
@blp.response(200, PublicLicencePageSchema)
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def licences(args):
    """Administrative licences on public record (双公示; no log-in; rate-limited): valid ones
    only, by credit code or part of the enterprise's name."""
    limit_public_request()
    system = get_system()
    with system.database.transaction() as session:
        items, total = disclosed_licences(session, system, credit_code=args.get("enterprise"),
                                          name=args.get("name"), page=args["page"],
                                          per_page=args["per_page"])
    for item in items:
        item.pop("licence_id")
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}
