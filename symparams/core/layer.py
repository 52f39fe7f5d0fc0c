"""The Layer protocol, hyperparameter conversion and the registry of layer kinds.

A layer is a frozen dataclass.  Its hyperparameter fields are declared with
:func:`hyper`; whatever the user passes (an int, a symbol name, an expression text,
a sympy expression, or a per-axis tuple of those) is converted to sympy once, in
``__post_init__``, by our own strict parser: never ``sympify``.
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import MISSING, dataclass, field, fields, replace
from functools import lru_cache
from typing import Any, Callable, ClassVar, Iterable, Union

import sympy as sp

from symparams.core.errors import NotSupportedError, ShapeError, SpecError, quote, shorten
from symparams.core.expr import MAX_EXPONENT, parse_expression, too_large
from symparams.core.shape import Shape, brief, product
from symparams.core.symbols import make_symbol, normalize_name

MAX_INT_DIGITS = 60
"""The most digits of an integer hyperparameter (the notation's bound too)."""

NUMBER_WORDS = dict(zip(
    ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
     "fifteen sixteen seventeen eighteen nineteen twenty").split(), range(21)))
NUMBER_WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
                     "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
                     "million": 10**6, "billion": 10**9, "dozen": 12})

# Words other frameworks use for an option, refused rather than read as a symbol's name.
FOREIGN_WORDS = {"padding": ("full", "causal", "half", "reflect", "replicate", "circular",
                             "symmetric", "zeros", "none", "auto")}

HyperValue = Union[int, str, sp.Expr]
"""What a hyperparameter accepts: ``5``, ``"k1"``, ``"2*c + 1"`` or a sympy expression."""


def hyper(role: str, *, default: Any = MISSING, nonnegative: bool = False,
          per_axis: bool = False, words: tuple[str, ...] = ()) -> Any:
    """Declare a hyperparameter field.

    ``role`` is the human name used in legends and errors ("kernel size");
    ``nonnegative`` allows 0 (padding); ``per_axis`` allows a tuple, one value per
    spatial axis; ``words`` are keywords accepted as they are (``"same"``).
    """
    meta = {"role": role, "nonnegative": nonnegative, "per_axis": per_axis, "words": words}
    return field(default=default, metadata=meta)


@lru_cache(maxsize=None)
def _init_fields(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in fields(cls) if f.init)


def suggest(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'same'?)`` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(word.lower(), [c.lower() for c in choices], n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def word_problem(word: str, role: str, words: tuple[str, ...] = (),
                 option: str | None = None) -> str | None:
    """Why a bare name given for a hyperparameter is a typo rather than a symbol.

    A number word (``two``) is refused; so is, for an option with words (padding's
    ``same``/``valid``), a close match of a word or another framework's word
    (``full``, ``causal``).  None when ``word`` may be a symbol's name.
    """
    low = word.lower()
    if low in NUMBER_WORDS:
        return f"{role}: {quote(word)} is a number word; write {NUMBER_WORDS[low]}"
    if not words:
        return None
    if low in FOREIGN_WORDS.get(option or "", ()):
        return (f"{role}: {quote(word)} is not supported; use a number or one of "
                f"{', '.join(words)}{suggest(word, words)}")
    hint = suggest(word, words)
    if hint:
        return f"{role}: unknown word {quote(word)}{hint}"
    return None


def _check_int(value: int, role: str) -> None:
    if abs(value) >= 10 ** MAX_INT_DIGITS:  # more than MAX_INT_DIGITS digits
        raise SpecError(f"{role}: number too large (more than {MAX_INT_DIGITS} digits)")


def to_expr(value: Any, *, role: str, nonnegative: bool = False) -> sp.Expr:
    """Convert one user value to a sympy integer expression (no range check here)."""
    from symparams.algebra.floors import degree

    if isinstance(value, bool):
        raise SpecError(f"{role} must be an integer, got {shorten(repr(value))}")
    if isinstance(value, int):
        _check_int(value, role)
        return sp.Integer(value)
    if isinstance(value, str):
        return parse_expression(value, nonnegative=nonnegative)
    if isinstance(value, sp.Expr):
        if too_large(value):
            raise SpecError(f"{role}: number too large (more than {MAX_INT_DIGITS} digits)")
        if value.has(sp.nan, sp.zoo, sp.oo, -sp.oo, sp.I) or value.atoms(sp.Float):
            raise SpecError(f"{role} must be an integer expression, got {quote(value)}")
        if degree(value) > MAX_EXPONENT:  # a = b**64 put into a**64: b**4096
            raise SpecError(f"{role}: degree above {MAX_EXPONENT} in {quote(value)}")
        if not value.is_number and not all(isinstance(s, sp.Symbol) for s in value.free_symbols):
            raise SpecError(f"{role} must be an integer expression, got {quote(value)}")
        # A symbol made elsewhere (sp.Symbol("n")) gets symparams' assumptions, so
        # floors and conditions reason about it as an integer size (or padding).
        # A non-integer value becomes a failing condition, named with its layer.
        return value.xreplace({s: make_symbol(s.name, nonnegative=nonnegative)
                               for s in value.free_symbols
                               if not (s.is_integer and (s.is_positive or nonnegative
                                                         and s.is_nonnegative))})
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e60:
            raise SpecError(f"{role} must be an integer, got {shorten(repr(value))}; sizes are whole "
                            f"numbers: write {int(value)}")
        raise SpecError(f"{role} must be an integer, got {shorten(repr(value))}")
    raise SpecError(f"{role} must be an integer, a name or an expression, got "
                    f"{_type_name(value)} {quote(value)}")


def _type_name(value: Any) -> str:
    names = {list: "a list", tuple: "a list", dict: "a table", str: "a string", bool: "a boolean",
             float: "a decimal number", int: "an integer"}
    for cls, name in names.items():
        if isinstance(value, cls):
            return name
    return f"a {type(value).__name__}"


def hyper_conditions(value: sp.Expr, role: str, nonnegative: bool) -> list[tuple[sp.Basic, str]]:
    """Validity conditions of one hyperparameter value: integer, and >= 1 (or >= 0)."""
    lower = 0 if nonnegative else 1
    out: list[tuple[sp.Basic, str]] = []
    if value.is_integer is not True:
        if value.is_Rational:
            out.append((sp.false, f"{role} must be an integer, got {value}"))
        else:
            out.append((sp.Eq(value, sp.floor(value)), f"{role} is an integer"))
    bound = sp.Ge(value, lower)
    if bound is not sp.true:
        word = "nonnegative" if nonnegative else "at least 1"
        out.append((bound, f"{role} must be {word}, got {value}" if value.is_Rational
                    else f"{role} is {word}" if value.is_Symbol
                    else f"{role} {value} is {word}"))
    return out


@dataclass(frozen=True)
class Weight:
    """One weight tensor of a layer: ``W: 5 × 5 × 1 × 4``.

    ``trainable=False`` marks statistics such as BatchNorm's running mean, which
    Keras counts as non-trainable parameters and PyTorch keeps as buffers.
    """

    name: str
    shape: tuple[sp.Expr, ...]
    trainable: bool = True
    conventions: tuple[str, ...] = ("pytorch", "keras")
    """The conventions that count it: BatchNorm's running statistics are buffers in
    PyTorch and non-trainable parameters in Keras (``("keras",)``)."""

    @property
    def size(self) -> sp.Expr:
        return product(self.shape)

    def counts(self, convention: str) -> bool:
        """Whether ``convention`` counts this tensor as a parameter."""
        return convention in self.conventions

    def frozen(self) -> "Weight":
        """The same tensor, not trained (PyTorch's ``requires_grad=False``)."""
        return replace(self, trainable=False)

    def subs(self, mapping) -> "Weight":
        return replace(self, shape=tuple(d.subs(mapping) for d in self.shape))

    def __str__(self) -> str:
        return f"{self.name}: " + " × ".join(str(d) for d in self.shape)


@dataclass(frozen=True)
class Layer:
    """Base of every layer kind.

    Subclasses set ``kind`` (the registered name) and ``prefix`` (automatic names
    ``prefix1``, ``prefix2`` …) and implement ``output_shape``; ``weights`` and
    ``conditions`` default to none.
    """

    kind: ClassVar[str] = "layer"
    prefix: ClassVar[str] = "layer"

    name: str | None = field(default=None, kw_only=True)
    spec: str | None = field(default=None, kw_only=True, compare=False, repr=False)
    trainable: bool = field(default=True, kw_only=True)
    """False freezes every weight of the layer (PyTorch's ``requires_grad=False``):
    they count as non-trainable parameters in both conventions."""
    shares: str | None = field(default=None, kw_only=True)
    """The name of an earlier layer whose weights this one uses (a module applied twice,
    tied embeddings): its shapes are derived, its weights counted there only."""
    ties: str | None = field(default=None, kw_only=True)
    """The name of an earlier layer whose matrix this layer's matrix is, transposed or not
    (tied input and output embeddings): that matrix (``tie_weight``) is counted there
    only, so an output layer tied to the embedding adds just its bias, if any."""
    inputs: tuple[str | int, ...] | None = field(default=None, kw_only=True)
    """The nodes this layer reads: names (``"input"`` is the network's or block's input)
    or negative offsets (``-1`` the layer before, ``-3`` three layers back); None reads
    the layer before.  Only merges read more than one."""

    tie_weight: ClassVar[str | None] = None
    """The weight a tie (``ties=``) makes one with another layer's (a dense layer's
    ``W``, an embedding's ``E``); None when the kind cannot be tied."""

    composite: ClassVar[bool] = False
    """True for layers made of layers (blocks, repeats): see :mod:`symparams.core.graph`."""

    # -- how the compact notation writes this kind (read by symparams.notation, which
    # knows no kind by name) ----------------------------------------------------------
    letters: ClassVar[dict[str, Callable[[int, bool], dict[str, Any]]]] = {}
    """Notation letters of this kind, each with the hyperparameters of the letter
    written bare: a function of how many times the letter has been used so far (1 for
    the first) and whether the network's input is spatial (``C`` -> ``C(c1, k1)``)."""
    positional: ClassVar[tuple[str, ...]] = ()
    """The fields given without a keyword, in order: ``C(32, 5)`` is filters, kernel."""
    aliases: ClassVar[dict[str, str]] = {}
    """Short keywords of the notation: ``s=`` for ``stride``."""
    keyword_field: ClassVar[str | None] = None
    """The field that collects the notation's keywords that name no option, as
    ``(keyword, value)`` pairs (a custom layer's weights: ``custom(W=d x h, b=h)``)."""
    word_kinds: ClassVar[dict[str, str]] = {}
    """A lone word argument that names another kind: ``A(prelu)`` is the kind ``prelu``."""
    spatial: ClassVar[bool] = False
    """Reads a spatial input (height, width … and channels)."""
    vector: ClassVar[bool] = False
    """Reads a vector: a flatten is implied before it when its input is spatial."""
    source: ClassVar[bool] = False
    """Reads nothing: the network's input, which comes first."""
    keeps_shape: ClassVar[bool] = False
    """The output has the input's shape, whatever it is (activations, dropout, norms)."""

    # -- how PyTorch writes this kind (read by symparams.interop.torch; nothing here
    # imports torch: the methods get torch's modules, or torch.nn, as arguments) -----
    torch_modules: ClassVar[tuple[str, ...]] = ()
    """The ``torch.nn`` classes this kind reads, by name (``"Conv2d"``)."""
    torch_functions: ClassVar[tuple[str, ...]] = ()
    """The functions and tensor methods it reads in a traced graph (``"max_pool2d"``)."""
    torch_tuple_output: ClassVar[bool] = False
    """Its module returns a tuple whose first item is the layer's output (``nn.LSTM``
    returns ``(output, (h_n, c_n))``): from_torch reads ``module(x)[0]`` as the layer's
    output (then ``[:, -1]``, its last position, as ``return_sequences=False`` when the
    layer has that option) and refuses the other items; to_torch wraps the module so
    that it returns that item only (its last position without ``return_sequences``)."""

    @classmethod
    def torch_read(cls, module: Any) -> dict[str, Any] | str:
        """Options (numbers) read from one of its ``torch_modules``, or why it cannot be
        read.  ``ndim`` is the spatial rank the module expects, when it fixes one;
        ``in_channels`` the channels it expects (checked against the derivation)."""
        return {}

    @classmethod
    def torch_read_call(cls, name: str, args: tuple, kwargs: dict) -> dict[str, Any] | str:
        """Options read from a call of one of its ``torch_functions`` (its arguments
        after the tensor), or why it cannot be read."""
        return {}

    @classmethod
    def torch_input_ranks(cls, options: dict[str, Any]) -> tuple[int, ...] | None:
        """The spatial ranks of input that the module read with ``options`` accepts
        (``Conv2d``: ``(2,)``; ``Linear``: ``(0,)``, a vector); None when any."""
        return (options["ndim"],) if "ndim" in options else None

    @classmethod
    def torch_before_flatten(cls, options: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """The kind and options that this module followed by a flatten reads as
        (``AdaptiveAvgPool2d(1)`` then flatten is a global pooling), or None."""
        return None

    @classmethod
    def from_torch(cls, options: dict[str, Any], names: Any) -> "Layer":
        """The layer for ``options``; ``names(group, value, letter, index=…)`` returns
        ``value`` or the symbol the user asked for (``from_torch(symbolize=…)``)."""
        return cls(**{k: v for k, v in options.items() if k in _init_fields(cls)})

    def to_torch(self, nn: Any, row: Any) -> Any:
        """The ``torch.nn`` module of this layer at the numeric ``row`` of a derivation."""
        raise NotSupportedError(f"no PyTorch module for {self.kind}")

    @classmethod
    def has_torch_module(cls) -> bool:
        return cls.to_torch is not Layer.to_torch

    # -- compute ----------------------------------------------------------------------
    def macs(self, in_shapes: tuple[Shape, ...], out_shape: Shape) -> sp.Expr:
        """Multiply–accumulates of one forward pass of one sample (one MAC is one multiply
        and one add, as fvcore and torchvision count; PyTorch's ``FlopCounterMode`` counts
        two FLOPs each).  Bias additions, normalisations, activations, pooling and other
        element-wise work are not MACs: 0 by default."""
        return sp.Integer(0)

    def elementwise(self, in_shapes: tuple[Shape, ...], out_shape: Shape) -> sp.Expr:
        """The other floating-point work of one forward pass, counted only by the
        extended FLOP convention: bias additions, activations,
        normalisations (scale and shift: 2 per element), pooling (one per window
        element), the additions of a merge.  0 by default."""
        return sp.Integer(0)

    # -- worked solutions (the pieces are in symparams.core.working) ------------------
    def worked_sizes(self, row: Any) -> list:
        """The steps that compute the output size of this layer at a numeric ``row``
        (none when the size is the input's)."""
        return []

    def worked_params(self, row: Any, convention: str) -> list | None:
        """The steps that compute the parameters as a textbook writes them
        (``(n × m × l + 1) × k``); None for the sum of the weight shapes."""
        return None

    def worked_macs(self, row: Any) -> list | None:
        """The steps that compute the multiply–accumulates as a textbook writes them
        (``24 × 24 × 4 × (5 × 5 × 1)``); None for the derived value as it is."""
        return None

    def __post_init__(self) -> None:
        self._check_options()
        for f in fields(self):
            meta = f.metadata
            if "role" not in meta:
                continue
            value = getattr(self, f.name)
            if value is None and f.default is None:
                continue
            if isinstance(value, str) and value.strip().lower() in meta["words"]:
                object.__setattr__(self, f.name, value.strip().lower())
                continue
            if isinstance(value, (tuple, list)):
                if not meta["per_axis"]:
                    raise SpecError(f"{self.kind}: {meta['role']} takes one value, got "
                                    f"{_type_name(value)} {quote(value)}")
                most = 4 if f.name == "shape" else 3
                if not value or len(value) > most:
                    raise SpecError(f"{self.kind}: {meta['role']} takes 1 to {most} values (one "
                                    f"per axis), got {len(value)}")
                conv = tuple(self._convert(v, meta, f.name) for v in value)
            else:
                conv = self._convert(value, meta, f.name)
            object.__setattr__(self, f.name, conv)

    def _check_options(self) -> None:
        """Every option that is not a hyperparameter has the type its class declares:
        ``bias`` is a bool (``"false"`` is refused: it is not a boolean)."""
        self._check_inputs()
        self._check_sharing()
        if self.name is not None:
            if not isinstance(self.name, str):
                raise SpecError(f"{self.kind}: name must be a string, got "
                                f"{_type_name(self.name)} {quote(self.name)}")
            if len(self.name) > 200:
                raise SpecError(f"{self.kind}: name {quote(self.name, 20)} is longer than 200 "
                                "characters")
        for f in fields(self):
            if "role" in f.metadata or f.name in ("name", "spec", "inputs", "trainable", "shares",
                                                  "ties"):
                continue
            expected = option_types(type(self)).get(f.name)
            value = getattr(self, f.name)
            if expected is None or isinstance(value, expected) and not (
                    bool not in expected and isinstance(value, bool)):
                continue
            if expected == (bool,):
                hint = (f" (a TOML boolean is written without quotes: {f.name} = false)"
                        if isinstance(value, str) else "")
                raise SpecError(f"{self.kind}: {f.name} must be true or false, got "
                                f"{_type_name(value)} {quote(value)}{hint}")
            raise SpecError(f"{self.kind}: {f.name} must be "
                            f"{' or '.join(_TYPE_WORDS.get(t, t.__name__) for t in expected)}, "
                            f"got {_type_name(value)} {quote(value)}")

    def _check_sharing(self) -> None:
        if not isinstance(self.trainable, bool):
            raise SpecError(f"{self.kind}: trainable must be true or false, got "
                            f"{_type_name(self.trainable)} {quote(self.trainable)}")
        if self.shares is not None and not (isinstance(self.shares, str) and self.shares):
            raise SpecError(f"{self.kind}: shares names the layer whose weights it uses, got "
                            f"{_type_name(self.shares)} {quote(self.shares)}")
        if self.ties is not None:
            if not (isinstance(self.ties, str) and self.ties):
                raise SpecError(f"{self.kind}: ties names the layer whose matrix it uses, got "
                                f"{_type_name(self.ties)} {quote(self.ties)}")
            if self.tie_weight is None:
                raise SpecError(f"{self.kind} has no matrix to tie (dense and embedding layers "
                                "do)")

    def counted_weights(self, in_shape: Shape, convention: str) -> tuple[Weight, ...]:
        """The weights ``convention`` counts, frozen when the layer is."""
        ws = tuple(w for w in self.weights(in_shape) if w.counts(convention))
        return ws if self.trainable else tuple(w.frozen() for w in ws)

    def _check_inputs(self) -> None:
        value = self.inputs
        if value is None:
            return
        if isinstance(value, str):
            value = (value,)
        if not isinstance(value, (tuple, list)) or not value or not all(
                isinstance(v, str) and v or isinstance(v, int) and not isinstance(v, bool)
                and -MAX_INPUTS * 1000 < v < 0 for v in value):
            raise SpecError(f"{self.kind}: inputs must be a list of layer names (or negative "
                            f"offsets, -1 for the layer before), got {_type_name(value)} "
                            f"{quote(value)}")
        if len(value) > MAX_INPUTS:
            raise SpecError(f"{self.kind}: more than {MAX_INPUTS} inputs")
        if self.arity is not None and len(value) != self.arity:
            raise SpecError(f"{self.kind} reads {self.arity} input"
                            f"{'s' if self.arity != 1 else ''}, got {len(value)}: "
                            f"{quote(', '.join(map(str, value)))}")
        object.__setattr__(self, "inputs", tuple(value))

    arity: ClassVar[int | None] = 1
    """How many inputs the layer reads; None for any number from 2 (merges)."""

    def _convert(self, value: Any, meta, option: str) -> sp.Expr:
        try:
            if isinstance(value, str):
                word = normalize_name(value.strip())
                problem = word.isidentifier() and word_problem(word, meta["role"],
                                                               meta["words"], option)
                if problem:
                    raise SpecError(problem)
            return to_expr(value, role=meta["role"], nonnegative=meta["nonnegative"])
        except SpecError as err:
            raise SpecError(f"{self.kind}: {err}") from None

    # -- the protocol ---------------------------------------------------------
    def resolved_kind(self, in_shape: Shape) -> str:
        """The kind as shown in tables; conv and pooling add their dimension."""
        return self.kind

    def resolved_prefix(self, in_shape: Shape) -> str:
        return self.prefix

    def output_shape(self, in_shape: Shape) -> Shape:
        raise NotImplementedError

    def weights(self, in_shape: Shape) -> tuple[Weight, ...]:
        return ()

    def conditions(self, in_shape: Shape) -> list[tuple[sp.Basic, str]]:
        """Validity conditions beyond the hyperparameters' own (sizes fit, groups divide)."""
        return []

    # -- generic helpers ------------------------------------------------------
    def hyperparameters(self) -> Iterable[tuple[str, str, bool, sp.Expr]]:
        """Every (field, role, nonnegative, value) of this layer, per axis flattened
        (a block's own only: :func:`walk` reaches the layers inside it)."""
        for f in fields(self):
            meta = f.metadata
            if "role" not in meta:
                continue
            value = getattr(self, f.name)
            values = value if isinstance(value, tuple) else (value,)
            for v in values:
                if isinstance(v, sp.Expr):
                    yield f.name, meta["role"], meta["nonnegative"], v

    def all_conditions(self, in_shape: Shape) -> list[tuple[sp.Basic, str]]:
        """The hyperparameters' own conditions, then the layer's.  A hyperparameter
        that is provably out of range (``groups=0``) ends the list, so that no
        arithmetic (``channels / groups``) ever uses it."""
        out: list[tuple[sp.Basic, str]] = []
        for _, role, nonneg, value in self.hyperparameters():
            out.extend(hyper_conditions(value, role, nonneg))
        if any(rel is sp.false or rel == sp.false for rel, _ in out):
            return out
        out.extend(self.conditions(in_shape))
        return out

    def describe(self) -> str:
        """Short text of this layer for messages: its notation if known."""
        return self.spec or self.kind

    def per_axis(self, value: Any, rank: int, role: str) -> tuple[sp.Expr, ...]:
        """Expand a scalar to one value per spatial axis; check a tuple's length."""
        if isinstance(value, tuple):
            if len(value) == 1:
                return value * rank
            if len(value) != rank:
                raise ShapeError(f"{role} has {len(value)} values but the input has {rank} "
                                 f"spatial axes")
            return value
        return (value,) * rank


def padding_per_axis(layer: Layer, padding: Any, rank: int) -> tuple[sp.Expr, ...] | str:
    """``'same'`` as is, ``'valid'`` as zeros, otherwise one value per axis."""
    if padding == "same":
        return "same"
    if padding == "valid":
        return (sp.Integer(0),) * rank
    return layer.per_axis(padding, rank, "padding")


def spatial_input(layer: Layer, in_shape: Shape) -> None:
    if in_shape.is_vector:
        raise ShapeError(f"{layer.kind} needs a 1-D, 2-D or 3-D input with channels, "
                         f"got a vector of {brief(in_shape.channels)}")
    ndim = getattr(layer, "ndim", None)
    if ndim is not None and ndim != in_shape.rank:
        raise ShapeError(f"{layer.kind}{ndim}d needs a {ndim}-D input, "
                         f"got {in_shape.rank}-D ({in_shape.brief()})")


MAX_INPUTS = 1000
"""The most inputs one merge may read."""


class Merge(Layer):
    """A layer that reads two or more inputs (``add``, ``concat``, ``multiply``).

    Subclasses implement :meth:`merge_shape`; a merge has no weights.
    """

    arity: ClassVar[int | None] = None

    def merge_shape(self, shapes: tuple[Shape, ...], sources: tuple[str, ...]
                    ) -> tuple[Shape, list[tuple[sp.Basic, str]]]:
        """The output shape and the conditions under which the inputs agree.

        ``sources`` names the inputs for messages.  Raises :class:`ShapeError` naming
        both inputs when numbers prove their shapes disagree.
        """
        raise NotImplementedError

    def output_shape(self, in_shape: Shape) -> Shape:
        raise ShapeError(f"{self.kind} reads two or more inputs (give inputs=[...])")


_TYPE_WORDS = {bool: "true or false", str: "a text", int: "an integer", type(None): "unset"}


@lru_cache(maxsize=None)
def option_types(cls: type) -> dict[str, tuple[type, ...]]:
    """The declared types of a layer class's plain options (``bias: bool``);
    ``Any`` fields are left out (their class checks them)."""
    hints = typing.get_type_hints(cls)
    out: dict[str, tuple[type, ...]] = {}
    for name, hint in hints.items():
        if hint is Any:
            continue
        args = typing.get_args(hint) if typing.get_origin(hint) in (Union, types.UnionType) \
            else (hint,)
        if all(isinstance(a, type) for a in args):
            out[name] = tuple(args)
    return out


# -- registry -------------------------------------------------------------------
REGISTRY: dict[str, tuple[type[Layer], dict[str, Any]]] = {}


def register(kind: str, **fixed: Any) -> Callable[[type[Layer]], type[Layer]]:
    """Register a layer class under ``kind``, with fixed keyword arguments.

    ``@register("conv2d", ndim=2)`` makes ``make_layer("conv2d", ...)`` build a
    ``Conv`` with ``ndim=2``.
    """

    def deco(cls: type[Layer]) -> type[Layer]:
        REGISTRY[kind] = (cls, fixed)
        return cls

    return deco


def make_layer(kind: str, **kwargs: Any) -> Layer:
    """Build a layer by its registered kind name; an unknown kind lists the known ones."""
    if not isinstance(kind, str):
        raise SpecError(f"a layer kind is a text such as \"conv2d\", got {_type_name(kind)} "
                        f"{quote(kind)}")
    key = kind.lower().replace("_", "")
    if key not in REGISTRY:
        raise SpecError(f"unknown layer kind {quote(kind)}{suggest(key, REGISTRY)}; known kinds: "
                        f"{', '.join(sorted(REGISTRY))}")
    cls, fixed = REGISTRY[key]
    allowed = {f.name for f in fields(cls) if f.init} - set(fixed) - {"spec"}
    unknown = sorted(set(kwargs) - allowed, key=str)
    if unknown:
        bad = str(unknown[0])
        why = (" (the kind is given once, by the layer letter or kind)" if bad == "kind" else
               suggest(bad, allowed))
        raise SpecError(f"{kind}: unknown option {quote(bad)}{why}; options are: "
                        f"{', '.join(sorted(allowed))}")
    missing = [f.name for f in fields(cls) if f.init and f.name not in kwargs
               and f.name not in fixed and f.default is MISSING and f.default_factory is MISSING]
    if missing:
        raise SpecError(f"{kind}: missing {', '.join(missing)}")
    return cls(**fixed, **kwargs)


def substitute_layer(layer: Layer, mapping: dict) -> Layer:
    """The same layer with ``mapping`` substituted into every hyperparameter (and into
    the layers of a block's body)."""
    from dataclasses import replace

    changes = {}
    for name, body in _bodies(layer):
        new_body = tuple(substitute_layer(v, mapping) for v in body)
        if new_body != body:
            changes[name] = new_body
    for f in fields(layer):
        value = getattr(layer, f.name)
        if "role" not in f.metadata:
            continue
        new = _replaced(value, mapping)
        if new != value:
            changes[f.name] = new
    return replace(layer, **changes) if changes else layer


def _replaced(value: Any, mapping: dict) -> Any:
    """``value`` with ``mapping`` put in, through nested tuples (a custom layer's
    ``(name, sizes)`` pairs); texts and numbers as they are."""
    if isinstance(value, sp.Basic):
        return value.xreplace(mapping)
    if isinstance(value, tuple):
        return tuple(_replaced(v, mapping) for v in value)
    return value


def _bodies(layer: Layer) -> Iterable[tuple[str, tuple[Layer, ...]]]:
    """``(field, layers)`` of each field of ``layer`` holding layers (a block's body)."""
    for f in fields(layer):
        value = getattr(layer, f.name)
        if "role" not in f.metadata and isinstance(value, tuple) and value and \
                all(isinstance(v, Layer) for v in value):
            yield f.name, value


def walk(layers: Iterable[Layer]) -> Iterable[Layer]:
    """Every layer of ``layers`` and, inside blocks and repeats, of their bodies."""
    for layer in layers:
        yield layer
        for _, body in _bodies(layer):
            yield from walk(body)
