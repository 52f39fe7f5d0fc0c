"""Tests that kill mutants of symparams/core/graph.py (docs/testing.md, "Mutation
testing").  Counts are worked out by hand from the layer definitions (a conv has
``k·k·c_in·c_out + c_out`` parameters, a dense ``n_in·n_out + n_out``); messages are
compared whole."""

from __future__ import annotations

import pytest
import sympy as sp

import symparams
from symparams.core.errors import NotSupportedError, ShapeError, SpecError
from symparams.core.graph import (MAX_NESTING, MAX_UNROLL, Block, BlockCall, Context, Repeat,
                                  _auto_name, _body, checked_conditions, implied_flatten,
                                  same_shape, unify_symbols)
from symparams.core.layer import Layer
from symparams.core.network import Network
from symparams.core.shape import Shape
from symparams.layers import (Activation, Add, BatchNorm, Concat, Conv, Dense, Embedding, Flatten,
                              Input, LayerNorm, Pool)


def _msg(excinfo) -> str:
    err = excinfo.value
    return getattr(err, "message", None) or str(err)


def _sym(name: str, **kw) -> sp.Symbol:
    return sp.Symbol(name, **(kw or {"integer": True, "positive": True}))


def conv(c_in, c_out, k, bias=True):
    return k * k * c_in * c_out + (c_out if bias else 0)


# -- reading inputs ----------------------------------------------------------------------

def test_an_offset_reaches_the_input_but_not_before_it():
    # at position 1, -2 is the input (j = -1); -3 (j = -2) is before it
    d = Network((Input((8, 8, 3)), Conv(3, 3, padding=1), Add(inputs=(-2, -1)))).derive()
    assert d.rows[1].inputs == ("input", "conv2d1")
    assert d.rows[1].input_shapes == (Shape((8, 8), 3), Shape((8, 8), 3))
    with pytest.raises(SpecError) as e:
        Network((Input((8, 8, 3)), Conv(3, 3), Add(inputs=(-3, -1)))).derive()
    assert _msg(e) == "layer 2 (add, add): input -3 reaches before the first layer"
    # an offset to a layer: -2 at position 2 is the first conv
    d = Network((Input((8, 8, 3)), Conv(3, 3, padding=1), Conv(3, 3, padding=1),
                 Add(inputs=(-3, -2)))).derive()
    assert d.rows[2].inputs == ("input", "conv2d1")
    d = Network((Input((8, 8, 3)), Conv(3, 3, padding=1), Conv(3, 3, padding=1),
                 Add(inputs=(-2, -1)))).derive()
    assert d.rows[2].inputs == ("conv2d1", "conv2d2")


def test_a_name_read_before_it_exists_lists_the_known_ones():
    with pytest.raises(SpecError) as e:
        Network((Input((8, 8, 3)), Conv(3, 3), Add(inputs=("nowhere", "input")))).derive()
    assert _msg(e) == ("layer 2 (add, add) reads 'nowhere': no layer of that name before it; "
                       "known: input, conv2d1")
    long = tuple(Conv(3, 1, name="c" * 30 + str(i)) for i in range(10))
    with pytest.raises(SpecError) as e:
        Network((Input((8, 8, 3)), *long, Add(inputs=("zz", "input")))).derive()
    known = ", ".join(["input"] + ["c" * 30 + str(i) for i in range(10)])
    assert _msg(e) == ("layer 11 (add, add) reads 'zz': no layer of that name before it; "
                       f"known: {known[:199]}…")
    # a named layer's own name is in the message, not its kind
    with pytest.raises(SpecError) as e:
        Network((Input((8, 8, 3)), Add(name="sum", inputs=("zz", "input")))).derive()
    assert _msg(e).startswith("layer 1 (sum, add) reads 'zz'")


def test_rows_record_what_they_read_with_the_block_prefix():
    b = Block("b", ("c",), (Conv("c", 3, padding=1), Conv("c", 1), Add(inputs=("input", -1))))
    d = Network((Input((8, 8, 4)), b(4))).derive()
    kids = d.rows[0].children
    assert [r.name for r in kids] == ["b1.conv2d1", "b1.conv2d2", "b1.add1"]
    assert [r.inputs for r in kids] == [("input",), ("b1.conv2d1",), ("input", "b1.conv2d2")]
    assert [r.index for r in kids] == [1, 2, 3]
    assert d.rows[0].inputs == ("input",)
    assert d.rows[0].kind == "b"


# -- merges, composite layers, errors ------------------------------------------------------

def test_a_merge_of_one_input_is_refused_with_its_place():
    with pytest.raises(SpecError) as e:
        symparams.parse("I(8x8x3)-C(3,3)-add").derive()
    assert _msg(e) == ("layer 2 (add1, add) on input 6 × 6 × 3: add reads two or more inputs, "
                       "got 1: give inputs=[...]")


def test_a_merge_counts_no_parameters_and_its_own_costs():
    d = Network((Input((4, 4, 2)), Conv(2, 1), Add(inputs=("input", -1)))).derive()
    add = d.rows[1]
    assert add.trainable == 0 and add.non_trainable == 0 and add.weights == ()
    assert add.macs == 0
    assert add.elementwise == 4 * 4 * 2  # one addition per output element
    assert add.input_shapes == (Shape((4, 4), 2), Shape((4, 4), 2))
    # the merged shapes' conditions are kept (symbolic padding: p must be 0)
    d = symparams.parse("I(n x n x 3)-[C(3,1,p=p)]+").derive()
    assert any(c.layer == "add1" and c.index == 2 for c in d.conditions)


def test_errors_inside_blocks_name_the_top_row_and_the_inner_one():
    with pytest.raises(ShapeError) as e:
        symparams.parse("b(c)=C(c,3)-C(c,9); I(8x8x3)-C(3,3)-b(4)").derive()
    # located once, by the inner layer's dotted name and the top row's index
    assert _msg(e) == ("layer 2 (b1.conv2d2, C(c,9) of b(4)) on input 4 × 4 × 4: the kernel "
                       "(9) must fit in the padded input height (4)")
    with pytest.raises(ShapeError) as e:
        symparams.parse("I(8x8x3)-C(3,1)-C(3,3)-(C(3,3)-C(3,9))x2").derive()
    assert _msg(e) == ("layer 3 (repeat1.1.conv2d2, C(3,9)) on input 4 × 4 × 3: the kernel (9) "
                       "must fit in the padded input height (4)")
    # a SpecError inside a block is not prefixed twice
    b = Block("b", ("c",), (Conv("c", 1), Add(inputs=("zz", "input"))))
    with pytest.raises(SpecError) as e:
        Network((Input((8, 8, 4)), Conv(4, 1), b(4))).derive()
    assert _msg(e) == ("layer 2 (b1.add, add of b(4)) reads 'zz': no layer of that name before it; "
                       "known: input, conv2d1")


def test_a_spec_error_of_a_plain_layer_gets_its_place():
    with pytest.raises(SpecError) as e:
        symparams.parse("I(T, sequence=true)-E(V,d)-O(V,ties=nothere)").derive()
    assert _msg(e) == ("layer 2 (dense1, O(V,ties=nothere)) on input T × d: it ties its matrix "
                       "to 'nothere': no layer of that name before it")


class _BadPrefix(Layer):
    kind = "badprefix"
    prefix = "badprefix"

    def resolved_prefix(self, in_shape):
        raise ShapeError("no prefix for this input")

    def output_shape(self, in_shape):
        return in_shape


def test_a_shape_error_naming_the_layer_gets_its_place():
    with pytest.raises(ShapeError) as e:
        Network((Input((8, 8, 3)), Conv(3, 1), _BadPrefix())).derive()
    assert _msg(e) == "layer 2 (badprefix, badprefix) on input 8 × 8 × 3: no prefix for this input"


def _nested(levels: int) -> Layer:
    layer: Layer = Conv(3, 1)
    for _ in range(levels):
        layer = Repeat((layer,), 1)
    return layer


def test_blocks_and_repeats_nest_at_most_max_nesting_deep():
    d = Network((Input((4, 4, 3)), _nested(MAX_NESTING))).derive()
    assert d.total == conv(3, 3, 1)
    with pytest.raises(NotSupportedError) as e:
        Network((Input((4, 4, 3)), _nested(MAX_NESTING + 1))).derive()
    assert _msg(e).startswith("layer 1 (repeat1.1.repeat1.1.")  # the innermost repeat
    assert _msg(e).endswith(f": blocks and repeats nest more than {MAX_NESTING} deep")
    # siblings do not add up: the depth is given back after each
    many = tuple(Repeat((Conv(3, 1),), 1) for _ in range(MAX_NESTING + 5))
    d = Network((Input((4, 4, 3)), *many)).derive()
    assert d.total == (MAX_NESTING + 5) * conv(3, 3, 1)
    # and after an error inside one
    ctx = Context("pytorch", frozenset())
    from symparams.core.graph import derive_body
    with pytest.raises(ShapeError):
        derive_body((Repeat((Conv(3, 9),), 1),), Shape((4, 4), 3), ctx)
    assert ctx.nesting == 0


def test_an_output_nested_too_deep_is_refused(monkeypatch):
    import symparams.core.graph as graph

    text = "I(n x 1)-C(1,1,s=s1)-C(1,1,s=s2)"  # ceiling(n/(s1*s2)): depth 3
    monkeypatch.setattr(graph, "MAX_DEPTH", 3)
    assert str(symparams.parse(text).derive().rows[1].output_shape.dims()[0]) == \
        "ceiling(n/(s1*s2))"
    monkeypatch.setattr(graph, "MAX_DEPTH", 2)
    with pytest.raises(NotSupportedError) as e:
        symparams.parse(text).derive()
    assert _msg(e) == ("layer 2 (conv1d2, C(1,1,s=s2)) on input ceiling(n/s1) × 1: its output size "
                       "nests more than 2 levels deep, too deep to print or evaluate; give some "
                       "sizes numbers (--set NAME=VALUE)")


def test_errors_in_every_copy_of_a_repeat_name_the_top_row():
    # 8 -> 4 -> 0: the second copy fails; 6 -> 4 -> 2 -> 0: the third
    with pytest.raises(ShapeError) as e:
        symparams.parse("I(8x8x3)-C(3,1)-C(3,1)-(C(3,5))x3").derive()
    assert _msg(e) == ("layer 3 (repeat1.2.conv2d1, C(3,5)) on input 4 × 4 × 3: the kernel (5) "
                       "must fit in the padded input height (4)")
    with pytest.raises(ShapeError) as e:
        symparams.parse("I(8x8x3)-C(3,1)-C(3,1)-(C(3,3))x4").derive()
    assert _msg(e) == ("layer 3 (repeat1.4.conv2d1, C(3,3)) on input 2 × 2 × 3: the kernel (3) "
                       "must fit in the padded input height (2)")
    with pytest.raises(ShapeError) as e:
        symparams.parse("I(8x8x3)-C(3,1)-C(3,1)-(C(3,3))x3-C(3,9)").derive()
    assert _msg(e).startswith("layer 4 (conv2d3, C(3,9)) on input 2 × 2 × 3: ")
    # a condition of a later copy keeps the repeat's index
    d = symparams.parse("I(n x n x 3)-C(3,1)-C(3,1)-(C(3,3))x3").derive()
    assert [(c.index, c.layer, str(c.relation)) for c in d.conditions] == [
        (3, "repeat1.3.conv2d1", "n >= 7")]


def test_a_false_condition_of_a_top_level_layer_names_it():
    with pytest.raises(ShapeError) as e:
        symparams.parse("I(8x8x3)-C(3,1)-C(3,3,g=0)").derive()
    assert _msg(e) == ("layer 2 (conv2d2, C(3,3,g=0)) on input 8 × 8 × 3: groups must be at "
                       "least 1, got 0")


def test_a_network_of_its_input_alone():
    d = Network((Input((8, 8, 3)),)).derive()
    assert d.rows == () and d.total == 0


def test_a_name_used_twice_in_one_body():
    from symparams.core.graph import derive_body
    with pytest.raises(SpecError) as e:
        derive_body((Conv(3, 1, name="a"), Conv(3, 1, name="a")), Shape((4, 4), 3),
                    Context("pytorch", frozenset()))
    assert _msg(e) == "layer 2 (a, conv): the name 'a' is used twice"


# -- conditions, assumptions, legend ---------------------------------------------------------

def test_conditions_inside_a_block_carry_the_top_index_and_the_full_name():
    b = Block("b", ("c",), (Conv("c", 3, padding=1), Pool(2, name="pool")))
    d = Network((Input(("n", "n", 3)), Conv(3, 1), Conv(3, 1), b(4))).derive(
        assume_divisible={"b1.pool"})
    n = _sym("n")
    pool = [c for c in d.conditions if c.layer == "b1.pool"]
    assert [(c.index, c.assumed) for c in pool] == [(3, False), (3, True)]
    assert pool[0].relation == (n >= 2)
    assert pool[0].reason == "the pool window (2) must fit in the padded input height (n)"
    assert pool[1].relation == sp.Eq(sp.Mod(n, 2), 0)
    assert pool[1].reason == "assuming 2 divides n"
    assert d.rows[2].children[1].output_shape == Shape((n / 2, n / 2), 4)
    # not assumed: no assumption, the floor stays
    d = Network((Input(("n", "n", 3)), Conv(3, 1), Conv(3, 1), b(4))).derive()
    assert [c.assumed for c in d.conditions if c.layer == "b1.pool"] == [False]
    assert d.rows[2].children[1].output_shape.dims()[0] != n / 2
    d = Network((Input(("n", "n", 3)), Conv(3, 1), b(4))).derive(assume_divisible=True)
    assert [c.assumed for c in d.conditions if c.layer == "b1.pool"] == [False, True]
    # a block inside a repeat inside the network: still the top row's index
    d = Network((Input(("n", "n", 3)), Conv(3, 1), Conv(3, 1), Repeat((b(3),), 1))).derive()
    assert [(c.index, c.layer) for c in d.conditions if c.layer.endswith("pool")] == [
        (3, "repeat1.1.b1.pool")]


def test_the_legend_names_each_use_once_in_order():
    d = symparams.parse("I(8x8x3)-C(zz+aa,3)-C(f,f)").derive()
    assert [(s.name, text) for s, text in d.legend] == [
        ("aa", "used in the number of filters of conv2d1"),
        ("zz", "used in the number of filters of conv2d1"),
        ("f", "number of filters of conv2d2; kernel size of conv2d2")]
    d = Network((Input((8, 8, 3)), Conv(4, ("k", "k")))).derive()
    assert [(s.name, text) for s, text in d.legend] == [("k", "kernel size of conv2d1")]


def test_context_note_by_hand():
    ctx = Context("keras", True)
    assert (ctx.convention, ctx.assume_divisible, ctx.conditions, ctx.legend, ctx.names,
            ctx.nesting) == ("keras", True, [], {}, set(), 0)
    b, a = _sym("b"), _sym("a")
    ctx.note(a + b, "size", exact=False)
    ctx.note(a, "size", exact=True)
    ctx.note(a, "size", exact=True)
    assert list(ctx.legend) == [a, b]
    assert ctx.legend == {a: ["used in the size", "size"], b: ["used in the size"]}


# -- weights: trainable, frozen, shared, tied -------------------------------------------------

def test_frozen_weights_and_the_keras_statistics():
    d = Network((Input((4, 4, 2)), Conv(3, 1, trainable=False), BatchNorm())).derive()
    assert [(r.trainable, r.non_trainable) for r in d.rows] == [(0, conv(2, 3, 1)), (6, 0)]
    d = Network((Input((4, 4, 2)), Conv(3, 1), BatchNorm())).derive(convention="keras")
    assert [(r.trainable, r.non_trainable) for r in d.rows] == [(conv(2, 3, 1), 0), (6, 6)]
    assert [len(r.weights) for r in d.rows] == [2, 4]
    assert d.rows[0].macs == 4 * 4 * 3 * 2
    assert d.rows[0].elementwise == 4 * 4 * 3  # the bias additions


def test_a_shared_layer_counts_nothing_and_must_match():
    d = symparams.parse("I(8x8x3)-C(3,3,p=1)-C(3,3,p=1,shares=conv2d1)").derive()
    assert d.total == conv(3, 3, 3)
    assert d.rows[1].weights == () and d.rows[1].trainable == 0
    assert d.rows[1].macs == 8 * 8 * 3 * 27  # its work is still done
    with pytest.raises(ShapeError) as e:
        symparams.parse("I(8x8x3)-C(3,3,p=1)-C(4,3,p=1,shares=conv2d1)").derive()
    assert _msg(e) == ("layer 2 (conv2d2, C(4,3,p=1,shares=conv2d1)) on input 8 × 8 × 3: it "
                       "shares the weights of 'conv2d1', but its own would be W: 3 × 3 × 3 × 4, "
                       "b: 4 and theirs are W: 3 × 3 × 3 × 3, b: 3")
    with pytest.raises(ShapeError) as e:
        symparams.parse("I(8x8x3)-C(3,3,p=1)-A(relu)-A(relu,shares=conv2d1)").derive()
    assert _msg(e).endswith("it shares the weights of 'conv2d1', but its own would be none and "
                            "theirs are W: 3 × 3 × 3 × 3, b: 3")
    with pytest.raises(ShapeError) as e:
        symparams.parse("I(8x8x3)-A(relu)-C(3,3,p=1,shares=activation1)").derive()
    assert _msg(e).endswith("but its own would be W: 3 × 3 × 3 × 3, b: 3 and theirs are none")
    with pytest.raises(SpecError) as e:
        symparams.parse("I(8x8x3)-C(3,3,p=1)-C(3,3,p=1,shares=zz)").derive()
    assert _msg(e) == ("layer 2 (conv2d2, C(3,3,p=1,shares=zz)) on input 8 × 8 × 3: it shares "
                       "the weights of 'zz': no layer of that name before it")
    # the same shape under another name: an embedding's E (8 × 4) is no dense W (8 × 4)
    with pytest.raises(ShapeError) as e:
        symparams.parse("I(T, sequence=true)-E(8,4)-H(8)-H(4,bias=false,shares=embedding1)"
                        ).derive()
    assert _msg(e).endswith("it shares the weights of 'embedding1', but its own would be "
                            "W: 8 × 4 and theirs are E: 8 × 4")
    # same count but another name (no bias: W only; a dense has W and b)
    with pytest.raises(ShapeError):
        Network((Input((4,)), Dense(4, name="a"), Dense(4, bias=False, shares="a"))).derive()
    # same names and sizes but another rank
    with pytest.raises(ShapeError):
        Network((Input((4, 4, 4)), Conv(4, 1, name="a"), Flatten(),
                 Dense(4, shares="a"))).derive()


def test_sharing_with_symbols_that_may_be_equal_is_accepted():
    d = symparams.parse("I(n x n x c)-C(c,k,p=p)-C(c,k,p=p,shares=conv2d1)").derive()
    c, k = _sym("c"), _sym("k")
    assert sp.expand(d.total - (k * k * c * c + c)) == 0


def test_a_tied_output_counts_its_bias_only():
    d = symparams.parse("I(T, sequence=true)-E(V,d)-O(V,ties=embedding1)").derive()
    V, dd = _sym("V"), _sym("d")
    assert sp.expand(d.total - (V * dd + V)) == 0
    assert [w.name for w in d.rows[1].weights] == ["b"]
    d = symparams.parse("I(T, sequence=true)-E(100,8)-O(100,ties=embedding1,bias=false)").derive()
    assert d.total == 800
    with pytest.raises(ShapeError) as e:
        symparams.parse("I(T, sequence=true)-E(100,8)-O(99,ties=embedding1)").derive()
    assert _msg(e) == ("layer 2 (dense1, O(99,ties=embedding1)) on input T × 8: it ties its "
                       "matrix (W: 8 × 99) to that of 'embedding1' (E: 100 × 8), which has another "
                       "shape")
    with pytest.raises(SpecError) as e:
        symparams.parse("I(T, sequence=true)-E(V,d)-LN-O(V,ties=layernorm1)").derive()
    assert _msg(e) == ("layer 3 (dense1, O(V,ties=layernorm1)) on input T × d: it ties its "
                       "matrix to 'layernorm1', a layernorm layer, which has none to tie")


def test_a_tie_needs_the_same_rank_and_sizes():
    # W: 8 × 4 tied to W: 8 × 2
    with pytest.raises(ShapeError):
        Network((Input((8,)), Dense(2, name="a", bias=False), Dense(8, bias=False),
                 Dense(4, bias=False, ties="a"))).derive()
    # W: 4 × 4 tied to W: 8 × 2: as many entries, other sizes
    with pytest.raises(ShapeError) as e:
        Network((Input((8,)), Dense(2, name="a"), Dense(4), Dense(4, ties="a"))).derive()
    assert _msg(e) == ("layer 3 (dense2, dense) on input 4: it ties its matrix (W: 4 × 4) to "
                       "that of 'a' (W: 8 × 2), which has another shape")
    # sizes in the other order are the same matrix
    d = Network((Input((8,)), Dense(4, name="a"), Dense(8), Dense(4, ties="a"))).derive()
    assert d.total == (8 * 4 + 4) + (4 * 8 + 8) + 4


# -- names -------------------------------------------------------------------------------

def test_automatic_names_skip_names_given_to_later_layers():
    d = Network((Input((4, 4, 3)), Conv(3, 1), Conv(3, 1, name="conv2d1"), Conv(3, 1))).derive()
    assert [r.name for r in d.rows] == ["conv2d2", "conv2d1", "conv2d3"]
    from collections import Counter
    counters, taken = Counter(), {"x1", "x2"}
    assert _auto_name("x", counters, taken) == "x3"
    assert _auto_name("x", counters, taken) == "x4"
    assert taken == {"x1", "x2", "x3", "x4"} and counters["x"] == 4
    # "input" is taken: no layer is ever called so
    counters = Counter()
    assert _auto_name("inpu", counters, {"input"}) == "inpu1"


def test_a_full_name_used_twice_inside_a_block():
    b = Block("b", ("c",), (Conv("c", 3, name="a"), Conv("c", 3, name="a")))
    with pytest.raises(SpecError) as e:
        Network((Input((8, 8, 3)), b(3))).derive()
    assert _msg(e) == "layer 1 (b1.a, conv of b(3)): the name 'b1.a' is used twice"


# -- the implied flatten -------------------------------------------------------------------

def test_a_dense_layer_after_a_spatial_one_gets_a_flatten():
    d = symparams.parse("I(8x8x3)-C(4,3)-H(5)").derive()
    assert [(r.index, r.name, r.kind) for r in d.rows] == [
        (1, "conv2d1", "conv2d"), (2, "flatten1", "flatten"), (3, "dense1", "dense")]
    assert d.rows[1].layer.spec == "F (implied)"
    assert d.rows[2].inputs == ("flatten1",)
    assert d.total == conv(3, 4, 3) + 6 * 6 * 4 * 5 + 5
    flat = implied_flatten(Dense(3), [Shape((2, 2), 3)])
    assert isinstance(flat, Flatten) and flat.spec == "F (implied)"
    assert implied_flatten(Dense(3), [Shape((), 3)]) is None
    assert implied_flatten(Dense(3), [Shape((5,), 3, sequence=True)]) is None
    assert implied_flatten(Conv(3, 1), [Shape((2, 2), 3)]) is None
    assert implied_flatten(Dense(3), [Shape((2, 2), 3), Shape((2, 2), 3)]) is None


# -- same_shape, checked_conditions, _body ----------------------------------------------------

def test_same_shape_by_hand():
    n, k, p = _sym("n"), _sym("k"), _sym("p", integer=True, nonnegative=True)
    one, three, four = sp.Integer(1), sp.Integer(3), sp.Integer(4)
    assert same_shape(Shape((n,), three), Shape((n, n), three), "w") == (False, [])
    assert same_shape(Shape((n,), three), Shape((n,), four), "w") == (False, [])
    assert same_shape(Shape((n,), three), Shape((n,), three), "w") == (True, [])
    same, conds = same_shape(Shape((n + p,), three), Shape((n,), three), "w")
    assert same is True and conds == [(sp.Eq(p, 0), "w")]
    assert same_shape(Shape((n,), k), Shape((n,), 2 * k), "w") == (False, [])
    assert same_shape(Shape((n + p, n), three), Shape((n, n + 1), three), "w") == (False, [])


def test_checked_conditions_drops_true_and_raises_on_false():
    def fail(err):
        return type(err)("failed: " + str(err))

    x = _sym("x")

    class L(Layer):
        kind = "l"

        def __init__(self, conds):
            object.__setattr__(self, "_c", conds)

        def all_conditions(self, in_shape):
            return self._c

    assert checked_conditions(L([(sp.true, "t"), (x >= 2, "open")]), None, fail) == [(x >= 2, "open")]
    with pytest.raises(ShapeError) as e:
        checked_conditions(L([(x >= 2, "open"), (sp.false, "never")]), None, fail)
    assert str(e.value) == "failed: never"

    class M(L):
        def all_conditions(self, in_shape):
            raise ShapeError("bad")

    with pytest.raises(ShapeError) as e:
        checked_conditions(M([]), None, fail)
    assert str(e.value) == "failed: bad"


def test_body_messages():
    assert _body(Conv(3, 1), "repeat") == (Conv(3, 1),)
    assert _body([Conv(3, 1), Dense(2)], "repeat") == (Conv(3, 1), Dense(2))
    long = (Conv(3, 1), "x")
    for bad, shown in (([], "[]"), ((), "()"), ("C", "'C'"), (long, repr(long)[:79] + "…")):
        with pytest.raises(SpecError) as e:
            _body(bad, "repeat")
        assert _msg(e) == f"repeat: the body is a list of layers, got {shown}"
    with pytest.raises(SpecError) as e:
        _body((Conv(3, 1), Input((3,))), "block b")
    assert _msg(e) == 'block b: an input layer inside a body; its input is named "input"'


# -- repeats -----------------------------------------------------------------------------

def test_repeat_zero_and_one():
    L0 = Network((Input((4, 4, 3)), Repeat((Conv(5, 1),), 0), Conv(2, 1))).derive()
    assert L0.rows[0].children == () and L0.rows[0].output_shape == Shape((4, 4), 3)
    assert (L0.rows[0].trainable, L0.rows[0].non_trainable, L0.rows[0].macs,
            L0.rows[0].elementwise) == (0, 0, 0, 0)
    assert L0.total == conv(3, 2, 1)
    L1 = Network((Input((4, 4, 3)), Repeat((Conv(5, 1),), 1))).derive()
    assert [r.name for r in L1.rows[0].children] == ["repeat1.1.conv2d1"]
    assert L1.rows[0].output_shape == Shape((4, 4), 5)
    assert L1.conditions == ()
    assert L1.total == conv(3, 5, 1)
    assert L1.rows[0].macs == 4 * 4 * 3 * 5 and L1.rows[0].elementwise == 4 * 4 * 5


def test_a_shape_keeping_repeat_is_times_one_copy_for_every_count():
    L = _sym("L", integer=True, nonnegative=True)
    d = Network((Input((4, 4, 3)), Repeat((Conv(3, 1), BatchNorm()), "L"))).derive(convention="keras")
    r = d.rows[0]
    assert sp.expand(r.trainable - L * (conv(3, 3, 1) + 6)) == 0
    assert sp.expand(r.non_trainable - L * 6) == 0
    assert sp.expand(r.macs - L * 4 * 4 * 9) == 0
    assert [c.name for c in r.children] == ["repeat1.1.conv2d1", "repeat1.1.batchnorm1"]
    assert d.conditions == ()
    # numbers: the same, also unrolled by hand
    d3 = Network((Input((4, 4, 3)), Repeat((Conv(3, 1),), 3))).derive()
    assert d3.total == 3 * conv(3, 3, 1)
    assert len(d3.rows[0].children) == 1


def test_a_symbolic_repeat_that_keeps_its_shape_under_a_condition():
    # padding p keeps the shape only when p = 1 (k = 3): L copies under that condition
    d = symparams.parse("I(n x n x 3)-(C(3,3,p=p))xL").derive()
    L, p = _sym("L", integer=True, nonnegative=True), _sym("p", integer=True, nonnegative=True)
    assert sp.expand(d.total - L * conv(3, 3, 3)) == 0
    keeps = [c for c in d.conditions if "keeps its input shape" in c.reason]
    assert [str(c.relation) for c in keeps] == ["Eq(p, 1)"]
    assert keeps[0].reason == "the body of repeat1 keeps its input shape"
    # with a number of copies it is unrolled instead (no condition assumed)
    d = symparams.parse("I(n x n x 3)-(C(3,3,p=p))x3").derive()
    assert not [c for c in d.conditions if "keeps" in c.reason]
    assert [r.name for r in d.rows[0].children] == [
        "repeat1.1.conv2d1", "repeat1.2.conv2d1", "repeat1.3.conv2d1"]
    assert d.total == 3 * conv(3, 3, 3)
    del L, p


def test_first_copy_then_the_rest():
    d = symparams.parse("I(n x n x 3)-(C(8,3,p=1))xL").derive()
    L = _sym("L", integer=True, nonnegative=True)
    r = d.rows[0]
    assert sp.expand(r.trainable - (conv(3, 8, 3) + (L - 1) * conv(8, 8, 3))) == 0
    n = _sym("n")
    assert sp.expand(r.macs - (n * n * 8 * 27 + (L - 1) * n * n * 8 * 72)) == 0
    assert [c.name for c in r.children] == ["repeat1.1.conv2d1", "repeat1.2.conv2d1"]
    at_least = [c for c in d.conditions if c.layer == "repeat1"]
    assert [(str(c.relation), c.reason) for c in at_least] == [
        ("L >= 1", "repeat1 repeats at least once (its first copy changes the shape)")]
    assert r.output_shape == Shape((n, n), 8)
    # a number of copies: no such condition, the same count
    d = symparams.parse("I(n x n x 3)-(C(8,3,p=1))x4").derive()
    assert d.total == conv(3, 8, 3) + 3 * conv(8, 8, 3)
    assert d.conditions == () or not [c for c in d.conditions if c.layer == "repeat1"]


def test_second_copy_keeping_the_shape_only_under_a_condition_is_unrolled_for_numbers():
    # the first copy turns 3 channels into 8; the second keeps the size when p = 1
    d = symparams.parse("I(n x n x 3)-(C(8,3,p=p))x3").derive()
    assert [r.name for r in d.rows[0].children] == [
        "repeat1.1.conv2d1", "repeat1.2.conv2d1", "repeat1.3.conv2d1"]
    d = symparams.parse("I(n x n x 3)-(C(8,3,p=p))xL").derive()
    reasons = [c.reason for c in d.conditions if c.layer == "repeat1"]
    assert "the body of repeat1 keeps the shape of its first copy's output" in reasons
    assert "repeat1 repeats at least once (its first copy changes the shape)" in reasons


def test_a_body_that_changes_the_shape_every_time():
    with pytest.raises(NotSupportedError) as e:
        symparams.parse("I(n x n x 3)-(C(3,1,p=1))xL").derive()
    assert _msg(e) == ("layer 1 (repeat1, (C(3,1,p=1))xL) on input n × n × 3: "
                       "each copy of the body changes the shape (n × n × 3, then (n + 2) × "
                       "(n + 2) × 3, then (n + 4) × (n + 4) × 3), so L copies have no closed "
                       "form; give L a number")
    with pytest.raises(NotSupportedError) as e:
        symparams.parse(f"I(8x8x3)-(C(3,1,p=1))x{MAX_UNROLL + 1}").derive()
    assert _msg(e).endswith(f"{MAX_UNROLL + 1} copies that each change the shape: at most "
                            f"{MAX_UNROLL} are unrolled")
    d = symparams.parse("I(8x8x3)-(C(3,1,p=1))x4").derive()
    assert d.rows[0].output_shape == Shape((16, 16), 3)
    assert [c.name for c in d.rows[0].children] == [
        f"repeat1.{i}.conv2d1" for i in range(1, 5)]
    assert d.total == 4 * conv(3, 3, 1)
    assert d.rows[0].macs == sum(s * s * 9 for s in (10, 12, 14, 16))


def test_the_unroll_bound_is_inclusive():
    import symparams.core.graph as graph
    old = graph.MAX_UNROLL
    try:
        graph.MAX_UNROLL = 5
        d = symparams.parse("I(8x8x3)-(C(3,1,p=1))x5").derive()
        assert d.rows[0].output_shape == Shape((18, 18), 3)
        with pytest.raises(NotSupportedError):
            symparams.parse("I(8x8x3)-(C(3,1,p=1))x6").derive()
    finally:
        graph.MAX_UNROLL = old


def test_repeat_describe_and_no_shape_of_its_own():
    assert Repeat(Conv(3, 3), 2).describe() == "repeat ×2"
    assert Repeat(Conv(3, 3), 2, spec="R").describe() == "R"
    assert Repeat(Conv(3, 3), 2).body == (Conv(3, 3),)
    with pytest.raises(NotSupportedError) as e:
        Repeat(Conv(3, 3), 2).output_shape(Shape((4,), 3))
    assert _msg(e) == "a repeat's shape is derived with the network"
    with pytest.raises(SpecError) as e:
        Repeat([], 2)
    assert _msg(e) == "repeat: the body is a list of layers, got []"


# -- blocks ------------------------------------------------------------------------------

def test_block_definition_messages():
    cases = [
        (lambda: Block("1b", ("c",), (Conv("c", 3),)),
         "block '1b': invalid name '1b': names start with a letter and use letters, digits and _"),
        (lambda: Block("b", ("c", "2"), (Conv("c", 3),)),
         "block 'b': invalid name '2': names start with a letter and use letters, digits and _"),
        (lambda: Block("b", ("c", 3), (Conv("c", 3),)), "block 'b': names are texts"),
        (lambda: Block(5, ("c",), (Conv("c", 3),)), "block '5': names are texts"),
        (lambda: Block("b", ("c", "c"), (Conv("c", 3),)), "block 'b': a parameter is named twice"),
        (lambda: Block("b", ("c",), []), "block b: the body is a list of layers, got []"),
    ]
    for make, message in cases:
        with pytest.raises(SpecError) as e:
            make()
        assert _msg(e) == message
    b = Block("b", ["c"], [Conv("c", 3)])
    assert b.params == ("c",) and b.layers == (Conv("c", 3),)


def test_block_call_messages():
    b = Block("b", ("c", "k"), (Conv("c", "k"),), defaults={"k": 3})
    cases = [
        (lambda: b(1, 2, 3), "block 'b' takes 2 arguments (c, k), got 3"),
        (lambda: Block("b", ("c",), (Conv("c", 3),))(1, 2), "block 'b' takes 1 argument (c), got 2"),
        (lambda: Block("b", (), (Conv(3, 3),))(1), "block 'b' takes 0 arguments (), got 1"),
        (lambda: Block("b", (), (Conv(3, 3),))(z=1), "block 'b' has no parameter 'z'; parameters: none"),
        (lambda: b(1, z=1), "block 'b' has no parameter 'z'; parameters: c, k"),
        (lambda: b(1, c=2), "block 'b': c given twice"),
        (lambda: b(), "block 'b': missing c"),
        (lambda: Block("b", ("c", "k"), (Conv("c", "k"),))(), "block 'b': missing c, k"),
        (lambda: b(4, "1x"), "block 'b': expected an operator or the end of the expression, found 'x'"),
    ]
    for make, message in cases:
        with pytest.raises(SpecError) as e:
            make()
        assert _msg(e).startswith(message), (_msg(e), message)
    assert b(1, 2).args == (1, 2)
    assert b(4).args == (4, 3)  # the default
    assert b(4, k=5).args == (4, 5)
    assert b(k=5, c=4).args == (4, 5)  # in the order of the parameters
    call = b(4, name="x", inputs=("input",), spec="S")
    assert (call.name, call.inputs, call.spec, call.block) == ("x", ("input",), "S", "b")
    assert call.body == (Conv(4, 3),)
    assert b(4).describe() == "b(4, 3)"
    assert call.describe() == "S"
    assert b(4).resolved_kind(Shape((4,), 3)) == "b" == b(4).resolved_prefix(Shape((4,), 3))
    with pytest.raises(NotSupportedError) as e:
        b(4).output_shape(Shape((4,), 3))
    assert _msg(e) == "a block's shape is derived with the network"
    with pytest.raises(SpecError) as e:
        BlockCall(block="q", body=())
    assert _msg(e) == "block q: the body is a list of layers, got ()"
    assert BlockCall(block="q", body=Conv(3, 1)).body == (Conv(3, 1),)
    assert BlockCall(block="q", body=[Conv(3, 1)]).body == (Conv(3, 1),)
    with pytest.raises(SpecError) as e:
        b(2.5)
    assert _msg(e) == "block 'b': b: c must be an integer, got 2.5"


def test_block_arguments_keep_padding_nonnegative_and_sizes_positive():
    b = Block("b", ("c", "p"), (Conv("c", 3, padding="p"),))
    call = b("q", "r")
    conv_layer = call.body[0]
    assert conv_layer.filters == _sym("q")
    assert conv_layer.padding == (_sym("r", integer=True, nonnegative=True),) or \
        conv_layer.padding == _sym("r", integer=True, nonnegative=True)
    d = Network((Input((8, 8, 3)), b(4, 1))).derive()
    assert d.total == conv(3, 4, 3) and d.rows[0].output_shape == Shape((8, 8), 4)
    assert d.rows[0].children[0].name == "b1.conv2d1"


def test_block_counts_add_up_its_rows():
    b = Block("b", ("c",), (Conv("c", 1), BatchNorm(), Activation("relu")))
    d = Network((Input((2, 2, 3)), b(4))).derive(convention="keras")
    r = d.rows[0]
    assert (r.trainable, r.non_trainable) == (conv(3, 4, 1) + 8, 8)
    assert r.macs == 2 * 2 * 3 * 4
    kids = r.children
    assert r.elementwise == sum(k.elementwise for k in kids) and r.elementwise > 0
    assert r.output_shape == Shape((2, 2), 4)


# -- unify_symbols -------------------------------------------------------------------------

def test_a_name_used_as_padding_and_size_is_positive_everywhere():
    layers = (Conv(4, 3, padding="k"), Conv(4, "k"))
    out = unify_symbols(layers)
    k = _sym("k")
    assert out[0].padding in (k, (k,), (k, k))
    assert out[1].kernel in (k, (k,), (k, k))
    # only padding: stays nonnegative; nothing to unify returns the same tuple
    layers = (Conv(4, 3, padding="k"),)
    assert unify_symbols(layers) is layers
    layers = (Conv("k", 3), Conv("k", 1))
    assert unify_symbols(layers) is layers
    d = symparams.parse("I(n x n x 3)-C(4,3,p=k)-C(4,k)").derive()
    assert all(s.is_positive for s in d.total.free_symbols | d.output_shape.dims()[0].free_symbols)
