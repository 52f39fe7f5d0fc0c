"""The ``symparams`` command line."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Iterable, Sequence

from symparams.core.errors import SpecError, SymparamsError

# Modules that add a subcommand: each has ``add_command(subparsers)``, which adds its
# parser and sets ``run`` (args -> text to print) as a default.
COMMANDS: list[str] = ["symparams.commands_verify", "symparams.commands_algebra"]


def load_spec(spec: str, convention: str | None = None, assume_divisible: bool = False):
    """A Derivation from a notation string or a TOML spec file."""
    from symparams.notation.compact import parse
    from symparams.notation.specfile import load

    if Path(spec).is_dir():
        raise SpecError(f"{spec} is a folder; give a .toml spec file or a notation such as \"I-C-P-H-O\"")
    if spec.endswith(".toml") or Path(spec).is_file():
        loaded = load(spec)
        network, convention = loaded.network, convention or loaded.convention
    else:
        network = parse(spec)
    return network.derive(convention=convention or "pytorch", assume_divisible=assume_divisible)


def parse_assignments(items: Sequence[str]) -> dict[str, str]:
    """``["n=28", "k=5"]`` -> ``{"n": "28", "k": "5"}``; values stay text for the strict parser."""
    values: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise SpecError(f"--set takes NAME=VALUE, got {item!r}")
        values[name] = value
    return values


def write_output(text: str | Iterable[str], path: str | None) -> None:
    """Print, or write to ``path`` all at once (a temp file renamed into place);
    ``text`` may be an iterable of chunks, written as they come."""
    chunks = [text] if isinstance(text, str) else text
    if path is None:
        for chunk in chunks:
            sys.stdout.write(chunk)
        return
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise SpecError(f"cannot write {path}: no folder {folder}")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for chunk in chunks:
                fh.write(chunk)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", metavar="SPEC", help="a notation such as \"I-C-P-H-O\" or a .toml spec file")
    p.add_argument("--set", dest="values", metavar="NAME=VALUE", action="extend", nargs="+",
                   default=[], help="give symbols values (partial substitution is fine)")
    p.add_argument("--convention", choices=("pytorch", "keras"), default=None,
                   help="how BatchNorm running statistics count (default: pytorch, or the file's)")
    p.add_argument("--assume-divisible", action="store_true",
                   help="assume every stride divides exactly: no floors (each assumption is listed)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")


def derivation_from_args(args: argparse.Namespace):
    """The Derivation the common options describe: SPEC, --convention,
    --assume-divisible, then the --set values substituted."""
    derivation = load_spec(args.spec, args.convention, args.assume_divisible)
    values = parse_assignments(args.values)
    return derivation.subs(values) if values else derivation


def build_parser() -> argparse.ArgumentParser:
    from symparams.export import FORMATS, load_formats

    load_formats()

    parser = argparse.ArgumentParser(prog="symparams", description=(
        "Closed-form, exact formulas for the output shapes and parameter counts of neural networks."))
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
    derive.set_defaults(run=_derive)
    for module in COMMANDS:
        importlib.import_module(module).add_command(sub)
    return parser


def _derive(args: argparse.Namespace) -> str:
    from symparams.export import render

    derivation = derivation_from_args(args)
    if args.form or args.by:
        derivation = derivation.simplify(args.form or "collected", args.by)
    options = {k: True for k in ("standalone", "worked") if getattr(args, k, False)}
    return render(derivation, args.format, **options)


def _version() -> str:
    from symparams import __version__

    return f"symparams {__version__}"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 2 bad input, 70 internal error)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.run(args)  # text, or (text, exit status) for checks such as verify
        text, status = result if isinstance(result, tuple) else (result, 0)
        write_output(text, getattr(args, "output", None))
    except SymparamsError as err:
        print(f"symparams: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as err:  # never a traceback for a user; SYMPARAMS_DEBUG=1 shows it
        if os.environ.get("SYMPARAMS_DEBUG"):
            raise
        print(f"symparams: internal error: {type(err).__name__}: {err} "
              "(set SYMPARAMS_DEBUG=1 for details, and please report it)", file=sys.stderr)
        return 70
    return status


if __name__ == "__main__":
    sys.exit(main())
