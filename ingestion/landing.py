"""Finding what has landed.

A *unit* is what the warehouse accounts for: a landed file, or one street-level member of a
data.police.uk archive. Each unit is identified by the SHA-256 of its bytes, so the same content
landed twice (or under another name) is recognised and changes nothing.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import stat
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

        Raises :class:`UnreadableUnit` with a hash already known, so a broken file is still
        recorded once and recognised when it lands again: a corrupt gzip or deflate stream, a zip
        member whose CRC fails, a file that cannot be opened.
        """
        if self.member is not None:
            try:
                with zipfile.ZipFile(self.path) as zf:
                    data = zf.read(self.member)
            except Exception as exc:  # BadZipFile (bad CRC), zlib.error, OSError, ...: never the night's end
                raise UnreadableUnit(sha256_hex(f"{self.path.name}!{self.member}".encode()),
                                     f"archive member cannot be unpacked ({_what(exc)})") from exc
            return sha256_hex(data), data
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise UnreadableUnit(sha256_hex(f"unreadable:{self.path.name}".encode()),
                                 f"the file cannot be read ({exc.strerror or type(exc).__name__})") from exc
        sha = sha256_hex(data)
        if self.path.name.lower().endswith(".gz"):
            try:
                return sha, gzip.decompress(data)
            except Exception as exc:  # OSError, EOFError, zlib.error: a broken stream
                raise UnreadableUnit(sha, f"not a readable gzip file ({_what(exc)})") from exc
        return sha, data


def _what(exc: BaseException) -> str:
    """An unpacking error in words: its kind and the library's message (about bytes, never values)."""
    message = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


@dataclass(frozen=True)
class Refused:
    """Something in a landing folder that is not read: recorded with its status and the reason."""

    feed: str
    path: Path
    status: str  # ignored | rejected
    reason: str

    @property
    def file_name(self) -> str:
        return self.path.name

    @property
    def marker_sha256(self) -> str:
        """An identity for what was never read: the kind and the name (recorded once, not every night)."""
        return sha256_hex(f"{self.status}:{self.path.name}".encode())


class UnreadableUnit(FileRejected):
    """A unit whose bytes cannot even be unpacked; carries the hash of what landed."""

    def __init__(self, sha256: str, reason: str) -> None:
        super().__init__(reason)
        self.sha256 = sha256


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _refusal(feed: str, path: Path) -> Refused | None:
    """Why an entry of a landing folder is not read, or None for a regular file (never followed)."""
    name = path.name
    try:
        mode = path.lstat().st_mode
    except OSError as exc:
        return Refused(feed, path, "rejected", f"cannot be examined ({exc.strerror or type(exc).__name__})")
    if stat.S_ISLNK(mode):
        return Refused(feed, path, "ignored", "a symbolic link: links are never followed; copy the file itself "
                                              f"into landing/{feed}/")
    if name.startswith("."):
        return Refused(feed, path, "ignored", "a hidden file (its name starts with a dot)")
    if stat.S_ISDIR(mode):
        return Refused(feed, path, "ignored", f"a folder: only files directly in landing/{feed}/ are read")
    if not stat.S_ISREG(mode):
        return Refused(feed, path, "rejected", "not a regular file (a pipe, socket or device)")
    return None


def discover(landing_dir: Path, feed: str, expand_zip: bool = False) -> Iterator[LandedUnit | Refused]:
    """Yield what is in ``landing_dir`` in a stable order (by name).

    Regular files are units; zip archives are expanded into their street-level members (other
    members, such as outcomes and stop-and-search, are ignored). Everything else is yielded as a
    :class:`Refused` with its reason: symbolic links (never followed), folders, hidden files,
    pipes and devices, archives that cannot be opened or hold nothing for the feed.
    """
    if not landing_dir.is_dir() or landing_dir.is_symlink():
        return
    for path in sorted(landing_dir.iterdir()):
        refused = _refusal(feed, path)
        if refused is not None:
            yield refused
            continue
        stat_ = path.lstat()
        if expand_zip and path.suffix.lower() == ".zip":
            try:
                with zipfile.ZipFile(path) as zf:
                    members = sorted(n for n in zf.namelist() if STREET_MEMBER.search(n))
            except Exception as exc:  # BadZipFile, a truncated central directory, ...
                yield Refused(feed, path, "rejected", f"not a readable zip archive ({_what(exc)})")
                continue
            if not members:
                yield Refused(feed, path, "rejected",
                              "zip archive holds no street-level files (YYYY-MM/YYYY-MM-<force>-street.csv)")
                continue
            for member in members:
                yield LandedUnit(feed, path, member, stat_.st_size, stat_.st_mtime_ns)
        else:
            yield LandedUnit(feed, path, None, stat_.st_size, stat_.st_mtime_ns)
