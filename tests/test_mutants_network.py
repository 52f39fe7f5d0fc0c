"""Tests that kill mutants of symparams/core/network.py (docs/testing.md, "Mutation
testing").  Expected numbers are worked out by hand from the layer definitions; messages
are compared whole."""

from __future__ import annotations

import pytest
import sympy as sp

from symparams.core.errors import ShapeError, SpecError
from symparams.core.network import LEGEND_USES, Network, _uses
from symparams.layers import Conv, Dense, Input


def _msg(excinfo) -> str:
    err = excinfo.value
    return getattr(err, "message", None) or str(err)


# -- construction -----------------------------------------------------------------------

def test_a_network_starts_with_an_input():
    for layers in ((), (Conv(4, 5),), (Conv(4, 5), Input((8, 8, 1)))):
        with pytest.raises(SpecError) as e:
            Network(layers)
        assert _msg(e) == "a network starts with an input layer"


def test_a_first_item_that_is_not_a_layer_is_refused_as_a_missing_input():
    for first in ("input", 3, None):
        with pytest.raises(SpecError) as e:
            Network((first, Dense(3)))
        assert _msg(e) == "a network starts with an input layer"


def test_a_second_input_is_named_by_its_position():
    with pytest.raises(SpecError) as e:
        Network((Input((8, 8, 1)), Input((8, 8, 1))))
    assert _msg(e) == 'layer 1 is a second input; a network has one input (named "input")'
    with pytest.raises(SpecError) as e:
        Network((Input((8, 8, 1)), Conv(4, 5), Input((8, 8, 1))))
    assert _msg(e).startswith("layer 2 is a second input")


def test_something_that_is_not_a_layer_is_named_by_its_position():
    with pytest.raises(SpecError) as e:
        Network((Input((8, 8, 1)), Conv(4, 5), "dense"))
    assert _msg(e) == "layer 2 is not a layer: 'dense'"
    with pytest.raises(SpecError) as e:
        Network([Input((8, 8, 1)), 3])
    assert _msg(e) == "layer 1 is not a layer: 3"


def test_a_name_used_twice_is_refused_once_used_twice_only():
    with pytest.raises(SpecError) as e:
        Network((Input((8, 8, 1)), Conv(4, 3, name="a"), Conv(4, 3, name="a")))
    assert _msg(e) == "layer name 'a' is used twice"
    # distinct names (and unnamed layers) are fine
    net = Network((Input((8, 8, 1)), Conv(4, 3, name="a"), Conv(4, 3, name="b"), Conv(4, 2)))
    assert [r.name for r in net.derive().rows] == ["a", "b", "conv2d1"]


def test_layers_given_as_a_list_become_a_tuple():
    first = Input((8, 8, 1))
    net = Network([first, Dense(3)])
    assert isinstance(net.layers, tuple) and net.input is net.layers[0]
    assert net.input.output_shape().dims() == (8, 8, 1)


def test_subs_keeps_the_name_and_replaces_every_hyperparameter():
    net = Network((Input(("n", "n", 1)), Conv("f", 3), Dense("m")), name="small")
    s = net.derive().symbols
    new = net.subs({s["n"]: sp.Integer(10), s["f"]: sp.Integer(2)})
    assert new.name == "small"
    d = new.derive()
    # conv 3x3, 1 -> 2 channels: 3*3*1*2 + 2; output 8 x 8 x 2 -> dense m: 128*m + m
    m = s["m"]
    assert d.total.free_symbols == {m}
    for value in (1, 7):
        assert d.total.subs(m, value) == 3 * 3 * 1 * 2 + 2 + (8 * 8 * 2) * value + value


# -- derive ---------------------------------------------------------------------------

def test_an_unknown_convention_is_refused_with_the_list():
    net = Network((Input((8, 8, 1)), Dense(3)))
    with pytest.raises(SpecError) as e:
        net.derive(convention="tf")
    assert _msg(e) == "convention must be one of pytorch, keras, got 'tf'"


def test_the_convention_is_passed_on():
    from symparams.layers import BatchNorm

    net = Network((Input((8, 8, 3)), Conv(4, 3), BatchNorm()))
    torch_like = net.derive()
    keras = net.derive(convention="keras")
    conv = 3 * 3 * 3 * 4 + 4
    assert torch_like.convention == "pytorch" and keras.convention == "keras"
    assert torch_like.total == conv + 2 * 4 and torch_like.non_trainable == 0
    assert keras.total == conv + 4 * 4 and keras.non_trainable == 2 * 4


def test_an_input_condition_is_recorded_at_index_0_for_the_input():
    d = Network((Input(("h - 2", 3, 1)), Dense(5))).derive()
    assert len(d.conditions) == 1
    c = d.conditions[0]
    h = d.symbols["h"]
    assert (c.index, c.layer, c.reason, c.assumed) == (0, "input", "input height h - 2 is at least 1",
                                                      False)
    for value in range(0, 8):
        assert bool(c.relation.subs(h, value)) == (value - 2 >= 1)
    # flatten (h - 2)*3 values, then dense 5 with bias
    for value in (3, 10):
        assert d.total.subs(h, value) == (value - 2) * 3 * 5 + 5
    assert d.legend == ((h, "input height"),)


def test_an_input_error_is_prefixed_with_input():
    with pytest.raises(ShapeError) as e:
        Network((Input((0, 3, 1)), Conv(4, 5))).derive()
    assert _msg(e) == "input: input height must be at least 1, got 0"


def test_the_input_roles_are_the_legend_as_they_are():
    d = Network((Input(("n", "n", "c")), Conv("f", 3))).derive()
    legend = {s.name: text for s, text in d.legend}
    assert legend["n"] == "input height and width"
    assert legend["c"] == "input channels"
    assert legend["f"] == "number of filters of conv2d1"


def test_assume_divisible_true_and_by_name():
    net = Network((Input(("n", "n", 1)), Conv(4, 5, stride=2, name="b"),
                   Conv(4, 5, stride=2, name="c")))
    every = net.derive(assume_divisible=True)
    assert every.assume_divisible is True
    assert sum(c.assumed for c in every.conditions) == 2
    some = net.derive(assume_divisible={"c"})
    assert some.assume_divisible == frozenset({"c"})
    assert [(c.layer, c.assumed) for c in some.conditions if c.assumed] == [("c", True)]
    n = every.symbols["n"]
    # n = 29: (29 - 5)//2 + 1 = 13, (13 - 5)//2 + 1 = 5: every division exact
    assert every.rows[1].output_shape.dims()[0].subs(n, 29) == 5
    assert some.rows[1].output_shape.dims()[0].subs(n, 29) == 5


def test_assume_divisible_naming_no_layer_is_refused():
    net = Network((Input(("n", "n", 1)), Conv(4, 5, name="a"), Conv(4, 5, name="b")))
    with pytest.raises(SpecError) as e:
        net.derive(assume_divisible={"zz", "yy", "a"})
    assert _msg(e) == "assume_divisible names no layer 'yy'; layers: a, b"


def test_the_derivation_knows_its_network_input_and_rows():
    net = Network((Input((8, 8, 1)), Conv(4, 3), Dense(2)))
    d = net.derive()
    assert d.network is net
    assert d.input_shape.dims() == (8, 8, 1)
    assert isinstance(d.rows, tuple) and [r.kind for r in d.rows] == ["conv2d", "flatten", "dense"]
    assert d.total == (3 * 3 * 1 * 4 + 4) + (6 * 6 * 4 * 2 + 2)


def test_the_layer_list_of_an_unknown_assume_divisible_name_is_cut_at_300_characters():
    names = [f"layer_with_a_long_name_{i:02d}" for i in range(20)]
    net = Network((Input((64, 64, 1)),) + tuple(Conv(1, 1, name=n) for n in names))
    listing = ", ".join(names)
    assert len(listing) > 300
    with pytest.raises(SpecError) as e:
        net.derive(assume_divisible={"nothing"})
    assert _msg(e) == "assume_divisible names no layer 'nothing'; layers: " + listing[:299] + "…"


# -- the legend's uses ----------------------------------------------------------------

def test_uses_names_at_most_three():
    assert LEGEND_USES == 3
    assert _uses([]) == ""
    assert _uses(["a"]) == "a"
    assert _uses(["a", "b", "c"]) == "a; b; c"
    assert _uses(["a", "b", "c", "d"]) == "a; b; c; and 1 more use"
    assert _uses(["a", "b", "c", "d", "e"]) == "a; b; c; and 2 more uses"


def test_a_symbol_used_by_many_layers_is_described_briefly():
    net = Network((Input(("n", "n", 1)),) + tuple(Conv("f", 1) for _ in range(5)))
    d = net.derive()
    legend = {s.name: text for s, text in d.legend}
    assert legend["f"] == ("number of filters of conv2d1; number of filters of conv2d2; "
                           "number of filters of conv2d3; and 2 more uses")
