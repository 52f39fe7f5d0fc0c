"""Networks as graphs: nodes that read named inputs, blocks and repeats.

A *body* is a tuple of layers; each layer is a node that reads the nodes its
``inputs`` name (the layer before by default; ``"input"`` is the body's input).  A
network is a body after its :class:`~symparams.layers.Input`.  Merges (add, concat,
multiply) read several nodes.  Two layers are made of layers:

- :class:`BlockCall`: a named subgraph with parameters (``bottleneck(c, s)``), one row
  whose children are its layers;
- :class:`Repeat`: a body applied ``times`` times, ``times`` a number or a symbol.  When
  a copy keeps the shape it is given, every further copy counts the same, so ``L``
  copies count ``first + (L − 1) × rest`` in closed form without being unrolled.

>>> import symparams
>>> d = symparams.parse("I(n x n x c)-([C(c,3,p=1)-B-A(relu)-C(c,3,p=1)-B]+-A(relu))xL").derive()
>>> d.total
L*(18*c**2 + 6*c)
"""

from __future__ import annotations

import itertools

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

import sympy as sp

from symparams.algebra.floors import depth, equal_sizes, same_size
from symparams.core.errors import NotSupportedError, ShapeError, SpecError, SymparamsError, quote, shorten
from symparams.core.layer import REGISTRY, Layer, Merge, Weight, hyper, register, substitute_layer, walk
from symparams.core.shape import Shape, exact_division
from symparams.core.symbols import make_symbol

MAX_DEPTH = 120
"""The deepest a size expression may nest: past it, sympy's printers and Python's parser
(codegen) run out of recursion (a 240-layer I-C-P-C-P-… stack is within it)."""

MAX_UNROLL = 1000
"""The most copies a repeat that changes the shape at every copy is unrolled into."""

MAX_NESTING = 20
"""The deepest blocks and repeats may nest inside each other."""


class Context:
    """What one derivation collects while it walks the graph."""

    def __init__(self, convention: str, assume_divisible: bool | frozenset[str]):
        self.convention = convention
        self.assume_divisible = assume_divisible
        self.conditions: list = []
        self.legend: dict[sp.Symbol, list[str]] = {}
        self.names: set[str] = set()  # every row name, nested ones too
        self.nesting = 0
        self.calls: list[str] = []  # the block calls being derived (b(3)), for messages

    def note(self, value: sp.Expr, role: str, exact: bool) -> None:
        for sym in sorted(value.free_symbols, key=lambda s: s.name):
            text = role if exact else f"used in the {role}"
            entries = self.legend.setdefault(sym, [])
            if text not in entries:
                entries.append(text)


def _located(err: SymparamsError) -> SymparamsError:
    """``err``, marked as naming its layer (the blocks around it add nothing)."""
    err.located = True  # type: ignore[attr-defined]
    return err


def derive_body(layers: tuple[Layer, ...], in_shape: Shape, ctx: Context, *,
                prefix: str = "", top: int | None = None) -> tuple[tuple, Shape]:
    """The rows of ``layers`` read from ``in_shape``, and the output shape (the last
    node's).  ``prefix`` names nested rows (``layer1.conv1``); ``top`` is the index of
    the top-level row they belong to (for messages)."""
    from symparams.core.derivation import Condition, Row

    shapes: dict[str, Shape] = {"input": in_shape}
    owners: dict[str, tuple[Layer, Shape]] = {}  # for shared weights: layer and its input
    node_of_layer: list[str] = []  # the node name of each layer of ``layers``
    rows: list[Row] = []
    counters: Counter[str] = Counter()
    taken = {l.name for l in layers if l.name} | {"input"}
    last = "input"

    def where(index: int, name: str, layer: Layer, shape: Shape | None) -> str:
        i = top if top is not None else index
        on = f" on input {shape.brief()}" if shape is not None else ""
        # inside a block call its arguments say what the block's names stand for
        call = f" of {ctx.calls[-1]}" if prefix and ctx.calls else ""
        return f"layer {i} ({prefix}{name}, {layer.describe()}{call}){on}"

    def fail(err: SymparamsError, index: int, name: str, layer: Layer,
             shape: Shape | None) -> SymparamsError:
        if getattr(err, "located", False):  # a block's layer: its dotted name says where
            return err
        return _located(type(err)(f"{where(index, name, layer, shape)}: {err}"))

    def sources(layer: Layer, position: int, index: int) -> tuple[str, ...]:
        refs = layer.inputs if layer.inputs is not None else (-1,)
        out = []
        for ref in refs:
            if isinstance(ref, int):
                j = position + ref
                if j < -1:
                    raise _located(SpecError(
                        f"{where(index, layer.name or layer.kind, layer, None)}: input {ref} "
                        "reaches before the first layer"))
                out.append("input" if j == -1 else node_of_layer[j])
            elif ref in shapes:
                out.append(ref)
            else:
                known = ", ".join(shapes)
                raise _located(SpecError(
                    f"{where(index, layer.name or layer.kind, layer, None)} reads {quote(ref)}: "
                    f"no layer of that name before it; known: {shorten(known, 200)}"))
        return tuple(out)

    def add(layer: Layer, reads: tuple[str, ...]) -> str:
        index = len(rows) + 1
        in_shapes = tuple(shapes[r] for r in reads)
        shape = in_shapes[0]
        label = layer.name or layer.kind
        try:
            prefix_word = layer.resolved_prefix(shape)
        except ShapeError as err:
            raise fail(err, index, label, layer, shape) from None
        name = layer.name or _auto_name(prefix_word, counters, taken)
        full = prefix + name
        checked = checked_conditions(layer, shape, lambda err: fail(err, index, name, layer, shape))
        exact = ctx.assume_divisible is True or full in ctx.assume_divisible
        children: tuple = ()
        weights: tuple[Weight, ...] = ()
        try:
            if isinstance(layer, Merge):
                if len(reads) < 2:
                    raise SpecError(f"{layer.kind} reads two or more inputs, got "
                                    f"{len(reads)}: give inputs=[...]")
                out, merged = layer.merge_shape(in_shapes, reads)
                checked += merged
                assumed: list = []
                trainable = frozen = sp.Integer(0)
                macs = layer.macs(in_shapes, out)
                elementwise = layer.elementwise(in_shapes, out)
            elif layer.composite:
                ctx.nesting += 1
                if ctx.nesting > MAX_NESTING:
                    raise NotSupportedError(f"blocks and repeats nest more than {MAX_NESTING} deep")
                if isinstance(layer, BlockCall):
                    ctx.calls.append(layer.describe())
                try:
                    out, children, (trainable, frozen, macs, elementwise), extra = layer.derive_in(
                        shape, ctx, f"{full}.", top if top is not None else index)
                finally:
                    ctx.nesting -= 1
                    if isinstance(layer, BlockCall):
                        ctx.calls.pop()
                checked += extra
                assumed = []
            else:
                with exact_division(exact) as assumed:
                    out = layer.output_shape(shape)
                weights = layer.counted_weights(shape, ctx.convention)
                if layer.shares is not None:
                    weights, agree = _shared(layer, shape, owners)
                    checked += agree
                elif layer.ties is not None:
                    weights, agree = _tied(layer, weights, owners, ctx.convention)
                    checked += agree
                trainable = sp.Add(*(w.size for w in weights if w.trainable))
                frozen = sp.Add(*(w.size for w in weights if not w.trainable))
                macs = layer.macs((shape,), out)
                elementwise = layer.elementwise((shape,), out)
        except ShapeError as err:
            raise fail(err, index, name, layer, shape) from None
        except (SpecError, NotSupportedError) as err:  # from inside a block: located already
            raise fail(err, index, name, layer, shape) from None
        if any(depth(d) > MAX_DEPTH for d in out.dims()):
            raise fail(NotSupportedError(
                f"its output size nests more than {MAX_DEPTH} levels deep, too deep to print "
                "or evaluate; give some sizes numbers (--set NAME=VALUE)"), index, name,
                layer, shape)
        row_index = top if top is not None else index
        ctx.conditions.extend(Condition(rel, reason, row_index, full) for rel, reason in checked)
        ctx.conditions.extend(Condition(rel, reason, row_index, full, assumed=True)
                              for rel, reason in assumed)
        for _, role, _, value in layer.hyperparameters():
            ctx.note(value, f"{role} of {full}", exact=value.is_Symbol)
        if full in ctx.names:
            raise _located(SpecError(f"{where(index, name, layer, None)}: the name "
                                     f"{quote(full)} is used twice"))
        ctx.names.add(full)
        owners[name] = (layer, shape)
        rows.append(Row(index, full, layer.resolved_kind(shape), layer, shape, out, weights,
                        trainable, frozen,
                        inputs=tuple(prefix + r if r != "input" else r for r in reads),
                        input_shapes=in_shapes, children=children, macs=macs,
                        elementwise=elementwise))
        shapes[name] = out
        return name

    for position, layer in enumerate(layers):
        reads = sources(layer, position, len(rows) + 1)
        flatten = implied_flatten(layer, [shapes[r] for r in reads])
        if flatten is not None:
            reads = (add(flatten, reads),)
        last = add(layer, reads)
        node_of_layer.append(last)
    return tuple(rows), shapes[last]


def implied_flatten(layer: Layer, in_shapes: list[Shape]) -> Layer | None:
    """The implied-flatten pass: a layer that reads a vector (dense) gets a flatten in
    front of it when its one input is spatial, as the notation ``C-H`` means ``C-F-H``."""
    if not layer.vector or len(in_shapes) != 1 or in_shapes[0].is_vector or \
            in_shapes[0].sequence:
        return None
    cls, fixed = REGISTRY["flatten"]
    return cls(**fixed, spec="F (implied)")


def _tied(layer: Layer, weights: tuple[Weight, ...], owners: dict[str, tuple[Layer, Shape]],
          convention: str) -> tuple[tuple[Weight, ...], list[tuple[sp.Basic, str]]]:
    """``weights`` without the matrix tied to ``layer.ties``'s, which must have as many
    entries (the same sizes, in any order: an output layer's ``d × V`` is the
    embedding's ``V × d``)."""
    owner = owners.get(layer.ties)
    if owner is None:
        raise SpecError(f"it ties its matrix to {quote(layer.ties)}: no layer of that name "
                        "before it")
    other, other_shape = owner
    theirs = [w for w in other.weights(other_shape) if w.name == other.tie_weight]
    if not theirs:
        raise SpecError(f"it ties its matrix to {quote(layer.ties)}, a {other.kind} layer, "
                        "which has none to tie")
    mine = [w for w in weights if w.name == layer.tie_weight]
    agree: list[tuple[sp.Basic, str]] = []
    if mine:
        differ = ShapeError(f"it ties its matrix ({mine[0]}) to that of {quote(layer.ties)} "
                            f"({theirs[0]}), which has another shape")
        if len(mine[0].shape) != len(theirs[0].shape) or \
                same_size(mine[0].size, theirs[0].size) is False:
            raise differ
        # the same sizes in any order: pair the equal ones, then what is left must agree
        left = list(theirs[0].shape)
        unpaired = []
        for size in mine[0].shape:
            match = next((i for i, t in enumerate(left) if same_size(size, t) is True), None)
            if match is None:
                unpaired.append(size)
            else:
                left.pop(match)
        pairings = [list(zip(unpaired, order)) for order in itertools.permutations(left)
                    if not any(same_size(a, b) is False for a, b in zip(unpaired, order))]
        if not pairings:
            raise differ
        if len(pairings) > 1:
            raise NotSupportedError(
                f"it ties its matrix ({mine[0]}) to that of {quote(layer.ties)} ({theirs[0]}), "
                "whose sizes may pair in more than one way; give the sizes it shares the "
                "same names or numbers")
        agree += [(sp.Eq(a, b), f"the tied matrices {mine[0]} and {theirs[0]} have the same "
                   "sizes") for a, b in pairings[0]]
    return tuple(w for w in weights if w.name != layer.tie_weight), agree


def _shared(layer: Layer, shape: Shape, owners: dict[str, tuple[Layer, Shape]]
            ) -> tuple[tuple[Weight, ...], list[tuple[sp.Basic, str]]]:
    """No weights of its own: those of ``layer.shares``, which must have the same shapes
    (a condition for each size that may differ)."""
    owner = owners.get(layer.shares)
    if owner is None:
        raise SpecError(f"it shares the weights of {quote(layer.shares)}: no layer of that "
                        f"name before it")
    theirs = owner[0].weights(owner[1])
    mine = layer.weights(shape)
    if len(theirs) != len(mine) or any(
            a.name != b.name or len(a.shape) != len(b.shape) or
            any(same_size(x, y) is False for x, y in zip(a.shape, b.shape))
            for a, b in zip(theirs, mine)):
        raise ShapeError(f"it shares the weights of {quote(layer.shares)}, but its own "
                         f"would be {', '.join(map(str, mine)) or 'none'} and theirs are "
                         f"{', '.join(map(str, theirs)) or 'none'}")
    # sizes that may differ must agree for the weights to be the same tensors
    agree = [(sp.Eq(x, y), f"its weight {b} must be {a} of {quote(layer.shares)}, whose "
                           "weights it shares")
             for a, b in zip(theirs, mine) for x, y in zip(a.shape, b.shape)
             if same_size(x, y) is not True]
    return (), agree


def checked_conditions(layer: Layer, shape: Shape, fail) -> list[tuple[sp.Basic, str]]:
    """Conditions not yet decided; raise on the first that is provably false."""
    try:
        conds = layer.all_conditions(shape)
    except ShapeError as err:
        raise fail(err) from None
    open_ = []
    for rel, reason in conds:
        if rel is sp.false or rel == sp.false:
            raise fail(ShapeError(reason))
        if rel is not sp.true:
            open_.append((rel, reason))
    return open_


def _auto_name(prefix: str, counters: Counter, taken: set) -> str:
    while True:
        counters[prefix] += 1
        name = f"{prefix}{counters[prefix]}"
        if name not in taken:
            taken.add(name)
            return name


def same_shape(a: Shape, b: Shape, what: str) -> tuple[bool, list[tuple[sp.Basic, str]]]:
    """Whether ``a`` and ``b`` are the same shape: (False, []) when numbers or ranks
    prove them different, else (True, the conditions that make them equal)."""
    if a.rank != b.rank:
        return False, []
    conditions = []
    for x, y in zip(a.dims(), b.dims()):
        same = same_size(x, y)
        if same is False:
            return False, []
        if same is None:
            condition = equal_sizes(x, y)
            if condition is sp.false:  # 3k = 2k with k >= 1
                return False, []
            conditions.append((condition, what))
    return True, conditions


def _body(value: Any, kind: str) -> tuple[Layer, ...]:
    if isinstance(value, Layer):
        value = (value,)
    if not isinstance(value, (tuple, list)) or not value or \
            not all(isinstance(v, Layer) for v in value):
        raise SpecError(f"{kind}: the body is a list of layers, got {shorten(repr(value), 80)}")
    if any(v.source for v in value):
        raise SpecError(f"{kind}: an input layer inside a body; its input is named \"input\"")
    return tuple(value)


def _sum(rows: Iterable, attr: str) -> sp.Expr:
    return sp.Add(*(getattr(r, attr) for r in rows))


COUNTS = ("trainable", "non_trainable", "macs", "elementwise")
"""What a block or repeat adds up over its rows, each as parameters are (a repeat of a
shape-keeping body: ``t ×`` one copy; of a first copy that differs: ``first + (t − 1) ×
rest``)."""


def _counts(rows: Iterable) -> tuple[sp.Expr, ...]:
    rows = tuple(rows)
    return tuple(_sum(rows, attr) for attr in COUNTS)


@register("repeat")
@dataclass(frozen=True)
class Repeat(Layer):
    """``body`` applied ``times`` times in a row; ``times`` may be a symbol (``L``) or an
    expression (``L - 1``, for the copies after a different first one).

    A copy that keeps the shape it reads makes every later copy count the same: ``L``
    copies count ``L × body``; when the first copy changes the shape and the second
    keeps it, ``first + (L − 1) × rest``.  A body that changes the shape at every copy
    needs a number of copies (it is then unrolled).
    """

    kind = "repeat"
    prefix = "repeat"
    composite = True

    body: tuple[Layer, ...] = ()
    times: Any = hyper("repeat count", nonnegative=True, default=1)

    def __post_init__(self) -> None:
        object.__setattr__(self, "body", _body(self.body, self.kind))
        super().__post_init__()

    def output_shape(self, in_shape: Shape) -> Shape:  # only through derive_in
        raise NotSupportedError("a repeat's shape is derived with the network")

    def describe(self) -> str:
        return self.spec or f"repeat ×{self.times}"

    def derive_in(self, in_shape: Shape, ctx: Context, prefix: str, top: int):
        t = self.times
        if t == 0:
            return in_shape, (), (sp.Integer(0),) * len(COUNTS), []
        rows1, out1 = derive_body(self.body, in_shape, ctx, prefix=f"{prefix}1.", top=top)
        p1 = _counts(rows1)
        if t == 1:
            return out1, rows1, p1, []
        keeps, conds = same_shape(out1, in_shape, f"the body of {prefix[:-1]} keeps its input shape")
        if keeps and conds and t.is_Integer:  # a number of copies: unroll rather than assume
            keeps = False
        if keeps:  # every copy reads the same shape: t × one copy
            return out1, rows1, tuple(t * c for c in p1), conds
        rows2, out2 = derive_body(self.body, out1, ctx, prefix=f"{prefix}2.", top=top)
        keeps, conds = same_shape(out2, out1, f"the body of {prefix[:-1]} keeps the shape of its "
                                              "first copy's output")
        if keeps and conds and t.is_Integer:
            keeps = False
        if keeps:
            p2 = _counts(rows2)
            extra = [] if t.is_Integer else [
                (sp.Ge(t, 1), f"{prefix[:-1]} repeats at least once (its first copy changes "
                              "the shape)")]
            return (out1, rows1 + rows2, tuple(a + (t - 1) * b for a, b in zip(p1, p2)),
                    conds + extra)
        if not t.is_Integer:
            raise NotSupportedError(f"each copy of the body changes the shape ({in_shape.brief()}, "
                                    f"then {out1.brief()}, then {out2.brief()}), so {t} copies "
                                    f"have no closed form; give {t} a number")
        if t > MAX_UNROLL:
            raise NotSupportedError(f"{t} copies that each change the shape: at most "
                                    f"{MAX_UNROLL} are unrolled")
        rows, shape = rows1 + rows2, out2
        for copy in range(3, int(t) + 1):
            more, shape = derive_body(self.body, shape, ctx, prefix=f"{prefix}{copy}.", top=top)
            rows += more
        return shape, rows, _counts(rows), []


@dataclass(frozen=True)
class Block:
    """A named subgraph with parameters, used like a layer kind.

    >>> from symparams.layers import Conv, BatchNorm
    >>> conv_bn = Block("conv_bn", ("c", "k"), (Conv("c", "k", padding=1), BatchNorm()))
    >>> conv_bn(64, 3)   # a layer: BlockCall
    BlockCall(name=None, inputs=None, block='conv_bn', args=(64, 3))
    """

    name: str
    params: tuple[str, ...]
    layers: tuple[Layer, ...]
    defaults: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        from symparams.core.symbols import name_problem

        for p in (self.name, *self.params):
            problem = isinstance(p, str) and name_problem(p)
            if not isinstance(p, str) or problem:
                raise SpecError(f"block {quote(self.name)}: {problem or 'names are texts'}")
        if len(set(self.params)) != len(self.params):
            raise SpecError(f"block {quote(self.name)}: a parameter is named twice")
        object.__setattr__(self, "params", tuple(self.params))
        object.__setattr__(self, "layers", _body(self.layers, f"block {self.name}"))

    def __call__(self, *args: Any, name: str | None = None, inputs=None, spec: str | None = None,
                 **kwargs: Any) -> "BlockCall":
        """The block with its parameters given values: a layer of a network."""
        if len(args) > len(self.params):
            raise SpecError(f"block {quote(self.name)} takes {len(self.params)} argument"
                            f"{'s' if len(self.params) != 1 else ''} "
                            f"({', '.join(self.params)}), got {len(args)}")
        values = dict(zip(self.params, args))
        for key, value in kwargs.items():
            if key not in self.params:
                raise SpecError(f"block {quote(self.name)} has no parameter {quote(key)}; "
                                f"parameters: {', '.join(self.params) or 'none'}")
            if key in values:
                raise SpecError(f"block {quote(self.name)}: {key} given twice")
            values[key] = value
        for key, value in self.defaults.items():
            values.setdefault(key, value)
        missing = [p for p in self.params if p not in values]
        if missing:
            raise SpecError(f"block {quote(self.name)}: missing {', '.join(missing)}")
        return BlockCall(block=self.name, args=tuple(values[p] for p in self.params),
                         body=self.instantiate(values), name=name, inputs=inputs, spec=spec)

    def instantiate(self, values: dict[str, Any]) -> tuple[Layer, ...]:
        """The body with every parameter replaced by its value."""
        from symparams.core.layer import to_expr

        mapping = {}
        for layer in walk(self.layers):
            for _, role, nonneg, value in layer.hyperparameters():
                for sym in value.free_symbols:
                    if sym.name in values:
                        try:
                            mapping[sym] = to_expr(values[sym.name], role=f"{self.name}: {sym.name}",
                                                   nonnegative=not sym.is_positive)
                        except SpecError as err:
                            raise SpecError(f"block {quote(self.name)}: {err}") from None
        return tuple(substitute_layer(l, mapping) for l in self.layers)


@dataclass(frozen=True)
class BlockCall(Layer):
    """One use of a :class:`Block`: a row whose children are the block's layers."""

    kind = "block"
    prefix = "block"
    composite = True

    block: str = ""
    args: tuple[Any, ...] = ()
    body: tuple[Layer, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "body", _body(self.body, f"block {self.block}"))
        super().__post_init__()

    def resolved_kind(self, in_shape: Shape) -> str:
        return self.block

    def resolved_prefix(self, in_shape: Shape) -> str:
        return self.block

    def output_shape(self, in_shape: Shape) -> Shape:  # only through derive_in
        raise NotSupportedError("a block's shape is derived with the network")

    def describe(self) -> str:
        return self.spec or f"{self.block}({', '.join(str(a) for a in self.args)})"

    def derive_in(self, in_shape: Shape, ctx: Context, prefix: str, top: int):
        rows, out = derive_body(self.body, in_shape, ctx, prefix=prefix, top=top)
        return out, rows, _counts(rows), []


def unify_symbols(layers: tuple[Layer, ...]) -> tuple[Layer, ...]:
    """A name used as a padding (may be 0) and as a size (at least 1) is one value,
    so it is at least 1: use the positive symbol everywhere."""
    found: dict[str, set[sp.Symbol]] = {}
    for layer in walk(layers):
        for _, _, _, value in layer.hyperparameters():
            for sym in value.free_symbols:
                found.setdefault(sym.name, set()).add(sym)
    mapping = {s: make_symbol(name) for name, syms in found.items() if len(syms) > 1
               for s in syms if not s.is_positive}
    if not mapping:
        return layers
    return tuple(substitute_layer(l, mapping) for l in layers)
