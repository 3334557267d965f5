"""The joint incentive (守信联合激励, 三(一)4, 三(二)1, 三(四)2): who qualifies and why, the
entries with their 3-year term, and what the grant, removal and objection models call.

    vocabulary     the conditions, fact kinds, statuses, removal grounds, consequences
    facts          incentive facts the conditions need beyond the punishment register
    eligibility    the six conditions through the deployed table incentive_eligibility
    explanation    an eligibility decision and the facts behind each condition
    entries        announce, open the renewal, remove, restore an incentive entry
    applications   an application, a renewal, an objection: starting the model's case
    operations     the service-task operations of processes/incentive_*.bpmn
    notices        telling the enterprise and its industry authority
    evidence       evidence files of incentive cases (the register's rules)
    blacklist      a removal for fraud handed to the blacklist entry procedure
    status         the credit status and its consequences; the qualifying listing

docs/incentive.md is the guide.
"""
