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

SPEC_COMPLETERS = {"bash": "_symparams_zoo_or_file", "zsh": "_symparams_zoo_or_file",
                   "tcsh": "f"}
"""The completion of SPEC per shell: functions :func:`_preamble` defines (fish's is its
``-a`` argument, built with the names in :func:`completion_script`)."""

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


def _preamble(shell: str, names: list[str]) -> str:
    words = " ".join(names)  # zoo keys: letters, digits and _ only, safe in any shell word
    if shell == "bash":
        return (f"_symparams_zoo_or_file() {{\n  compgen -W '{words}' -- \"$1\"\n"
                "  compgen -f -- \"$1\"\n}\n")
    if shell == "zsh":
        return ("_symparams_zoo_or_file() {\n  _alternative "
                f"'zoo:zoo network:({words})' "
                "'files:spec file:_files -g \"*.(toml|json)\"'\n}\n")
    return ""


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
    names = _zoo_names()
    fish = f"{' '.join(names)} (__fish_complete_path (commandline -ct))"
    for action in _actions(parser, "spec"):
        action.complete = {**SPEC_COMPLETERS, "fish": fish}  # type: ignore[attr-defined]
    for action in _actions(parser, "output") + _actions(parser, "template"):
        action.complete = shtab.FILE  # type: ignore[attr-defined]
    return shtab.complete(parser, shell, preamble=_preamble(shell, names))


def _actions(parser: argparse.ArgumentParser, dest: str) -> list[argparse.Action]:
    """The arguments named ``dest`` of the parser and every subcommand."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += _actions(sub, dest)
        elif action.dest == dest:
            found.append(action)
    return found


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
