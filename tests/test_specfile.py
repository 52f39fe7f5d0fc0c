"""TOML spec files: both forms, and clear errors."""

from __future__ import annotations

import pytest

import symparams
from symparams import SpecError


def write(tmp_path, text, name="net.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_layers_form_with_names_and_symbols(tmp_path):
    path = write(tmp_path, '''
name = "tiny"
input = "n x n x 1"
[[layers]]
kind = "conv2d"
name = "features"
filters = 4
kernel = [5, 3]
padding = "same"
[[layers]]
kind = "dense"
name = "head"
units = "o"
''')
    spec = symparams.load(path)
    d = spec.derive()
    assert [r.name for r in d.rows] == ["features", "flatten1", "head"]
    assert d.evaluate(n=6, o=2) == (5 * 3 * 1 * 4 + 4) + (6 * 6 * 4 * 2 + 2)


def test_keras_convention_from_file(tmp_path):
    path = write(tmp_path, 'convention = "keras"\nnotation = "I(8x8x3)-C(4,3)-B"\n')
    assert symparams.load(path).derive().non_trainable == 8


@pytest.mark.parametrize("text,match", [
    ('notation = "I(8x8x3)-C(4,3)"\nbogus = 1\n', "unknown key 'bogus'"),
    ('input = [8, 8, 3]\n[[layers]]\nfilters = 3\n', r"layer 1: missing kind"),
    ('input = [8, 8, 3]\n[[layers]]\nkind = "conv2d"\nname = "c"\nfilters = 3\nkernal = 3\n',
     r"layer 1 \(c\): conv2d: unknown option 'kernal'"),
    ('input = [8, 8, 3]\n[[layers]]\nkind = "conv2d"\nfilters = 3\n', "missing kernel"),
    ('input = [8, 8, 3]\n[[layers]]\nkind = "warp"\n', "unknown layer kind 'warp'; known kinds:"),
    ('input = [8, 8, 3]\n[[layers]]\nkind = "conv2d"\nfilters = 2.5\nkernel = 3\n',
     "number of filters must be an integer, got 2.5"),
    ('input = [8, 8, 3]\n[[layers]]\nkind = "conv2d"\nfilters = "__import__(\'os\')"\nkernel = 3\n',
     "invalid name"),
    ('notation = "I(8x8x3)-C(4,3"\n', "unbalanced"),
    ('notation = "I(8x8x3)"\ninput = [1]\n', "either 'notation'"),
    ('input = [8, 8, 3\n', "invalid TOML"),
    ('layers = []\n', "missing 'input'"),
])
def test_errors(tmp_path, text, match):
    with pytest.raises(SpecError, match=match) as info:
        symparams.load(write(tmp_path, text))
    assert str(info.value).startswith(str(tmp_path / "net.toml"))


def test_missing_file(tmp_path):
    with pytest.raises(SpecError, match="cannot read"):
        symparams.load(tmp_path / "absent.toml")
