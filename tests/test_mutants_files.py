"""Tests that kill mutants of symparams/core/files.py (docs/testing.md, "Mutation
testing"); messages are compared whole."""

from __future__ import annotations

import os

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
