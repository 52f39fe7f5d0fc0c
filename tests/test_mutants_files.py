"""Tests that kill mutants of symparams/core/files.py (docs/testing.md, "Mutation
testing"); messages are compared whole."""

from __future__ import annotations

import os
import signal
import stat

import pytest

from symparams.core.errors import SpecError
from symparams.core.files import read_text

KW = dict(noun="a spec file", give="a .toml spec file")


def refused(path, **kw) -> str:
    with pytest.raises(SpecError) as e:
        read_text(path, **{"limit": 100, **KW, **kw})
    assert e.value.position is None
    return e.value.message


def test_a_regular_file_is_read_without_its_byte_order_mark(tmp_path):
    path = tmp_path / "a.toml"
    path.write_bytes("\ufeffé = 1\n".encode("utf-8"))
    assert read_text(path, limit=100, **KW) == "é = 1\n"
    assert read_text(str(path), limit=100, **KW) == "é = 1\n"
    # a BOM inside the text is kept
    path.write_bytes("a\ufeff".encode("utf-8"))
    assert read_text(path, limit=100, **KW) == "a\ufeff"


def test_exactly_the_limit_is_read_one_more_byte_is_not(tmp_path):
    path = tmp_path / "a.toml"
    path.write_bytes(b"x" * 1000)
    assert read_text(path, limit=1000, **KW) == "x" * 1000
    assert refused(path, limit=999) == f"{path} is 1,000 bytes; a spec file may have at most 999"
    path.write_bytes(b"x" * 1234567)
    assert refused(path, limit=1000000) == (f"{path} is 1,234,567 bytes; a spec file may have at "
                                            "most 1,000,000")


def test_a_file_larger_than_its_size_says(tmp_path):
    # /proc files report size 0 and have content: only the read finds them too long
    if not os.path.exists("/proc/self/status"):
        pytest.skip("no /proc")
    assert refused("/proc/self/status", limit=10) == (
        "/proc/self/status is larger than 10 bytes, the limit for a spec file")
    text = read_text("/proc/self/status", limit=100_000, **KW)
    assert text.startswith("Name:")


def test_a_folder(tmp_path):
    assert refused(tmp_path) == f"{tmp_path} is a folder; give a .toml spec file"
    assert refused(tmp_path, give_folder="a file, not a folder") == (
        f"{tmp_path} is a folder; give a file, not a folder")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_a_fifo_is_never_waited_on(tmp_path):
    path = tmp_path / "fifo"
    os.mkfifo(path)
    assert refused(path) == (f"{path} is not a regular file (a FIFO, device or socket); give a "
                             ".toml spec file")


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="no /dev/null")
def test_a_device():
    assert refused("/dev/null") == ("/dev/null is not a regular file (a FIFO, device or socket); "
                                    "give a .toml spec file")


def test_missing_unreadable_and_invalid_paths(tmp_path):
    missing = tmp_path / "missing.toml"
    assert refused(missing) == f"cannot read {missing}: No such file or directory"
    assert refused(str(tmp_path) + "/a\0b") == f"cannot read {tmp_path}/a\\x00b: not a valid path"
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        locked = tmp_path / "locked.toml"
        locked.write_text("a", encoding="utf-8")
        locked.chmod(0)
        assert refused(locked) == f"cannot read {locked}: Permission denied"


def test_not_utf8(tmp_path):
    path = tmp_path / "a.toml"
    path.write_bytes(b"\xff\xfe a")
    assert refused(path) == f"{path}: not a UTF-8 text file"


def test_a_long_path_is_shortened(tmp_path):
    path = tmp_path / ("d" * 100)
    path.mkdir()
    where = str(path)[:79] + "…"
    assert refused(path) == f"{where} is a folder; give a .toml spec file"


def test_without_the_unix_only_flags(tmp_path, monkeypatch):
    """Regression: os.O_NONBLOCK exists on Unix only, so on Windows every read failed
    with an AttributeError."""
    path = tmp_path / "a.toml"
    path.write_text("x = 1", encoding="utf-8")
    monkeypatch.delattr(os, "O_NONBLOCK", raising=False)
    monkeypatch.delattr(os, "O_NOCTTY", raising=False)
    assert read_text(path, limit=100, **KW) == "x = 1"


def test_at_most_one_byte_past_the_limit_is_read(tmp_path, monkeypatch):
    import symparams.core.files as files

    sizes = []
    real = os.fdopen

    class Recording:
        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return self.fh.__exit__(*exc)

        def fileno(self):
            return self.fh.fileno()

        def read(self, size=-1):
            sizes.append(size)
            return self.fh.read(size)

    monkeypatch.setattr(files.os, "fdopen", lambda fd, mode: Recording(real(fd, mode)))
    path = tmp_path / "a.toml"
    path.write_bytes(b"x" * 50)
    assert read_text(path, limit=100, **KW) == "x" * 50
    assert refused("/proc/self/status", limit=10).endswith("is larger than 10 bytes, the limit "
                                                          "for a spec file")
    assert sizes == [101, 11]


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not hasattr(signal, "SIGALRM"),
                    reason="no FIFOs or alarms")
def test_a_path_that_becomes_a_fifo_after_the_check_is_not_waited_on(tmp_path, monkeypatch):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    regular = tmp_path / "regular"
    regular.write_text("x", encoding="utf-8")
    real_stat = type(fifo).stat

    def looks_regular(self, *args, **kwargs):  # the check sees a regular file
        return real_stat(regular if self == fifo else self, *args, **kwargs)

    monkeypatch.setattr(type(fifo), "stat", looks_regular)

    def hang(signum, frame):
        raise TimeoutError("open waited for a writer")

    old = signal.signal(signal.SIGALRM, hang)
    signal.alarm(5)
    try:
        message = refused(fifo)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert message == (f"{fifo} is not a regular file (a FIFO, device or socket); give a "
                       ".toml spec file")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
