"""Errors that reject a whole file. The message is what the data team reads in
``meta.source_files.reason``, so it names the rule and what was found."""


class FileRejected(Exception):
    """The file cannot be read as its feed; nothing from it is loaded."""

    def __init__(self, reason: str, rows_read: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.rows_read = rows_read
