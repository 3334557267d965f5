"""The organisation: the bureau tree, its staff and the enterprises it supervises.

`directory` is the fast read side the engine asks on every step (lanes, scopes);
`credit_code` and `id_number` validate the national identifiers; `passwords` hashes log-ins;
`demo` loads the demonstration organisation the tests and `make run` start from.
"""
