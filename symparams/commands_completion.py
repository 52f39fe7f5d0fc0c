"""``symparams completion SHELL``: a shell completion script, generated from the parser.

The script is static (no Python runs when you press Tab): subcommands, options, the
choices of ``--format`` and the like, file names for ``-o``, and for SPEC the zoo's
names as well as ``.toml``/``.json`` files.  Generated with shtab from the same argparse
parser the command line uses, so it cannot drift from it.

    symparams completion bash > ~/.local/share/bash-completion/completions/symparams
    symparams completion zsh > "${fpath[1]}/_symparams"
    symparams completion fish > ~/.config/fish/completions/symparams.fish
"""

from __future__ import annotations

import argparse
from typing import Any

SHELLS = ("bash", "zsh", "fish", "tcsh")

COMPLETERS = {  # argument: (shell function, the names it offers, the files it offers);
    # a bash function named *_files* makes shtab complete folders with a trailing /
    "spec": ("_symparams_spec_files", "_zoo_names", "*.(toml|json)"),
    "template": ("_symparams_template_files", "_template_names", "*.toml"),
}
"""SPEC completes to zoo names and spec files, an exam's TEMPLATE to the built-in
templates and .toml files: functions :func:`_preamble` defines (fish's are arguments)."""

INSTALL = {
    "bash": "symparams completion bash > ~/.local/share/bash-completion/completions/symparams",
    "zsh": "symparams completion zsh > ~/.zfunc/_symparams\n    "
           "(and fpath+=(~/.zfunc) before compinit in ~/.zshrc)",
    "fish": "symparams completion fish > ~/.config/fish/completions/symparams.fish",
    "tcsh": "symparams completion tcsh >> ~/.tcshrc",
}


def _zoo_names() -> list[str]:
    from symparams.zoo import entries

    return sorted(entries())


def _template_names() -> list[str]:
    from symparams.export.exam.template import BUILTIN

    return sorted(BUILTIN)


def _preamble(shell: str, offers: dict[str, list[str]]) -> str:
    """A shell function per completer: its names, then the files it takes (and folders).
    The names are the zoo's and the templates' keys: letters, digits and ``_``, safe in
    any shell word."""
    out = []
    for dest, (function, _, pattern) in COMPLETERS.items():
        words = " ".join(offers[dest])
        if shell == "bash":
            suffixes = pattern[2:].strip("()").split("|")  # *.(toml|json): toml, json
            files = "".join(f"  compgen -f -X '!*.{x}' -- \"$1\"\n" for x in suffixes)
            out.append(f"{function}() {{\n  compgen -W '{words}' -- \"$1\"\n"
                       f"  compgen -d -- \"$1\"\n{files}}}\n")
        elif shell == "zsh":
            out.append(f"{function}() {{\n  _alternative 'names:name:({words})' "
                       f"'files:file:_files -g \"{pattern}\"'\n}}\n")
    return "".join(out)


def completion_script(shell: str, parser: argparse.ArgumentParser | None = None) -> str:
    """The completion script for ``shell`` (bash, zsh, fish or tcsh).

    >>> "complete" in completion_script("bash")
    True
    """
    import shtab

    from symparams.cli import build_parser

    if shell not in SHELLS:
        raise ValueError(f"shell must be one of {', '.join(SHELLS)}")
    parser = parser or build_parser()
    offers = {dest: globals()[names]() for dest, (_, names, _) in COMPLETERS.items()}
    for action in _all_actions(parser):
        if isinstance(action.metavar, str):
            # zsh reads ':' and brackets of a metavar (NAME=LOW:HIGH[:START]) as syntax
            action.metavar = action.metavar.translate(METAVAR_SAFE)
    for dest, (function, _, _) in COMPLETERS.items():
        fish = f"{' '.join(offers[dest])} (__fish_complete_path (commandline -ct))"
        for action in _actions(parser, dest):
            action.complete = {"bash": function, "zsh": function, "tcsh": "f",  # type: ignore[attr-defined]
                               "fish": fish}
    for action in _actions(parser, "output"):
        action.complete = shtab.FILE  # type: ignore[attr-defined]
    return shtab.complete(parser, shell, preamble=_preamble(shell, offers))


METAVAR_SAFE = str.maketrans({":": "/", "[": "(", "]": ")", "|": "/"})
"""How a metavar is written in a completion script: no character a shell reads."""


def _all_actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """The arguments of the parser and of every subcommand."""
    found = []
    for action in parser._actions:
        found.append(action)
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += _all_actions(sub)
    return found


def _actions(parser: argparse.ArgumentParser, dest: str) -> list[argparse.Action]:
    """The arguments named ``dest`` of the parser and every subcommand."""
    return [a for a in _all_actions(parser) if a.dest == dest]


def add_command(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "completion", help="print a shell completion script (bash, zsh, fish, tcsh)",
        description="Print a completion script for SHELL: subcommands, options, their\n"
        "choices, zoo names and spec files complete on Tab. Install it with\n  "
        + "\n  ".join(INSTALL.values()),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("shell", metavar="SHELL", choices=SHELLS, help=", ".join(SHELLS))
    p.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> str:
    return completion_script(args.shell)


__all__ = ["SHELLS", "add_command", "completion_script"]
