"""Running model code (scripts, conditions, timer expressions, DMN cells) in a sandbox."""
