"""The zoo ships with the package and is reachable by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from symparams.cli import main
from symparams.zoo import FOLDER, entries, find, key_of


def test_derivations_is_the_installed_zoo():
    """derivations/ is a link to the package's zoo in a checkout; the sdist holds a copy of
    its files (setuptools copies a link's files), which must be the same files."""
    root = Path(__file__).resolve().parent.parent
    if (root / ".git").exists():
        assert (root / "derivations").resolve() == FOLDER
    assert {p.name: p.read_bytes() for p in FOLDER.glob("*.toml")} == {
        p.name: p.read_bytes() for p in (root / "derivations").glob("*.toml")}


def test_names():
    assert key_of("ResNet-101") == "resnet101"
    assert find("ResNet-50").values == {"n": 224, "L1": 3, "L2": 4, "L3": 6, "L4": 3}
    assert find("resnet_bottleneck").values == {}
    assert find("I-C-P-H-O") is None and find("vgg16(") is None
    assert len(entries()) >= 18


@pytest.mark.parametrize("name, total", [("resnet50", "25,557,032"), ("resnet152", "60,192,808"),
                                         ("ResNet-34", "21,797,672"), ("vgg16", "138,357,544")])
def test_derive_by_name(name, total, capsys):
    assert main(["derive", name]) == 0
    assert f"Total params: {total}" in capsys.readouterr().out


def test_zoo_lists_every_entry(capsys):
    assert main(["zoo"]) == 0
    out = capsys.readouterr().out
    for key in entries():
        assert f"\n{key} " in out
    assert "25,557,032 at n=224, L1=3, L2=4, L3=6, L4=3" in out


def test_a_notation_is_still_a_notation(capsys):
    assert main(["derive", "I(28x28x1)-C(4,5)"]) == 0
    assert "Total params: 104" in capsys.readouterr().out
