"""The command line's edges (issue 9): -o like a careful Unix tool, the SPEC rule, size
bounds on what is read, exit codes and printable one-line errors, verify at any size,
and --set before SPEC.  Where a real process matters (signals, stdin, /dev/stdout, exit
status) the test runs ``python -m symparams.cli`` in a subprocess."""

from __future__ import annotations

import io
import re
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from symparams.cli import main, read_stdin_spec, write_output
from symparams.core.errors import SpecError
from symparams.notation.specfile import MAX_SPEC_BYTES, load

ROOT = Path(__file__).resolve().parent.parent
SMALL = "I(4x4x1)-O(2)"            # a dense layer on 16 inputs: 16 * 2 + 2 = 34 parameters
SMALL_TOTAL = "Total params: 34"
MNIST_VALUES = ["n=28", "l=1", "c1=32", "k1=5", "q1=2", "c2=32", "k2=3", "q2=2", "h1=256", "o=10"]
MNIST_TOTAL = "Total params: 217,706"  # the Lasagne MNIST CNN's published total


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def cli(*argv, timeout=120, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "symparams.cli", *argv], capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT, **kwargs)


@pytest.fixture
def umask():
    """Set the process umask for one test, restored afterwards."""
    saved = os.umask(0o022)
    os.umask(saved)
    yield os.umask
    os.umask(saved)


# -- -o: atomic, ordinary mode, not the input, devices written through ------------------
@pytest.mark.parametrize("mask,mode", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_new_output_file_gets_the_mode_of_the_umask(capsys, tmp_path, umask, mask, mode):
    umask(mask)
    target = tmp_path / "out.txt"
    code, _, _ = run(capsys, "derive", SMALL, "-o", str(target))
    assert code == 0 and SMALL_TOTAL in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == mode


def test_existing_output_file_keeps_its_mode(capsys, tmp_path, umask):
    umask(0o077)
    target = tmp_path / "out.txt"
    target.write_text("old")
    target.chmod(0o754)
    assert run(capsys, "derive", SMALL, "-o", str(target))[0] == 0
    assert SMALL_TOTAL in target.read_text() and stat.S_IMODE(target.stat().st_mode) == 0o754


def test_output_through_a_symlink_writes_its_target_and_keeps_the_link(capsys, tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    assert run(capsys, "derive", SMALL, "-o", str(link))[0] == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert SMALL_TOTAL in real.read_text()
    dangling = tmp_path / "dangling.txt"
    dangling.symlink_to(tmp_path / "new.txt")
    assert run(capsys, "derive", SMALL, "-o", str(dangling))[0] == 0
    assert dangling.is_symlink() and SMALL_TOTAL in (tmp_path / "new.txt").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dangling.txt", "link.txt",
                                                           "new.txt", "real.txt"]


@pytest.mark.parametrize("how", ["same path", "another path", "symlink", "hard link"])
def test_output_naming_the_input_spec_is_refused(capsys, tmp_path, how):
    spec = tmp_path / "net.toml"
    text = f'notation = "{SMALL}"\n'
    spec.write_text(text)
    before = spec.stat()
    output = {"same path": spec, "another path": tmp_path / "." / ".." / tmp_path.name / "net.toml",
              "symlink": tmp_path / "link.txt", "hard link": tmp_path / "hard.toml"}[how]
    if how == "symlink":
        output.symlink_to(spec)
    elif how == "hard link":
        os.link(spec, output)
    code, out, err = run(capsys, "derive", str(spec), "-o", str(output))
    assert code == 2 and out == "" and "is the input spec" in err
    assert spec.read_text() == text and spec.stat().st_mtime_ns == before.st_mtime_ns
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_output_naming_the_spec_on_stdin_is_refused(tmp_path):
    spec = tmp_path / "net.toml"
    spec.write_text(f'notation = "{SMALL}"\n')
    with spec.open() as stdin:
        proc = cli("derive", "-", "-o", str(spec), stdin=stdin)
    assert proc.returncode == 2 and "is the input spec" in proc.stderr
    assert spec.read_text() == f'notation = "{SMALL}"\n'


def test_dev_null_is_written_through_not_replaced(capsys, monkeypatch):
    # Run as root, a wrong implementation would replace the machine's /dev/null: forbid
    # renaming or creating anything under /dev before asking.
    def guarded(replace):
        def call(src, dst, *args, **kwargs):
            assert not str(os.path.realpath(dst)).startswith("/dev/"), f"would replace {dst}"
            return replace(src, dst, *args, **kwargs)
        return call

    monkeypatch.setattr(os, "replace", guarded(os.replace))
    monkeypatch.setattr(os, "rename", guarded(os.rename))
    real_mkstemp = __import__("tempfile").mkstemp

    def mkstemp(*args, dir=None, **kwargs):
        assert not str(dir).startswith("/dev"), f"would create a file in {dir}"
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr("tempfile.mkstemp", mkstemp)
    before = os.stat("/dev/null")
    assert run(capsys, "derive", SMALL, "-o", "/dev/null")[0] == 0
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_dev_stdout_is_written_through_to_a_pipe_and_to_a_regular_file(tmp_path):
    proc = cli("derive", SMALL, "-o", "/dev/stdout")
    assert proc.returncode == 0 and SMALL_TOTAL in proc.stdout
    log = tmp_path / "log.txt"
    with log.open("w") as stdout:
        inode = os.fstat(stdout.fileno()).st_ino
        proc = subprocess.run([sys.executable, "-m", "symparams.cli", "derive", SMALL, "-o",
                               "/dev/stdout"], stdout=stdout, stderr=subprocess.PIPE, text=True,
                              cwd=ROOT, timeout=120)
    assert proc.returncode == 0 and SMALL_TOTAL in log.read_text()
    assert log.stat().st_ino == inode  # the shell's file, not a new one renamed over it
    assert [p.name for p in tmp_path.iterdir()] == ["log.txt"]


def test_fifo_output_is_written_through(capsys, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE, text=True)
    try:
        code, _, _ = run(capsys, "derive", SMALL, "-o", str(fifo))
        got, _ = reader.communicate(timeout=30)
    finally:
        reader.kill()
        reader.wait()
    assert code == 0 and SMALL_TOTAL in got and stat.S_ISFIFO(fifo.stat().st_mode)


def test_output_to_a_folder_or_a_missing_folder_is_a_clear_error(capsys, tmp_path):
    code, _, err = run(capsys, "derive", SMALL, "-o", str(tmp_path))
    assert code == 2 and "is a folder" in err
    code, _, err = run(capsys, "derive", SMALL, "-o", str(tmp_path / "no" / "out.txt"))
    assert code == 2 and "no folder" in err and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv", [["./a\0.toml"], [SMALL, "-o", "a\0b"], [SMALL, "-o", ""]])
def test_impossible_paths_are_clear_errors(capsys, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "derive", *argv)
    assert code == 2 and err.startswith("symparams: error: ") and list(tmp_path.iterdir()) == []


def test_write_output_takes_chunks(tmp_path, capsys):
    target = tmp_path / "out.csv"
    write_output(iter(["a,b\n", "1,2\n", "3,4\n"]), str(target))
    assert target.read_text() == "a,b\n1,2\n3,4\n"
    write_output((f"{i}\n" for i in range(3)), None)
    assert capsys.readouterr().out == "0\n1\n2\n"


def test_an_error_between_chunks_leaves_the_old_file_and_no_temp_file(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")

    def chunks():
        yield "partial\n"
        raise SpecError("grid point 7 is bad")

    with pytest.raises(SpecError):
        write_output(chunks(), str(target))
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["out.csv"]


# A child that writes one chunk to -o, says so on stderr, and then waits to be killed.
SLOW_WRITER = """
import sys, time
import symparams.cli as cli

def slow(args):
    def chunks():
        yield "first chunk\\n"
        sys.stderr.write("writing\\n")
        sys.stderr.flush()
        time.sleep(120)
        yield "never\\n"
    return chunks()

cli._derive = slow
sys.exit(cli.main(["derive", "I(4)-O(2)", "-o", sys.argv[1]]))
"""


@pytest.mark.parametrize("existing", [False, True])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["TERM", "HUP"])
def test_sigterm_while_writing_leaves_nothing_behind(tmp_path, existing, signum):
    target = tmp_path / "out.txt"
    if existing:
        target.write_text("old")
    child = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(target)], cwd=ROOT,
                             stderr=subprocess.PIPE, text=True)
    try:
        assert child.stderr.readline() == "writing\n"
        temps = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        assert len(temps) == 1 and temps[0].read_text() in ("", "first chunk\n")
        child.send_signal(signum)
        assert child.wait(timeout=30) == 128 + signum
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stderr.close()
    assert [p.name for p in tmp_path.iterdir()] == (["out.txt"] if existing else [])
    if existing:
        assert target.read_text() == "old"


# -- SPEC: notation, file or stdin by a written rule --------------------------------------
def test_a_long_notation_is_notation_not_a_path(capsys):
    spec = "I(8x8x1)" + "-A(relu)" * 60 + "-O(2)"  # 501 characters, more than NAME_MAX
    code, out, _ = run(capsys, "derive", spec)
    assert len(spec) > 255 and code == 0 and "Total params: 130" in out  # 64 * 2 + 2


def test_a_file_named_like_the_notation_is_not_read(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path(SMALL).write_text('notation = "I(4x4x1)-O(3)"\n')
    code, out, _ = run(capsys, "derive", SMALL)
    assert code == 0 and SMALL_TOTAL in out
    code, out, _ = run(capsys, "derive", f"./{SMALL}")  # ./ makes it a file: 16 * 3 + 3
    assert code == 0 and "Total params: 51" in out


def test_notation_may_hold_slashes(capsys):
    code, out, _ = run(capsys, "derive", "I(8)-H(8/2)-O(1)", "--format", "json")
    assert code == 0 and '"total": 41' in out  # (8 + 1) * 4 + (4 + 1) * 1


def test_tilde_and_toml_ending_make_a_file(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "net").write_text(f'notation = "{SMALL}"\n')
    code, out, _ = run(capsys, "derive", "~/net")
    assert code == 0 and SMALL_TOTAL in out
    code, _, err = run(capsys, "derive", "I-O.toml")
    assert code == 2 and "cannot read I-O.toml" in err


@pytest.mark.parametrize("spec", ["", "   "])
def test_an_empty_spec_is_a_clear_error(capsys, spec):
    code, _, err = run(capsys, "derive", spec)
    assert code == 2 and "SPEC is empty" in err and "folder" not in err


def test_stdin_holds_a_toml_spec_or_a_notation():
    proc = cli("derive", "-", input=f'name = "small"\nnotation = "{SMALL}"\n')
    assert proc.returncode == 0 and SMALL_TOTAL in proc.stdout
    proc = cli("derive", "-", input=SMALL + "\n")
    assert proc.returncode == 0 and SMALL_TOTAL in proc.stdout
    proc = cli("derive", "-", input="")
    assert proc.returncode == 2 and "standard input is empty" in proc.stderr
    proc = cli("derive", "-", input='notation = "I(4x4x1)-O(2)\n')
    assert proc.returncode == 2 and "invalid TOML" in proc.stderr


def test_stdin_above_the_bound_is_refused_before_it_is_read_whole():
    class Endless(io.RawIOBase):
        """Spaces without end; read() of everything would never return."""
        def readable(self):
            return True

        def readinto(self, buffer):
            buffer[:] = b" " * len(buffer)
            return len(buffer)

    with pytest.raises(SpecError, match="more than 1,048,576 bytes"):
        read_stdin_spec(io.BufferedReader(Endless()))


def test_load_refuses_what_is_not_a_regular_file(tmp_path):
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.toml"
    zero.symlink_to("/dev/zero")
    with pytest.raises(SpecError, match="not a regular file"):
        load(fifo)
    with pytest.raises(SpecError, match="not a regular file"):
        load(zero)
    with pytest.raises(SpecError, match="is a folder"):
        load(tmp_path)


def test_cli_refuses_a_fifo_spec_without_waiting(tmp_path):
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    proc = cli("derive", str(fifo), timeout=60)
    assert proc.returncode == 2 and "not a regular file" in proc.stderr


def test_load_bounds_the_file_size(tmp_path):
    line = f'notation = "{SMALL}"\n'
    at_limit = tmp_path / "at.toml"
    at_limit.write_text(line + "#" * (MAX_SPEC_BYTES - len(line) - 1) + "\n")
    assert at_limit.stat().st_size == MAX_SPEC_BYTES == 1 << 20
    assert load(at_limit).derive().evaluate() == 34
    over = tmp_path / "over.toml"
    over.write_text(line + "#" * (MAX_SPEC_BYTES - len(line)) + "\n")
    with pytest.raises(SpecError, match="at most 1,048,576"):
        load(over)


# -- exit codes and messages ------------------------------------------------------------
TORCH = pytest.importorskip  # verify needs torch; the cases below skip without it


@pytest.mark.parametrize("argv,status,message", [
    (["derive", "I(28x28x1)-X"], 2, "unknown layer"),                              # SpecError
    (["derive", "I(28x28x1)-C(4,30)"], 1, "kernel (30) must fit"),                 # ShapeError
    (["derive", "I-C-O", "--worked", "--format", "latex"], 2, "needs numbers"),    # MissingValueError
    (["solve", "I(n)-H(h)-O(2)", "--for", "h", "--max-params", "9"], 2, "n (input"),
    (["solve", "I(4x4x1)-C(2,5)-H(h)", "--for", "h", "--max-params", "99"], 1, "conv2d1"),
    (["sweep", "I(n)-H(h)-O(2)", "--grid", "x=1:3"], 2, "unknown symbol"),
    (["sweep", "I(n x n x 1)-C(2,5)", "--grid", "n=1:9"], 1, "grid point n=1"),
    (["verify", "I-C-O"], 2, "verify needs numbers"),
    (["verify", "I(4x4x1)-C(2,5)"], 1, "conv2d1"),
    (["verify", "I(8x8x3)-C(4,3)-H(99999999999999999999)"], 2, "PyTorch cannot build"),  # NotSupported
    (["derive"], 2, "required: SPEC"),                                             # usage
    (["derive", SMALL, "--no-such-option"], 2, "unrecognized arguments"),
])
def test_every_command_exits_2_for_bad_input_and_1_for_impossible_networks(capsys, argv, status,
                                                                           message):
    if argv[0] == "verify":
        TORCH("torch")
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's usage errors
        code = exit_.code
    out, err = capsys.readouterr()
    assert code == status and message in err
    assert "Traceback" not in err and out == ""
    lines = err.splitlines()
    if err.startswith("symparams: error: "):  # one line, or the text and a caret
        assert len(lines) == 1 or (len(lines) == 3 and lines[-1].strip() == "^")
    else:  # argparse: the usage, then one error line
        assert lines[0].startswith("usage: ") and re.match(r"symparams( derive)?: error:", lines[-1])


def test_exit_status_of_the_process():
    assert cli("derive", SMALL).returncode == 0
    assert cli("derive", "I(28x28x1)-C(4,30)").returncode == 1
    proc = cli("derive", "I(28x28x1)-X(")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


@pytest.mark.parametrize("spec", ["I(28x28x1)-\x1b[2J\x07X", "./\x1b]0;owned\x07.toml",
                                  "./" + "a" * 5000 + ".toml"])
def test_error_messages_are_printable_and_bounded(capsys, spec):
    code, _, err = run(capsys, "derive", spec)
    assert code == 2 and "\x1b" not in err and "\x07" not in err
    assert len(err.splitlines()) <= 3 and len(err) < 600


def test_internal_errors_are_70_with_a_debug_escape_hatch(capsys, monkeypatch):
    import symparams.cli as cli_module

    def broken(args):
        raise RuntimeError("a bug\nwith a \x1b[2J second line")

    monkeypatch.setattr(cli_module, "_derive", broken)
    code, _, err = run(capsys, "derive", SMALL)
    assert code == 70 and err.startswith("symparams: internal error: RuntimeError: a bug")
    assert len(err.splitlines()) == 1 and "\x1b" not in err
    monkeypatch.setenv("SYMPARAMS_DEBUG", "1")
    with pytest.raises(RuntimeError, match="a bug"):
        main(["derive", SMALL])


def test_help_states_the_spec_rule_and_the_exit_codes():
    proc = cli("derive", "--help")
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    assert "ending in .toml, or starting with /, ./, ../ or ~/" in text
    assert "- reads standard input" in text
    for code in ("0 success", "1 an impossible network", "2 a usage or spec error", "70 an internal"):
        assert code in text
    usage = proc.stdout.split("\n\n")[0]
    assert "SPEC" in usage and "[SPEC]" not in usage  # required, though --set may come first


# -- verify at any size ----------------------------------------------------------------
def test_verify_costs_nothing_for_huge_sizes(capsys):
    TORCH("torch")
    start = time.monotonic()
    code, out, _ = run(capsys, "verify", "I(100000x100000x3)-C(64,3)")
    assert time.monotonic() - start < 20
    # 100000 - 3 + 1 = 99998; (3 * 3 * 3 + 1) * 64 = 1792
    assert code == 0 and "(64, 99998, 99998)  (64, 99998, 99998)" in out and "1792" in out


# -- --set before SPEC ------------------------------------------------------------------
def test_set_before_spec(capsys):
    code, out, _ = run(capsys, "derive", "--set", *MNIST_VALUES, "I-C-P-C-P-H-O")
    assert code == 0 and MNIST_TOTAL in out
    code, out, _ = run(capsys, "derive", "--set", *MNIST_VALUES[:5], "I-C-P-C-P-H-O",
                       "--set", *MNIST_VALUES[5:])
    assert code == 0 and MNIST_TOTAL in out
    code, out, _ = run(capsys, "derive", "I-C-P-C-P-H-O", "--set", *MNIST_VALUES)
    assert code == 0 and MNIST_TOTAL in out


def test_set_before_spec_with_two_non_assignments_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["derive", "--set", "n=28", "k", "I-C-O"])
    assert exit_.value.code == 2 and "give one SPEC" in capsys.readouterr().err


@pytest.mark.parametrize("text, words", [
    ("name = 'x'\ninput = " + "9" * 5000 + "\n", "too many digits"),  # past Python's int-string limit
    ("input = " + "[" * 3000 + "]" * 3000 + "\n", "nested too deeply"),
])
def test_toml_beyond_python_limits_is_a_spec_error(tmp_path, text, words):
    path = tmp_path / "net.toml"
    path.write_text(text)
    with pytest.raises(SpecError, match=words):
        load(path)
    with pytest.raises(SpecError, match=words):
        read_stdin_spec(io.BytesIO(text.encode()))
