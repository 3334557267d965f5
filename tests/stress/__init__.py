"""Fault and race tests against real processes (issue 8): the server (`wsc serve`, and a
worker of `wsc web`) SIGKILLed during completes, 50 clients racing on the same tasks and
on the two branches of a parallel split over HTTP, a scheduler SIGKILLed mid-sweep, and
completions sent at the instant their task's interrupting timer fires.

`make test` runs them in a bounded form (each well under a minute); the larger form is
the same tests with bigger numbers from the environment:

    WSC_STRESS_KILLS=40 WSC_STRESS_CLIENTS=8 WSC_STRESS_TASKS=60 WSC_STRESS_TIMERS=42000 \\
        .venv/bin/pytest -q -s --timeout=0 tests/stress

WSC_STRESS_KILLS: server kills (default 4) and scheduler kills (default 1);
WSC_STRESS_CLIENTS: client threads driving cases while the server is killed (default 4);
WSC_STRESS_TASKS: tasks (cases, for the parallel branches) the 50 racing clients fight
over (default 8; four times as many cases race their timers);
WSC_STRESS_TIMERS: due timers of the scheduler test (default 3,000; two batches of 500 for
each of its kills and two more: 1,000 x (kills + 2) at least);
WSC_STRESS_SEED: the seed of the kill moments (default: random).
"""
