"""Finding what has landed.

A *unit* is what the warehouse accounts for: a landed file, or one street-level member of a
data.police.uk archive. Each unit is identified by the SHA-256 of its bytes, so the same content
landed twice (or under another name) is recognised and changes nothing.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ingestion.errors import FileRejected

STREET_MEMBER = re.compile(r"(?:^|/)([0-9]{4}-[0-9]{2})-(.+)-street\.csv$")


@dataclass(frozen=True)
class LandedUnit:
    """One accountable piece of landed data."""

    feed: str
    path: Path  # the landed file
    member: str | None  # the archive member, when the unit comes from a zip
    file_size: int
    file_mtime_ns: int

    @property
    def file_name(self) -> str:
        return f"{self.path.name}!{self.member}" if self.member else self.path.name

    @property
    def landing_path(self) -> str:
        return f"{self.path}!{self.member}" if self.member else str(self.path)

    @property
    def logical_name(self) -> str:
        """The name the feed interprets (the member's own name for archive members)."""
        name = self.member.rsplit("/", 1)[-1] if self.member else self.path.name
        return name[:-3] if name.endswith(".gz") else name

    def read(self) -> tuple[str, bytes]:
        """The SHA-256 of the unit as landed (a zip member: its own bytes) and its uncompressed bytes.

        Raises :class:`FileRejected` with the hash already known, so a broken file is still
        recorded once and recognised when it lands again.
        """
        if self.member is not None:
            with zipfile.ZipFile(self.path) as zf:
                data = zf.read(self.member)
            return sha256_hex(data), data
        data = self.path.read_bytes()
        sha = sha256_hex(data)
        if self.path.name.endswith(".gz"):
            try:
                return sha, gzip.decompress(data)
            except (OSError, EOFError) as exc:
                raise UnreadableUnit(sha, f"not a gzip file: {exc}") from exc
        return sha, data


class UnreadableUnit(FileRejected):
    """A unit whose bytes cannot even be unpacked; carries the hash of what landed."""

    def __init__(self, sha256: str, reason: str) -> None:
        super().__init__(reason)
        self.sha256 = sha256


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def discover(landing_dir: Path, feed: str, expand_zip: bool = False) -> Iterator[LandedUnit | tuple[Path, str]]:
    """Yield the units in ``landing_dir`` in a stable order (by name).

    Zip archives are expanded into their street-level members; other members (outcomes,
    stop-and-search) are ignored. A zip that cannot be opened, or holds nothing for the feed,
    is yielded as ``(path, reason)`` so the caller can reject it with that reason.
    """
    if not landing_dir.exists():
        return
    for path in sorted(p for p in landing_dir.iterdir() if p.is_file() and not p.name.startswith(".")):
        stat = path.stat()
        if expand_zip and path.suffix.lower() == ".zip":
            try:
                with zipfile.ZipFile(path) as zf:
                    members = sorted(n for n in zf.namelist() if STREET_MEMBER.search(n))
            except zipfile.BadZipFile as exc:
                yield path, f"not a zip archive: {exc}"
                continue
            if not members:
                yield path, "zip archive holds no street-level files (YYYY-MM/YYYY-MM-<force>-street.csv)"
                continue
            for member in members:
                yield LandedUnit(feed, path, member, stat.st_size, stat.st_mtime_ns)
        else:
            yield LandedUnit(feed, path, None, stat.st_size, stat.st_mtime_ns)
