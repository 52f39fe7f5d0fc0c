"""The ``symparams`` command line."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import re
import signal
import stat
import sys
import tempfile
import threading
from typing import Any, Iterable, Iterator, Sequence

from symparams.core.errors import ShapeError, SpecError, SymparamsError, quote, shorten

# Modules that add a subcommand: each has ``add_command(subparsers)``, which adds its
# parser and sets ``run`` (args -> text, or chunks of text, to print) as a default.
COMMANDS: list[str] = ["symparams.commands_verify", "symparams.commands_algebra",
                       "symparams.export.exam.command", "symparams.commands_completion"]

FILE_PREFIXES = ("/", "./", "../", "~/")
"""A SPEC starting with one of these (or ending in ``.toml``) is a file; see :func:`spec_kind`."""
HF_CONFIG_SUFFIX = ".json"
"""A SPEC ending in this is a Hugging Face ``config.json``; see :func:`spec_kind`."""

EXIT_OK, EXIT_IMPOSSIBLE, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 70
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 128 + signal.SIGTERM
MAX_MESSAGE = 2000  # a safety net: messages quote user text at most ~80 characters at a time

EPILOG = """\
SPEC, a notation, a spec file or a config.json:
  a SPEC ending in .json is a Hugging Face config.json (model_type gpt2, bert,
  llama, mistral, qwen2 or gemma; read as data, without transformers); else a SPEC
  ending in .toml, or starting with /, ./, ../ or ~/, is a TOML spec file (either
  a regular file of at most 1 MiB); - reads standard input (a TOML spec, or else
  a notation); a name of the zoo (symparams zoo lists them: resnet50, vgg16 …)
  is that network; anything else is a notation, such as "I(28x28x1)-C(32,5)-P(2)-O(10)",
  even when a file of that name exists (write ./NAME to read such a file).

exit status:
  0    success (verify: every layer agrees with PyTorch)
  1    an impossible network (a layer does not fit its input); verify: PyTorch
       differs; solve: no value meets the goal
  2    a usage or spec error: bad notation or spec file, unset symbol, unsupported
       request, a file that cannot be read or written
  70   an internal error, a bug: please report it (SYMPARAMS_DEBUG=1 shows the traceback)
  130  interrupted; 143 terminated (SIGTERM), 129 hung up (SIGHUP). -o then
       leaves no file behind.
"""


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the epilog's layout; shows SPEC as required in the usage line (it is; its
    ``nargs="?"`` only serves :func:`_spec_from_values`)."""

    def _format_usage(self, *args: Any, **kwargs: Any) -> str:
        return super()._format_usage(*args, **kwargs).replace("[SPEC]", "SPEC")


_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                      if hasattr(signal, name))


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors as printable and short as symparams' own."""

    def error(self, message: str):  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {shorten(message, 300)}\n")


class OutputError(SymparamsError, OSError):
    """The output file cannot be written."""


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that cleanup (``finally``) runs."""


def spec_kind(spec: str) -> str:
    """``"hf"``, ``"file"``, ``"stdin"``, ``"zoo"`` or ``"notation"``: how SPEC is read
    (the rule in ``--help``).

    Notation may hold ``/`` in expressions (``H(h/2)``), so only a ``.json`` ending (a
    Hugging Face config), a ``.toml`` ending or a path-like start makes a file; a file of
    the notation's name is never read instead.
    """
    if spec == "-":
        return "stdin"
    if spec.endswith(HF_CONFIG_SUFFIX):
        return "hf"
    if spec.endswith(".toml") or spec.startswith(FILE_PREFIXES):
        return "file"
    from symparams.zoo import find

    if find(spec) is not None:
        return "zoo"
    return "notation"


def load_spec(spec: str, convention: str | None = None, assume_divisible: bool = False,
              symbolic: bool = False):
    """A Derivation from a notation, a TOML spec file, a Hugging Face config.json or ``-``
    (stdin), by :func:`spec_kind`; ``symbolic``: a config.json's sizes as symbols."""
    from symparams.notation.compact import parse
    from symparams.notation.specfile import load

    if not spec.strip():
        raise SpecError("SPEC is empty; give a notation such as \"I-C-P-H-O\" or a .toml spec file")
    kind = spec_kind(spec)
    if kind == "hf":
        from symparams.interop.hf_config import from_hf_config

        network = from_hf_config(os.path.expanduser(spec), symbolic=symbolic)
    elif symbolic:
        raise SpecError("--symbolic is for a Hugging Face config.json SPEC (a notation or "
                        "spec file is as symbolic as it is written)")
    elif kind == "file":
        loaded = load(os.path.expanduser(spec))
        network, convention = loaded.network, convention or loaded.convention
    elif kind == "zoo":
        from symparams.zoo import find, load_entry

        loaded, network = load_entry(find(spec))
        convention = convention or loaded.convention
    elif kind == "stdin":
        network, file_convention = read_stdin_spec()
        convention = convention or file_convention
    else:
        try:
            network = parse(spec)
        except SpecError as err:
            hint = _zoo_hint(spec)
            if hint:
                raise SpecError(f"{err.message}{hint}", err.text, err.position) from None
            raise
    return network.derive(convention=convention or "pytorch", assume_divisible=assume_divisible)


def _zoo_hint(spec: str) -> str:
    """`` (did you mean the zoo's 'gpt2'?)`` for a word close to a zoo name."""
    import difflib

    from symparams.zoo import entries

    word = spec.strip()
    if not word.replace("_", "").replace("-", "").isalnum():
        return ""
    close = difflib.get_close_matches(word.lower(), list(entries()), n=1, cutoff=0.75)
    return f" (did you mean the zoo's {quote(close[0])}?)" if close else ""


_TOML_LINE = re.compile(r"^\s*(\[|(notation|input|layers|name|source|convention|description|"
                        r"published)\s*=)", re.MULTILINE)


def read_stdin_spec(stream: Any = None):
    """``(network, convention or None)`` from a TOML spec, or else a notation, on stdin.

    At most :data:`~symparams.notation.specfile.MAX_SPEC_BYTES` are read."""
    from symparams.notation.compact import parse
    from symparams.notation.specfile import MAX_SPEC_BYTES, from_dict, toml_data

    if stream is None:
        if sys.stdin is None:
            raise SpecError("SPEC is - but there is no standard input")
        stream = sys.stdin.buffer
    raw = stream.read(MAX_SPEC_BYTES + 1)
    if len(raw) > MAX_SPEC_BYTES:
        raise SpecError(f"standard input holds more than {MAX_SPEC_BYTES:,} bytes, "
                        "the limit for a spec")
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark is not TOML
    except UnicodeDecodeError:
        raise SpecError("standard input is not UTF-8 text") from None
    if not text.strip():
        raise SpecError("standard input is empty; give a TOML spec or a notation")
    try:
        data = toml_data(text, "standard input")
    except SpecError as toml_error:
        try:
            return parse(text.strip()), None
        except SpecError:
            if _TOML_LINE.search(text):  # meant as TOML: its error is the useful one
                raise toml_error from None
            raise
    try:
        loaded = from_dict(data)
    except SpecError as err:
        raise SpecError(f"standard input: {err}") from None
    return loaded.network, loaded.convention


_ASSIGNMENT = re.compile(r"\s*[^\W\d]\w*\s*=")


def parse_assignments(items: Sequence[str]) -> dict[str, str]:
    """``["n=28", "k=5"]`` -> ``{"n": "28", "k": "5"}``; values stay text for the strict parser."""
    values: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise SpecError(f"--set takes NAME=VALUE, got {quote(item)}")
        if values.get(name, value) != value:
            raise SpecError(f"--set gives {quote(name)} two values, {quote(values[name])} and "
                            f"{quote(value)}")
        values[name] = value
    return values


def parse_args(parser: argparse.ArgumentParser,
               argv: Sequence[str] | None) -> argparse.Namespace:
    """``parser.parse_args``, with an unknown argument reported by the subcommand it was
    given to (its usage, and the option it may be a misspelling of), not by the top level."""
    args, extra = parser.parse_known_args(argv)
    if extra:
        words = list(sys.argv[1:] if argv is None else argv)
        before = words[:words.index(args.command)] if args.command in words else words
        # given before the subcommand: the top level's; after it: the subcommand's
        command = parser if extra[0] in before else getattr(args, "_parser", parser)
        message = f"unrecognized arguments: {' '.join(quote(e) for e in extra[:5])}"
        if extra[0].startswith("-"):
            from symparams.core.layer import suggest

            options = [o for a in command._actions for o in a.option_strings]
            message += suggest(extra[0].partition("=")[0], options)
        command.error(message)
    return args


def _spec_from_values(args: argparse.Namespace) -> None:
    """``--set`` takes several NAME=VALUE, so in ``--set n=28 SPEC`` it swallows SPEC:
    the one item that is not NAME=VALUE is SPEC."""
    if getattr(args, "spec", "") is not None:
        return
    others = [v for v in args.values if not _ASSIGNMENT.match(v)]
    if not others:
        args._parser.error("the following arguments are required: SPEC")
    if len(others) > 1:
        args._parser.error("give one SPEC; --set takes NAME=VALUE items, got "
                           + ", ".join(quote(o) for o in others))
    args.spec = others[0]
    args.values.remove(others[0])


# ---------------------------------------------------------------------------------------
# -o
# ---------------------------------------------------------------------------------------
# paths that name an open file descriptor: written through even when it is a regular file
_FD_PATH = re.compile(r"/dev/(stdout|stderr|fd/\d+)|/proc/(self|\d+)/fd/\d+")


def check_not_input(spec: str, output: str | None) -> None:
    """Refuse ``-o`` naming the input spec file (also through a symlink or a hard link, or
    the regular file on stdin), before anything is computed or written."""
    if output is None:
        return
    try:
        out = os.stat(output)
        kind = spec_kind(spec)
        if kind in ("file", "hf"):
            inp = os.stat(os.path.expanduser(spec))
        elif kind == "stdin" and sys.stdin is not None:
            inp = os.fstat(sys.stdin.fileno())
            if not stat.S_ISREG(inp.st_mode):
                return
        else:
            return
    except (OSError, ValueError, AttributeError):  # absent, unreadable, or no real stdin
        return
    if os.path.samestat(inp, out):
        raise SpecError(f"-o {quote(output)} is the input spec {quote(spec)}; "
                        "write the output to another file")


def write_output(content: str | Iterable[str], path: str | None) -> None:
    """Print ``content`` (a text or chunks of text), or write it to ``path``.

    A regular file (new or existing, or a symlink's target, the link kept) is written
    atomically: a temp file in its folder, renamed over it once every chunk is written,
    removed on any error, Ctrl-C or SIGTERM.  A new file gets ``0o666 & ~umask``, an
    existing one keeps its mode.  ``/dev/stdout``, ``/dev/null``, FIFOs and other
    non-regular targets are opened and written through.
    """
    chunks: Iterable[str] = (content,) if isinstance(content, str) else content
    if path is None:
        for chunk in chunks:
            sys.stdout.write(chunk)
        sys.stdout.flush()
        return
    where = quote(path)
    if not path or path.endswith(os.sep) or "\0" in path:
        raise OutputError(f"-o {where}: not a file name")
    try:
        info: os.stat_result | None = os.stat(path)
    except FileNotFoundError:  # a new file, or a symlink to one
        info = None
    except OSError as err:
        raise OutputError(f"cannot write {where}: {err.strerror}") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise OutputError(f"cannot write {where}: it is a folder")
    if info is not None and (not stat.S_ISREG(info.st_mode)
                             or _FD_PATH.fullmatch(os.path.normpath(os.path.abspath(path)))):
        _write_through(chunks, path, append=stat.S_ISREG(info.st_mode), where=where)
    else:
        _write_atomically(chunks, os.path.realpath(path), info, where)


def _write_through(chunks: Iterable[str], path: str, append: bool, where: str) -> None:
    # append: /dev/stdout on a regular file, so that the shell's >> is honoured
    try:
        with open(path, "a" if append else "w", encoding="utf-8") as fh:
            for chunk in chunks:
                fh.write(chunk)
    except BrokenPipeError:
        raise
    except OSError as err:
        raise OutputError(f"cannot write {where}: {err.strerror}") from None


def _write_atomically(chunks: Iterable[str], target: str, info: os.stat_result | None,
                      where: str) -> None:
    folder, name = os.path.split(target)
    if not os.path.isdir(folder):
        raise OutputError(f"cannot write {where}: no folder {quote(folder)}")
    mode = stat.S_IMODE(info.st_mode) if info is not None else 0o666 & ~_umask()
    tmp = None
    try:
        with _signals_deferred():  # a signal now would leave a temp file nobody removes
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name[:64]}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            os.fchmod(fh.fileno(), mode)
            for chunk in chunks:
                fh.write(chunk)
        os.replace(tmp, target)
    except BaseException as err:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(err, OSError) and not isinstance(err, SymparamsError):
            raise OutputError(f"cannot write {where}: {err.strerror or err}") from None
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGTERM, SIGHUP and SIGINT until the block ends (no-op where unsupported)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {*_STOP_SIGNALS, signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _common(p: argparse.ArgumentParser) -> None:
    # nargs="?" only so that a SPEC swallowed by --set can be recovered; SPEC is required
    p.add_argument("spec", metavar="SPEC", nargs="?",
                   help="a notation such as \"I-C-P-H-O\", a .toml spec file (ending in .toml "
                   "or starting with /, ./, ../ or ~/), a Hugging Face config.json (ending "
                   "in .json), a zoo name, or - for standard input")
    p.add_argument("--set", dest="values", metavar="NAME=VALUE", action="extend", nargs="+",
                   default=[], help="give symbols values (partial substitution is fine)")
    p.add_argument("--convention", choices=("pytorch", "keras"), default=None,
                   help="how BatchNorm running statistics count (default: pytorch, or the file's)")
    p.add_argument("--assume-divisible", action="store_true",
                   help="assume every stride divides exactly: no floors (each assumption is listed)")
    p.add_argument("--symbolic", action="store_true",
                   help="a config.json's sizes as symbols (V, T, d, L, h, h_kv, d_ff), not "
                        "its numbers")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write to FILE instead of stdout (a regular file is replaced only "
                   "once everything succeeded)")
    p.epilog = EPILOG
    p.formatter_class = _HelpFormatter
    p.set_defaults(_parser=p)


def derivation_from_args(args: argparse.Namespace):
    """The Derivation the common options describe: SPEC, --convention,
    --assume-divisible, then the --set values substituted."""
    derivation = load_spec(args.spec, args.convention, args.assume_divisible,
                           getattr(args, "symbolic", False))
    values = parse_assignments(args.values)
    return derivation.subs(values) if values else derivation


def build_parser() -> argparse.ArgumentParser:
    from symparams.export import FORMATS, load_formats

    load_formats()

    parser = _Parser(
        prog="symparams", epilog=EPILOG, formatter_class=_HelpFormatter,
        description="Closed-form, exact formulas for the output shapes and parameter counts "
        "of neural networks.")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    derive = sub.add_parser("derive", help="per-layer shapes and parameters, and the total formula")
    _common(derive)
    derive.add_argument("--format", default="text", choices=sorted(FORMATS),
                        help="output format (default: text)")
    derive.add_argument("--standalone", action="store_true",
                        help="latex: a complete document that compiles with pdflatex")
    derive.add_argument("--worked", action="store_true",
                        help="latex, markdown: add the worked solution (needs every value set)")
    derive.add_argument("--form", choices=("expanded", "factored", "collected"),
                        help="write the parameter counts expanded, factored or collected")
    derive.add_argument("--by", metavar="SYMBOL", action="append",
                        help="with --form collected/factored: collect in powers of SYMBOL")
    derive.add_argument("--range", dest="ranges", metavar="NAME=LOW:HIGH[:START]",
                        action="append", default=[],
                        help="html: a slider's range (and first value), e.g. n=8:512:28")
    derive.add_argument("--costs", metavar="LIST",
                        help="add cost columns and totals: macs, flops, extended_flops, "
                             "activations, activation_bytes, memory, transformer_activations "
                             "(comma-separated; text, json, csv, markdown, latex; worked: "
                             "macs)")
    derive.add_argument("--dtype", default=None, help="activation_bytes: fp32 (default), fp16, "
                        "bf16, fp64, int8")
    derive.add_argument("--optimizer", default=None, choices=("sgd", "momentum", "adam", "adamw"),
                        help="memory: the optimizer whose state is counted (default: adam)")
    derive.add_argument("--precision", default=None, choices=("fp32", "mixed"),
                        help="memory: fp32 (default) or mixed precision (ZeRO's accounting)")
    derive.add_argument("--batch", default=None, metavar="B",
                        help="transformer_activations: the batch size, a number or a name "
                             "(default: the symbol b)")
    derive.add_argument("--recompute", default=None, choices=("none", "selective", "full"),
                        help="transformer_activations: activation recomputation (default: none)")
    derive.add_argument("--caption", default=None,
                        help="latex: put the table in a table float with this caption")
    derive.add_argument("--label", default=None, help="latex: the table float's \\label")
    derive.add_argument("--width", default=None, type=_width, metavar="CHARS",
                        help="latex: characters of formula per line (default 50, a one-column "
                             "article; about 25 for two columns): longer totals break at + "
                             "signs, wider tables wrap their cells")
    derive.set_defaults(run=_derive)
    layers = sub.add_parser("layers", help="every layer kind: its letter, arguments, options "
                                           "and defaults")
    layers.set_defaults(run=_layers)
    zoo = sub.add_parser("zoo", help="the networks shipped with symparams, by name")
    zoo.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    zoo.set_defaults(run=_zoo)
    for module in COMMANDS:
        importlib.import_module(module).add_command(sub)
    for command in sub.choices.values():  # its own usage for its own errors
        command.set_defaults(_parser=command)
    return parser


def _derive(args: argparse.Namespace) -> str:
    from symparams.export import render

    derivation = derivation_from_args(args)
    if args.form or args.by:
        derivation = derivation.simplify(args.form or "collected", args.by)
    options = {k: True for k in ("standalone", "worked") if getattr(args, k, False)}
    for option, formats in (("standalone", ("latex",)), ("worked", ("latex", "markdown"))):
        if option in options and args.format not in formats:
            raise SpecError(f"--{option} is for --format {' or '.join(formats)}, not "
                            f"{args.format}")
    unused = [f"--{name}" for name in ("dtype", "optimizer", "precision", "batch", "recompute")
              if getattr(args, name, None) is not None and not args.costs]
    if unused:
        raise SpecError(f"{', '.join(unused)} only matter with --costs")
    for option in ("caption", "label", "width"):
        if getattr(args, option, None) is not None:
            if args.format != "latex":
                raise SpecError(f"--{option} is for --format latex, not {args.format}")
            options[option] = getattr(args, option)
    if args.ranges:
        if args.format != "html":
            raise SpecError("--range is for --format html")
        from symparams.export.html import parse_range

        options["ranges"] = dict(parse_range(text) for text in args.ranges)
    if args.costs:
        from symparams.export.costs import check_options, cost_names

        if args.format not in ("text", "json", "markdown", "worked", "latex", "csv"):
            raise SpecError(f"--costs is shown by the text, json, csv, markdown, latex and "
                            f"worked formats, not {args.format}")
        options["costs"] = cost_names(args.costs)
        batch = int(args.batch) if args.batch is not None and args.batch.isdigit() \
            else args.batch
        options["cost_options"] = check_options({k: v for k, v in (
            ("dtype", args.dtype), ("optimizer", args.optimizer), ("precision", args.precision),
            ("batch", batch), ("recompute", args.recompute)) if v is not None})
    return render(derivation, args.format, **options)


def _width(text: str) -> int:
    if not text.isdigit() or not 10 <= int(text) <= 1000:
        raise argparse.ArgumentTypeError(f"a width is a whole number of characters from 10 to "
                                         f"1000, not {quote(text)}")
    return int(text)


def _layers(args: argparse.Namespace) -> str:
    from symparams.export.cheatsheet import cheatsheet

    return cheatsheet()


def _zoo(args: argparse.Namespace) -> str:
    from symparams.export.text import text_table
    from symparams.zoo import entries

    rows = [["Name", "Network", "Symbols", "Published total"]]
    for e in entries().values():
        at = "" if e.values or not e.total_at else " at " + ", ".join(
            f"{k}={v}" for k, v in e.total_at.items())
        symbols = "set" if e.values else ("yes" if e.total_at else "none")
        rows.append([e.key, e.title, symbols, (f"{e.total:,}" if e.total else "") + at])
    return "\n".join(text_table(rows)) + (
        "\n\nsymparams derive NAME derives one; the spec files are in derivations/.\n")


def _version() -> str:
    from symparams import __version__

    return f"symparams {__version__}"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (see ``EPILOG``: 0 ok, 1 impossible network,
    2 bad input, 70 internal error, 130 interrupted, 143 terminated)."""
    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {sig: signal.signal(sig, _terminate) for sig in _STOP_SIGNALS}
    try:
        return _main(argv)
    except Terminated as stop:
        return 128 + stop.args[0]
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated(signum)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parse_args(parser, argv)  # usage errors exit 2 from argparse (SystemExit)
        _spec_from_values(args)
        output = getattr(args, "output", None)
        if hasattr(args, "spec"):
            check_not_input(args.spec, output)
        result = args.run(args)  # text or chunks, or (text, exit status) for verify
        content, status = result if isinstance(result, tuple) else (result, EXIT_OK)
        write_output(content, output)
    except SymparamsError as err:
        print(f"symparams: error: {error_message(err)}", file=sys.stderr)
        return EXIT_IMPOSSIBLE if isinstance(err, ShapeError) else EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except MemoryError:
        print("symparams: error: out of memory; ask for less (a smaller grid, fewer "
              "symbols, a simpler form)", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # a reader such as head stopped: not an error
        with contextlib.suppress(Exception):  # no second complaint when Python flushes stdout
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as err:  # never a traceback for a user; SYMPARAMS_DEBUG=1 shows it
        if os.environ.get("SYMPARAMS_DEBUG"):
            raise
        print(f"symparams: internal error: {type(err).__name__}: {shorten(str(err), 200)} "
              "(set SYMPARAMS_DEBUG=1 for details, and please report it)", file=sys.stderr)
        return EXIT_INTERNAL
    return status


def error_message(err: BaseException) -> str:
    """``str(err)`` as one printable line, plus the text and caret lines of a parse error."""
    lines = str(err).split("\n")
    tail: list[str] = []
    if len(lines) >= 3 and lines[-1].strip() == "^":  # SpecError's window and caret
        tail = lines[-2:]
        lines = lines[:-2]
    return "\n".join([shorten("\n".join(lines), MAX_MESSAGE), *tail])


if __name__ == "__main__":
    sys.exit(main())
