"""Reading a file a user names (a spec file, an exam template, a config.json): a regular
file only, checked before and after opening (no FIFO, device or socket is ever waited
on), at most ``limit`` bytes, UTF-8; every problem is one :class:`SpecError` naming it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from symparams.core.errors import SpecError, shorten


def read_text(path: str | Path, *, limit: int, noun: str, give: str,
              give_folder: str | None = None) -> str:
    """The text of ``path``. ``noun`` names what it is ("a spec file"), ``give`` what to
    give instead of something else ("a .toml spec file"), ``give_folder`` what to give
    instead of a folder (by default ``give``)."""
    path = Path(path)
    where = shorten(str(path))

    def check(info: os.stat_result) -> None:
        if stat.S_ISDIR(info.st_mode):
            raise SpecError(f"{where} is a folder; give {give_folder or give}")
        if not stat.S_ISREG(info.st_mode):
            raise SpecError(f"{where} is not a regular file (a FIFO, device or socket); "
                            f"give {give}")
        if info.st_size > limit:
            raise SpecError(f"{where} is {info.st_size:,} bytes; {noun} may have at most "
                            f"{limit:,}")

    try:
        check(path.stat())
        # O_NONBLOCK: should the path become a FIFO after the check, open does not wait
        # (both flags are Unix only: Windows has no FIFOs or terminals to open)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(fd, "rb") as fh:
            check(os.fstat(fh.fileno()))
            raw = fh.read(limit + 1)
    except OSError as err:
        raise SpecError(f"cannot read {where}: {err.strerror}") from None
    except SpecError:
        raise
    except ValueError:  # a NUL character in the path
        raise SpecError(f"cannot read {where}: not a valid path") from None
    if len(raw) > limit:
        raise SpecError(f"{where} is larger than {limit:,} bytes, the limit for {noun}")
    try:
        return raw.decode("utf-8-sig")  # a byte-order mark is not part of the text
    except UnicodeDecodeError:
        raise SpecError(f"{where}: not a UTF-8 text file") from None
