"""The credit register (三(一)3, 三(一)6, 三(四)1): enterprises, the facts about them with
their evidence, the criteria that turn facts into a decision, the entries of the joint
punishment register and the blacklist, and the personal credit of principals.

    vocabulary       the register's words (fact kinds, sources, severities, registers, statuses)
    scope            who sees and writes what; who reads ID numbers unmasked
    enterprises      create, correct, list; masking; the audit chain "enterprise:<id>"
    facts            record (staff), correct and withdraw (objection procedure)
    evidence         evidence files, stored once per SHA-256, type- and size-checked
    criteria         counts in the rolling window → decision tables → Decision (dry run)
    decision_tables  the tables in force (latest deployed definition) run by SpiffWorkflow
    explanation      Decision, Reason, Window: what holds and why
    entries          propose / activate / remove / withdraw: what the procedures call
    personal_credit  the principal's record, following the entry

docs/register.md is the guide for users and designers.
"""
