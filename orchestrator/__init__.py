"""The engine of the work-safety credit orchestrator: no Flask, no HTTP."""
