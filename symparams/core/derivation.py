"""The immutable result of deriving a network."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np
import sympy as sp

from symparams.core.expr import parse_expression
from symparams.core.provided import provided
from symparams.core.errors import MissingValueError, ShapeError, SpecError, quote, shorten
from symparams.core.layer import Layer, Weight
from symparams.core.printing import text
from symparams.core.shape import Shape
from symparams.core.symbols import is_valid_name, make_symbol, sort_symbols

if TYPE_CHECKING:
    from symparams.core.network import Network

CONVENTIONS = ("pytorch", "keras")


@dataclass(frozen=True)
class Row:
    """One layer of a derivation.

    ``trainable`` counts trainable weights; ``non_trainable`` counts the others where
    the convention counts them (Keras), else it is 0 (PyTorch: buffers).
    """

    index: int
    name: str
    kind: str
    layer: Layer
    input_shape: Shape
    output_shape: Shape
    weights: tuple[Weight, ...]
    trainable: sp.Expr
    non_trainable: sp.Expr
    inputs: tuple[str, ...] = ()
    """The names of the nodes it reads (``"input"``, or a row's name)."""
    input_shapes: tuple[Shape, ...] = ()
    """The shapes it reads, one per input (a merge reads several)."""
    children: tuple["Row", ...] = ()
    """A block's or repeat's own rows (named ``parent.child``); their counts are
    already in this row's."""
    macs: sp.Expr = sp.Integer(0)
    """Multiply–accumulates of one forward pass of one sample (one MAC = one multiply and
    one add): see :meth:`Layer.macs`."""

    elementwise: sp.Expr = sp.Integer(0)
    """The other floating-point work (bias additions, activations, norms, pooling,
    merges), counted by the extended FLOP convention only: see
    :meth:`Layer.elementwise`."""

    @property
    def activations(self) -> sp.Expr:
        """Elements of the row's output (one sample)."""
        return self.output_shape.size()

    @property
    def params(self) -> sp.Expr:
        return self.trainable + self.non_trainable

    def copies(self) -> "dict[str, tuple[Row, ...]]":
        """A repeat's children by copy (``"1"``, ``"2"`` …, from the rows' names
        ``parent.copy.child``): the first copy, and a second standing for the others."""
        out: dict[str, tuple[Row, ...]] = {}
        for child in self.children:
            copy = child.name[len(self.name) + 1:].split(".", 1)[0]
            out[copy] = out.get(copy, ()) + (child,)
        return out

    def walk(self) -> "tuple[Row, ...]":
        """This row, then its children's rows, depth first."""
        return (self,) + tuple(r for c in self.children for r in c.walk())


@dataclass(frozen=True)
class Condition:
    """A validity condition that numbers alone can decide: ``k1 <= n``.

    ``index`` and ``layer`` say where it comes from (0 and ``"input"`` for the input).
    """

    relation: sp.Basic
    reason: str
    index: int
    layer: str
    assumed: bool = False
    """True for what the user asked to assume (``assume_divisible``), not a validity check."""

    def __str__(self) -> str:
        return f"{self.relation}  ({self.layer}: {self.reason})"

    @property
    def tag(self) -> str:
        """``maxpool2`` or, for an assumption, ``maxpool2, assumed``: for exports."""
        return f"{self.layer}, assumed" if self.assumed else self.layer


@dataclass(frozen=True)
class Derivation:
    """Shapes and parameter counts of every layer, exact and symbolic.

    Operations return new derivations; nothing changes in place.

    >>> import symparams
    >>> d = symparams.parse("I(n x n x 1)-C(4,5)").derive()
    >>> d.total
    104
    >>> d.rows[0].output_shape.dims()
    (n - 4, n - 4, 4)
    """

    network: "Network"
    input_shape: Shape
    rows: tuple[Row, ...]
    conditions: tuple[Condition, ...]
    legend: tuple[tuple[sp.Symbol, str], ...]
    convention: str = "pytorch"
    # issue 4: True or the layer names derived assuming exact division (kept for subs)
    assume_divisible: bool | frozenset[str] = frozenset()
    # issue 4: the total in a chosen form (simplify); None = the sum of the rows
    total_form: sp.Expr | None = field(default=None, compare=False, repr=False)

    # -- totals ----------------------------------------------------------------
    @cached_property
    def trainable(self) -> sp.Expr:
        # one Add of all rows: adding them one by one re-sorts the growing sum each time
        return sp.Add(*(r.trainable for r in self.rows))

    @cached_property
    def non_trainable(self) -> sp.Expr:
        return sp.Add(*(r.non_trainable for r in self.rows))

    @cached_property
    def macs(self) -> sp.Expr:
        """Multiply–accumulates of one forward pass of one sample, over every layer (the
        convention of :data:`COST_CONVENTION`)."""
        return sp.Add(*(r.macs for r in self.rows))

    def flops(self, per_mac: int = 2, *, extended: bool = False) -> sp.Expr:
        """Floating-point operations of one forward pass: ``per_mac`` per MAC (2, as
        PyTorch's ``FlopCounterMode`` counts; 1 where "FLOPs" means MACs, as
        torchvision's and fvcore's tables do); ``extended`` adds the element-wise work
        (bias additions, activations, norms, pooling, merges, softmax): see
        :meth:`Layer.elementwise`."""
        flops = per_mac * self.macs
        if extended:
            flops += sp.Add(*(r.elementwise for r in self.rows))
        return flops

    def activation_peak(self) -> sp.Expr:
        """The most activation elements alive at once in an inference forward pass
        over the top-level rows: a row's inputs and its output, with every earlier
        output still to be read (a residual's shortcut) — ``Max`` of those sums when
        symbols decide it.  A block or repeat counts as its input and output."""
        last_use: dict[str, int] = {}
        for i, r in enumerate(self.rows):
            for name in r.inputs:
                last_use[name] = i
        live: dict[str, sp.Expr] = {"input": self.input_shape.size()}
        sums = []
        for i, r in enumerate(self.rows):
            sums.append(sp.Add(*live.values()) + r.activations)
            live[r.name] = r.activations
            for name in [n for n in live if last_use.get(n, -1) <= i]:
                del live[name]
        if not sums:
            return self.input_shape.size()
        return sp.Max(*dict.fromkeys(sums))

    @cached_property
    def activations(self) -> sp.Expr:
        """Elements of every layer's output (one sample): what a forward pass that keeps
        them for the backward pass stores, before any recomputation."""
        return sp.Add(*(r.activations for r in self.rows))

    def leaf_rows(self) -> "list[tuple[Row, sp.Expr]]":
        """Every row that is not a block or repeat, with how many times it runs: a
        repeat's copy stands for ``t`` copies (or its second for ``t − 1``)."""
        return leaf_rows(self.rows)

    def training_memory(self, optimizer: str = "adam", precision: str = "fp32"
                        ) -> dict[str, sp.Expr]:
        """Bytes of weights, gradients and optimizer state (ZeRO's accounting, see
        :mod:`symparams.algebra.memory`); frozen parameters have no gradients."""
        from symparams.algebra.memory import model_states

        return model_states(self.total, optimizer, precision, trainable=self.trainable)

    def transformer_activation_memory(self, batch: Any = "b", recompute: str = "none") -> sp.Expr:
        """Bytes of activations kept for the backward pass by the transformer layers (each
        attention layer stands for one: Korthikanti et al. 2022's ``s b h (34 + 5 a s /
        h)`` at 16-bit; ``recompute`` ``"selective"`` or ``"full"``)."""
        return transformer_activation_memory(self.rows, batch, recompute)

    @property
    def total(self) -> sp.Expr:
        """All parameters counted by the convention: trainable + non-trainable."""
        if self.total_form is not None:
            return self.total_form
        return self.trainable + self.non_trainable

    @property
    def output_shape(self) -> Shape:
        return self.rows[-1].output_shape if self.rows else self.input_shape

    # -- symbols -----------------------------------------------------------------
    @cached_property
    def free_symbols(self) -> frozenset[sp.Symbol]:
        """Every symbol of the shapes, counts and conditions (computed once: the
        derivation is immutable)."""
        found: set[sp.Symbol] = set(self.input_shape.free_symbols)
        for r in self.all_rows():
            found |= r.output_shape.free_symbols | r.params.free_symbols
        for c in self.conditions:
            found |= c.relation.free_symbols
        return frozenset(found)

    @cached_property
    def _symbols(self) -> dict[str, sp.Symbol]:
        free = self.free_symbols
        order = [s for s, _ in self.legend]
        rest = sort_symbols(free - set(order))
        return {s.name: s for s in order + rest if s in free}

    @property
    def symbols(self) -> dict[str, sp.Symbol]:
        """Free symbols by name, in legend order."""
        return dict(self._symbols)

    def describe(self, symbol: sp.Symbol | str) -> str:
        """What a symbol stands for: ``"kernel size of conv2d1"``."""
        name = symbol if isinstance(symbol, str) else symbol.name
        for s, meaning in self.legend:
            if s.name == name:
                return meaning
        return ""

    def __iter__(self):
        """The rows, in order (``for row in d``); ``d[0]`` is the first, ``d.row(1)`` too
        (by its 1-based index) and ``d.row("conv2d1")`` by name."""
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __bool__(self) -> bool:  # a derivation of an input alone is still a derivation
        return True

    def __getitem__(self, i: int | slice):
        return self.rows[i]

    def __repr__(self) -> str:
        name = f"{self.network.name!r}, " if self.network.name else ""
        total = self.total if self.total.is_Integer else shorten(str(self.total), 80)
        return f"<Derivation {name}{len(self.rows)} layers, total params {total}>"

    def all_rows(self) -> tuple[Row, ...]:
        """Every row, with the rows inside blocks and repeats after their parent."""
        return tuple(r for top in self.rows for r in top.walk())

    def row(self, key: int | str) -> Row:
        """A row by layer name (``layer1.conv1`` inside a block) or by 1-based index."""
        for r in self.rows:
            if r.name == key or r.index == key:
                return r
        for r in self.all_rows():
            if r.name == key:
                return r
        raise KeyError(f"no layer {quote(key)}; layers: {shorten(', '.join(r.name for r in self.rows), 300)}")

    # -- substitution --------------------------------------------------------------
    def subs(self, values: Mapping[str, Any] | None = None, **kwargs: Any) -> "Derivation":
        """A new derivation with some symbols given values (ints, names or expressions).

        A value that makes a layer impossible raises :class:`ShapeError` naming the layer.
        """
        mapping = self._mapping({**(values or {}), **kwargs})
        if not mapping:
            return self
        return self.network.subs(mapping).derive(convention=self.convention,
                                                 assume_divisible=self.assume_divisible)

    def evaluate(self, values: Mapping[str, Any] | None = None, **kwargs: Any) -> int:
        """The total number of parameters as an exact Python int.

        Raises :class:`MissingValueError` naming every symbol still unset.
        """
        done = self.subs(values, **kwargs)
        missing = done.total.free_symbols | set().union(
            *(r.output_shape.free_symbols for r in done.rows))
        if missing:
            names = ", ".join(f"{s.name} ({self.describe(s) or 'no description'})"
                              for s in sort_symbols(missing))
            raise MissingValueError(f"no value for {names}")
        if not done.total.is_Integer:  # e.g. a value that is itself an unevaluated expression
            raise SpecError(f"the total did not come out as an integer: {shorten(str(done.total))}")
        return int(done.total)

    def is_numeric(self) -> bool:
        return not self.free_symbols

    def _mapping(self, values: Mapping[Any, Any]) -> dict[sp.Symbol, sp.Expr]:
        """``{symbol: value}`` from names (or plain ``sympy.Symbol`` keys, matched by
        name) and values that are ints, expression text or sympy integer expressions."""
        known = self.symbols
        mapping: dict[sp.Symbol, sp.Expr] = {}
        for key, value in values.items():
            if isinstance(key, sp.Symbol):
                name = key.name
            elif isinstance(key, str):
                name = key
            else:
                raise SpecError(f"a symbol is named by a string or a sympy Symbol, "
                                f"got a {type(key).__name__}")
            if name not in known:
                listing = ", ".join(known) or "none (the network is fully numeric)"
                raise SpecError(f"unknown symbol {quote(name)}; symbols: {listing}")
            sym = known[name]
            expr = _value(name, value, nonnegative=not sym.is_positive, known=known)
            if expr.is_Rational:
                lower = 0 if not sym.is_positive else 1
                if not expr.is_Integer or expr < lower:
                    raise ShapeError(f"{name} ({self.describe(sym)}) must be an integer of at "
                                     f"least {lower}, got {shorten(str(expr))}")
            if sym in mapping and mapping[sym] != expr:  # {"n": 28, Symbol("n"): 29}
                raise SpecError(f"{shorten(name)} is given two values, {shorten(str(mapping[sym]))} "
                                f"and {shorten(str(expr))}")
            mapping[sym] = expr
        return mapping

    # -- plain outputs -----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary: numbers are ints, other values text sympy parses (terms in
        human order, :func:`~symparams.core.printing.text`) with the ``symbols`` as local
        names (``parse_expr(text, local_dict=...)``: ``N``, ``E``, ``S`` are sympy's own
        otherwise); the
        network's ``name``, its ``input`` row, the ``layers``, the counts, the symbols and
        the conditions (as relations, and with their layer and reason)."""
        return {
            "name": self.network.name,
            "input": {"name": "input", "kind": "input",
                      "output_shape": [jsonable(d) for d in self.input_shape.dims()],
                      "params": 0},
            "layers": [{"name": r.name, "kind": r.kind,
                        "output_shape": [jsonable(d) for d in r.output_shape.dims()],
                        "params": jsonable(r.params)} for r in self.rows],
            "total": jsonable(self.total),
            "trainable": jsonable(self.trainable),
            "non_trainable": jsonable(self.non_trainable),
            "convention": self.convention,
            "symbols": {s.name: text for s, text in self.legend if s in self.free_symbols},
            "conditions": [text(c.relation, divides=False) for c in self.conditions],
            "condition_details": [{"relation": text(c.relation, divides=False), "layer": c.layer,
                                   "reason": c.reason, "assumed": c.assumed}
                                  for c in self.conditions],
            "assumptions": [c.reason for c in self.conditions if c.assumed],
        }

    def __str__(self) -> str:
        return provided("text")(self)

    # -- exports (issue 3: latex, markdown, worked, to_function, Jupyter) --------------
    def latex(self, *, standalone: bool = False, worked: bool = False,
              values: Mapping[str, Any] | None = None, **options: Any) -> str:
        """LaTeX: equation, booktabs table, per-layer ``align*``, legend, conditions.

        Options: ``mul_symbol`` ("times", "cdot" or None), ``symbol_names``
        (``{"n": r"H_{\\text{in}}"}``), ``symbol`` (the total's letter, "P").
        """
        return provided("latex")(self, standalone=standalone, worked=worked, values=values, **options)

    def markdown(self, *, worked: bool = False, values: Mapping[str, Any] | None = None,
                 **options: Any) -> str:
        """Markdown: a GitHub table and ``$$`` maths (same options as :meth:`latex`)."""
        return provided("markdown")(self, worked=worked, values=values, **options)

    def worked(self, values: Mapping[str, Any] | None = None, *, latex: bool = False,
               **options: Any) -> str:
        """The worked solution in textbook order (Markdown, or LaTeX with ``latex=True``).

        Needs numbers: raises :class:`MissingValueError` for symbols left unset.
        """
        return provided("worked_latex" if latex else "worked_markdown")(self, values, **options)

    def to_function(self, name: str = "total_params") -> str:
        """Source of a standalone Python function (exact integers, no imports) whose
        parameters are the free symbols; it returns the total."""
        return provided("to_function")(self, name)

    def explore(self, **options: Any) -> Any:
        """Live controls in Jupyter: a slider per symbol, the table and the total
        recomputed exactly as they move, and a plot (needs ``symparams[jupyter]``)."""
        return provided("explore")(self, **options)

    def _repr_latex_(self) -> str:
        return "$$" + provided("total_latex")(self) + "$$"

    def _repr_markdown_(self) -> str:
        return self.markdown()


    # -- algebra (issue 4: simplify, solve, sweep, valid) ---------------------------------
    def simplify(self, form: str = "expanded", by: Any = None) -> "Derivation":
        """A derivation whose per-layer counts and ``total`` are ``"expanded"``,
        ``"factored"`` or ``"collected"`` in ``by`` (a symbol or name, or several).

        ``subs`` re-derives from the network, so apply ``simplify`` last.
        """
        from symparams.algebra.forms import simplify

        return simplify(self, form, by)

    def by_layer(self) -> sp.Expr:
        """The total as an unevaluated sum of per-layer terms, in layer order
        (print with ``sympy.sstr(e, order="none")`` to keep the order)."""
        from symparams.algebra.forms import by_layer

        return by_layer(self)

    def leading_term(self, symbol: sp.Symbol | str) -> sp.Expr:
        """The dominant term of the total as ``symbol`` grows: ``12*L*d**2``."""
        from symparams.algebra.forms import leading_term

        return leading_term(self, symbol)

    def diff(self, symbol: sp.Symbol | str, discrete: bool = False) -> sp.Expr:
        """d total / d symbol, or the forward difference with ``discrete=True``."""
        from symparams.algebra.forms import diff

        return diff(self, symbol, discrete)

    def solve(self, for_: sp.Symbol | str, *, max_params: int | None = None,
              min_params: int | None = None, equals: int | None = None, of: str = "params"):
        """The largest value of ``for_`` with total <= max_params (or the smallest with
        total >= min_params, or == equals), other symbols set: a ``Solution``.  ``of``
        bounds a cost instead of the parameters: ``"macs"``, ``"flops"``, ``"activations"``."""
        from symparams.algebra.solve import solve

        return solve(self, for_, max_params=max_params, min_params=min_params, equals=equals,
                     of=of)

    def sweep(self, invalid: str = "error", max_points: int | None = None, **grids: Any):
        """Exact totals over the Cartesian product of integer grids, e.g.
        ``sweep(h=range(16, 1025, 16), c=[8, 16])``: a ``SweepResult`` of numpy columns.
        ``invalid="skip"`` drops invalid points instead of raising ShapeError; more than
        ``max_points`` points (default 10**7) is an error.  For larger grids, or to
        stream CSV/JSON, use ``symparams.algebra.sweep.Sweep``."""
        from symparams.algebra.sweep import MAX_POINTS, sweep

        return sweep(self, grids, invalid=invalid,
                     max_points=MAX_POINTS if max_points is None else max_points)

    def valid(self, values: Mapping[str, Any] | None = None, **kwargs: Any) -> bool:
        """Whether every validity condition (and assumption) holds for these values."""
        from symparams.algebra.conditions import valid

        return valid(self, {**(values or {}), **kwargs})


MAX_DIGITS = 1000
"""Values with more decimal digits than this are refused (no size is that large)."""
_LIMIT = 10 ** MAX_DIGITS
"""The smallest number with more than :data:`MAX_DIGITS` digits."""
_ATOMS = (sp.Integer, sp.Rational, sp.Symbol)


def _value(name: str, value: Any, *, nonnegative: bool,
           known: Mapping[str, sp.Symbol]) -> sp.Expr:
    """One value for the symbol ``name`` as an exact sympy expression, or SpecError."""
    if isinstance(value, (bool, np.bool_)) or value is None:
        raise SpecError(f"{shorten(name)} must be an integer, got {shorten(repr(value))}")
    if isinstance(value, (int, np.integer)):
        expr: sp.Expr = sp.Integer(int(value))
    elif isinstance(value, str):
        if len(value) > 4 * MAX_DIGITS:
            raise SpecError(f"the value of {name} is {len(value):,} characters long: "
                            f"at most {4 * MAX_DIGITS:,}")
        try:
            expr = parse_expression(value, nonnegative=nonnegative)
        except SpecError as err:
            raise SpecError(f"the value of {name}: {err.message}", err.text, err.position) from None
    elif isinstance(value, sp.Expr):
        expr = value
    elif isinstance(value, (float, np.floating)):
        raise SpecError(f"{name} must be an integer, got the float {shorten(repr(value))}")
    else:
        raise SpecError(f"{name} must be an integer, a name or an expression, "
                        f"got a {type(value).__name__}")
    odd = [a for a in expr.atoms() if not isinstance(a, _ATOMS)] if not expr.is_Integer else []
    if odd or expr.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        what = "a float" if expr.has(sp.Float) or isinstance(odd[0] if odd else None, sp.Float) \
            else "not an integer expression"
        raise SpecError(f"{name} must be an integer, got {shorten(_brief(expr))} ({what})")
    for a in expr.atoms(sp.Rational):
        if max(abs(a.p), a.q) >= _LIMIT:
            raise SpecError(f"the value of {name} has more than {MAX_DIGITS:,} digits")
    # names in the value mean the derivation's symbols of those names
    bad = [s.name for s in expr.free_symbols if s.name not in known and not is_valid_name(s.name)]
    if bad:
        raise SpecError(f"invalid name {quote(bad[0])} in the value of {name}")
    return expr.xreplace({s: known[s.name] if s.name in known
                          else make_symbol(s.name, nonnegative=nonnegative)
                          for s in expr.free_symbols if isinstance(s, sp.Symbol)})


def _brief(expr: sp.Expr) -> str:
    """``str(expr)`` unless a number in it is too long to print."""
    if any(max(abs(a.p), a.q) >= _LIMIT for a in expr.atoms(sp.Rational)):
        return "a number with more than 1,000 digits"
    return str(expr)


def jsonable(value: sp.Expr) -> int | str:
    """A JSON integer when the value is a number, else text sympy parses, its terms in
    the order people write them (``n - k1 + 1``)."""
    if value.is_Integer:
        return int(value)
    return text(value, divides=False)


def leaf_rows(rows: "tuple[Row, ...]") -> "list[tuple[Row, sp.Expr]]":
    """Every row of ``rows`` (and of their blocks and repeats) that is not a block or
    repeat, with how many times it runs: a repeat's copy stands for ``t`` copies (or its
    second for ``t − 1``)."""
    out: list[tuple[Row, sp.Expr]] = []

    def visit(rows, times: sp.Expr) -> None:
        for r in rows:
            if not r.children:
                out.append((r, times))
                continue
            t = getattr(r.layer, "times", None)
            if t is None:  # a block: its rows run once
                visit(r.children, times)
                continue
            copies = list(r.copies().values())
            if t.is_Integer and len(copies) == int(t):  # unrolled: every copy is there
                visit(r.children, times)
            elif len(copies) == 1:
                visit(copies[0], times * t)
            else:
                visit(copies[0], times)
                visit(copies[1], times * (t - 1))

    visit(rows, sp.Integer(1))
    return out


def transformer_activation_memory(rows: "tuple[Row, ...]", batch: Any = "b",
                                  recompute: str = "none") -> sp.Expr:
    """Korthikanti et al.'s activation bytes over the attention layers of ``rows``."""
    from symparams.algebra.memory import transformer_activations
    from symparams.core.symbols import make_symbol

    b = make_symbol(batch) if isinstance(batch, str) else sp.Integer(batch)
    return sp.Add(*(times * transformer_activations(
        r.input_shape.spatial[0], b, r.input_shape.channels, r.layer.heads, recompute)
        for r, times in leaf_rows(rows) if r.kind == "attention"))

