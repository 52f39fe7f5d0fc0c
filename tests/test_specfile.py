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


LAYER = 'input = [8, 8, 3]\n[[layers]]\nkind = "conv2d"\nfilters = 4\nkernel = 3\n'


@pytest.mark.parametrize("text,match", [
    (LAYER + 'bias = "false"\n', "bias must be true or false, got a string 'false' "
                                 r"\(a TOML boolean is written without quotes"),
    ('input = [8, 8, 3]\n[[layers]]\nkind = "maxpool"\nsize = 2\nceil_mode = \'false\'\n',
     "ceil_mode must be true or false"),
    ('name = 3\n' + LAYER, "'name' must be a string"),
    (LAYER + 'name = 3\n', "layer 1: conv: name must be a string, got an integer"),
    (LAYER + 'groups = [1, 2]\n', "layer 1: conv: groups takes one value, got a list"),
    (LAYER + 'groups = {a = 1}\n', "layer 1: conv: groups must be .* got a table"),
    (LAYER + 'groups = 1979-05-27\n', "layer 1: conv: groups must be .* got a date"),
    (LAYER + 'groups = 1e6\n', "sizes are whole numbers: write 1000000"),
    (LAYER + 'groups = 1' + '0' * 70 + '\n', "number too large"),
    (LAYER + 'padding = "full"\n', "padding: 'full' is not supported"),
    (LAYER + 'stride = "two"\n', "stride: 'two' is a number word; write 2"),
    (LAYER + 'strid = 2\n', r"unknown option 'strid' \(did you mean 'stride'\?\)"),
    (LAYER + 'spec = "x"\n', "unknown option 'spec'"),
    (LAYER.replace("conv2d", "conv2"), r"unknown layer kind 'conv2' \(did you mean 'conv2d'\?\)"),
    (LAYER.replace('"conv2d"', "3"), "kind must be a text"),
    ('input = [8]\n[[layers]]\nkind = "activation"\nfunction = "anything"\n',
     "unknown activation 'anything'"),
    ('input = [8]\n[[layers]]\nkind = "prelu"\nnum_parameters = "chanels"\n',
     r"did you mean 'channels'"),
    ('input = "8)-C(4,3"\n[[layers]]\nkind = "dense"\nunits = 2\n', "'input' must be sizes"),
    ('imput = [8]\n', r"unknown key 'imput' \(did you mean 'input'\?\)"),
])
def test_type_mistakes_are_clean_errors(tmp_path, text, match):
    with pytest.raises(symparams.SymparamsError, match=match):
        symparams.load(write(tmp_path, text)).derive()


def test_underscored_integers_and_groups_zero(tmp_path):
    spec = symparams.load(write(tmp_path, 'input = "1_000"\n[[layers]]\nkind = "dense"\nunits = 2\n'))
    assert spec.derive().evaluate() == 2002
    with pytest.raises(symparams.ShapeError, match="groups must be at least 1, got 0"):
        symparams.load(write(tmp_path, LAYER + "groups = 0\n")).derive()
