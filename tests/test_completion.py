"""``symparams completion``: the generated scripts complete in the shells they are for.

bash is driven through its completion function with COMP_WORDS set as readline would;
fish through ``complete -C``; zsh is syntax-checked and its SPEC completer read.  The
expected words come from the parser and the zoo's files, not from the script.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from symparams.cli import build_parser, main
from symparams.commands_completion import SHELLS, completion_script
from symparams.export import FORMATS
from symparams.zoo import entries


def _subcommands() -> set[str]:
    import argparse

    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return set(sub.choices)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name in ("net.toml", "config.json", "notes.txt"):
        (tmp_path / name).write_text("")
    return tmp_path


def _bash(script: Path, folder: Path, *words: str) -> list[str]:
    program = (f"source {script}\nCOMP_WORDS=({' '.join(repr(w) for w in words)})\n"
               "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n_shtab_symparams\n"
               'printf "%s\\n" "${COMPREPLY[@]}"\n')
    done = subprocess.run(["bash", "-c", program], cwd=folder, capture_output=True, text=True,
                          check=True)
    return [w for w in done.stdout.split("\n") if w]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completes_commands_options_choices_zoo_names_and_files(folder, tmp_path_factory):
    script = tmp_path_factory.mktemp("s") / "symparams.bash"
    script.write_text(completion_script("bash"))
    assert set(_bash(script, folder, "symparams", "")) == _subcommands()
    assert "completion" in _subcommands()
    completed = set(_bash(script, folder, "symparams", "derive", "resnet"))
    assert {"resnet50", "resnet18", "resnet_bottleneck"} <= completed
    assert completed == {name for name in entries() if name.startswith("resnet")}
    assert _bash(script, folder, "symparams", "derive", "ne") == ["net.toml"]
    assert "notes.txt" not in _bash(script, folder, "symparams", "derive", "")  # no spec
    assert {"mnist_cnn", "dense", "cnn_same", "net.toml"} <= set(
        _bash(script, folder, "symparams", "exam", ""))
    assert _bash(script, folder, "symparams", "verify", "conf") == ["config.json"]
    assert set(_bash(script, folder, "symparams", "derive", "vgg16", "--format", "")) \
        == set(FORMATS)
    assert set(_bash(script, folder, "symparams", "derive", "vgg16", "--for")) \
        == {"--format", "--form"}
    assert _bash(script, folder, "symparams", "derive", "vgg16", "-o", "no") == ["notes.txt"]
    assert set(_bash(script, folder, "symparams", "completion", "")) == set(SHELLS)


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_fish_completes_zoo_names_files_and_choices(folder, tmp_path_factory):
    script = tmp_path_factory.mktemp("s") / "symparams.fish"
    script.write_text(completion_script("fish"))

    def complete(line: str) -> list[str]:
        done = subprocess.run(["fish", "--no-config", "-c",
                               f"source {script}; complete -C {line!r}"],
                              cwd=folder, capture_output=True, text=True, check=True,
                              env={**os.environ, "HOME": str(folder)})
        return [w.split("\t")[0] for w in done.stdout.split("\n") if w]

    assert "vgg16" in complete("symparams derive vg")
    assert complete("symparams derive ne") == ["net.toml"]
    assert set(complete("symparams sweep vgg16 --format ")) >= {"csv", "json"}


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_script_parses_and_offers_zoo_names_and_spec_files(tmp_path):
    script = tmp_path / "_symparams"
    text = completion_script("zsh")
    script.write_text(text)
    subprocess.run(["zsh", "-n", str(script)], check=True)
    assert text.startswith("#compdef symparams")
    assert "'files:file:_files -g \"*.(toml|json)\"'" in text
    # a metavar's ':' and brackets are zsh syntax: written as / and ( )
    assert ":NAME=LOW/HIGH(/START):" in text and "LOW:HIGH" not in text
    assert "resnet50" in text and "vgg16" in text


def test_the_command_prints_the_script_and_refuses_an_unknown_shell(capsys):
    assert main(["completion", "bash"]) == 0
    assert "complete -o bashdefault -F _shtab_symparams symparams" in capsys.readouterr().out
    with pytest.raises(SystemExit) as stop:
        main(["completion", "cmd.exe"])
    assert stop.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
