"""Running cases: the workflow, its stored state, engine steps and the cases' lifecycle."""
