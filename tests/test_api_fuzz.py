"""schemathesis over /openapi.json (issue 8): every operation of the API, called as an
administrator, a designer, a district clerk, an enterprise and nobody, on a database holding
the demo organisation, the shipped processes and two started cases. No answer may be a 5xx,
and every answer must be documented for its operation (status, content type and body).

Bounded for `make test` (about a minute per database): WSC_FUZZ_EXAMPLES examples per
operation (default 20), derandomised, so a run is the same run every time. A larger run
(lift pytest's 300 s limit with it):

    WSC_FUZZ_EXAMPLES=300 .venv/bin/pytest -q --timeout=0 tests/test_api_fuzz.py
"""

from __future__ import annotations

import os
import warnings
from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from procedure_helpers import AJ1, ENTRY, HENGTAI, Api, china
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.auth import issue_token
from api.context import get_system
from api_helpers import DEMO_PASSWORD, close_app, make_app
from engine_helpers import DESIGNER
from orchestrator.accounts import authenticate
from orchestrator.definitions.repository import deploy_directory

FUZZ_EXAMPLES = int(os.environ.get("WSC_FUZZ_EXAMPLES", "20"))
NOW = china(2025, 6, 2, 10, 0)  # a Monday
# Who calls: None is a caller without a token (the public endpoints, and every 401).
ROLES = ("admin", "designer", "fc.clerk", "ent.hengtai", None)
CHECKS = [
    not_a_server_error, status_code_conformance, content_type_conformance,
    response_schema_conformance,
]


def status_explicitly_documented(ctx, response, case):
    """flask-smorest documents a `default` error for every operation, which would let any
    status pass status_code_conformance; a caller needs each status named."""
    documented = case.operation.definition.raw.get("responses", {})
    if str(response.status_code) not in documented:
        raise AssertionError(
            f"{response.status_code} is not documented; documented: {sorted(documented)}")


def _prepare(app) -> dict:
    """Facts, an entry case waiting at its notice, a reporting case; the ids found."""
    api = Api(app.test_client())
    fact_id = api.larger_accident(HENGTAI, date(2025, 5, 20))
    entry_case = api.ok(api.start(
        "fc.aj1.clerk", ENTRY, data={"providing_department": AJ1}), 201)
    reporting = api.ok(api.start("fc.clerk", "punishment_reporting", credit_code=None), 201)
    [entry] = api.entries("fc.aj1.clerk")
    return {
        "instance_id": entry_case["id"], "task_id": reporting["open_tasks"][0]["id"],
        "credit_code": HENGTAI, "key": ENTRY, "year": NOW.year, "fact_id": fact_id,
        "entry_id": entry["id"], "kind": "notice",
    }


@pytest.fixture
def app(db_url):
    # The public limiter's 429 is documented; here it would only hide the views behind it.
    app = make_app(db_url, extra={"public_requests_per_minute": 1_000_000})
    system = get_system(app)
    system.clock.set(NOW)
    deploy_directory(system, DESIGNER)
    yield app
    close_app(app)


class Fuzzer:
    """Runs one operation's examples, each as one of ROLES, and keeps every distinct failure
    (check and first line of its message) instead of stopping at the first."""

    def __init__(self, app):
        self.app = app
        self.system = get_system(app)
        with self.system.database.transaction() as session:
            self.user_ids = {name: authenticate(session, name, DEMO_PASSWORD).id
                             for name in ROLES if name}
        self.known = _prepare(app)
        self.examples = 0
        self.failures: dict[str, set[str]] = {}

    def call(self, case, role: str | None, real_object: bool) -> None:
        """Half the examples aim their path parameters at objects that exist, so the views
        behind a 404 are reached too."""
        if real_object:
            for name in case.path_parameters or {}:
                if name in self.known:
                    case.path_parameters[name] = self.known[name]
        headers = {}
        if role:  # a fresh token: the fuzzed clock may have moved past the last one's expiry
            token = issue_token(self.system, self.user_ids[role])
            headers["Authorization"] = f"Bearer {token}"
        self.examples += 1
        try:
            case.call_and_validate(
                headers=headers, checks=CHECKS, additional_checks=[status_explicitly_documented])
        except FailureGroup as group:
            for failure in group.exceptions:
                self._keep(case, role, f"{failure.title}: {failure.message}")
        except Failure as failure:
            self._keep(case, role, f"{failure.title}: {failure.message}")

    def _keep(self, case, role, problem: str) -> None:
        first = " ".join(problem.split())[:300]
        self.failures.setdefault(case.operation.label, set()).add(
            f"{first}  [as {role}: {case.method} {case.formatted_path} query={case.query} "
            f"body={str(case.body)[:150]}]")

    def run(self, operation) -> None:
        cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                          operation.as_strategy(GenerationMode.NEGATIVE))

        @given(case=cases, role=st.sampled_from(ROLES), real_object=st.booleans())
        @settings(max_examples=FUZZ_EXAMPLES, derandomize=True, database=None, deadline=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        def examples(case, role, real_object):
            self.call(case, role, real_object)

        examples()


def test_every_operation_answers_as_documented(app):
    fuzzer = Fuzzer(app)
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        fuzzer.run(operation)
    print(f"{len(operations)} operations, {fuzzer.examples} examples")
    report = "\n".join(f"{label}:\n  " + "\n  ".join(sorted(found))
                        for label, found in sorted(fuzzer.failures.items()))
    assert not fuzzer.failures, f"{len(fuzzer.failures)} operations failed:\n{report}"


def test_every_schema_has_a_name_of_its_own(db_url):
    """apispec renames a second schema resolving to a taken name (Window, Window1) with a
    warning: the document would then name a shape nobody declared."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        app = make_app(db_url)
    close_app(app)
    assert not [str(w.message) for w in caught if "Multiple schemas" in str(w.message)]
