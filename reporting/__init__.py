"""The Board's published outputs and the checks they pass before publication."""
