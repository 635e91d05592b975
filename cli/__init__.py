"""``csw``, the command line: every command in one room (``cli.main`` parses, one module per command)."""
