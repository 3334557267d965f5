"""Time in the engine: timer events on our clock, durable timer rows fired exactly once,
process schedules, reminders, escalations and their delivery, the simulated clock's moves.
docs/timers.md is the guide for designers and operators.

    definitions, parsers, cycles   timer events that read our clock (parsed, serialised)
    sync                           engine tasks → timer rows, after every step
    firing, schedules              fire_due: claim a due row, fire it through the engine
    batch_firing                   many due rows of cases per transaction, few statements
    scheduler                      the loop that wakes for the next due instant
    simulation                     advance_clock: move a simulated clock, firing on the way
    reminders, delivery, inbox     notifications: who is told, by which channel, reading them
"""
