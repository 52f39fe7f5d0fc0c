"""The Layer protocol, hyperparameter conversion and the registry of layer kinds.

A layer is a frozen dataclass.  Its hyperparameter fields are declared with
:func:`hyper`; whatever the user passes (an int, a symbol name, an expression text,
a sympy expression, or a per-axis tuple of those) is converted to sympy once, in
``__post_init__``, by our own strict parser: never ``sympify``.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from typing import Any, Callable, ClassVar, Iterable, Union

import sympy as sp

from symparams.core.errors import ShapeError, SpecError
from symparams.core.shape import Shape, product
from symparams.core.symbols import make_symbol

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


def to_expr(value: Any, *, role: str, nonnegative: bool = False) -> sp.Expr:
    """Convert one user value to a sympy integer expression (no range check here)."""
    from symparams.notation.expr import parse_expression

    if isinstance(value, bool):
        raise SpecError(f"{role} must be an integer, got {value!r}")
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, str):
        return parse_expression(value, nonnegative=nonnegative)
    if isinstance(value, sp.Expr):
        # A symbol made elsewhere (sp.Symbol("n")) gets symparams' assumptions, so
        # floors and conditions reason about it as an integer size (or padding).
        # A non-integer value becomes a failing condition, named with its layer.
        return value.xreplace({s: make_symbol(s.name, nonnegative=nonnegative)
                               for s in value.free_symbols
                               if not (s.is_integer and (s.is_positive or nonnegative
                                                         and s.is_nonnegative))})
    if isinstance(value, float):
        raise SpecError(f"{role} must be an integer, got {value!r}")
    raise SpecError(f"{role} must be an integer, a name or an expression, got {value!r}")


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
                    else f"{role} is {word}"))
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

    @property
    def size(self) -> sp.Expr:
        return product(self.shape)

    def subs(self, mapping) -> "Weight":
        return Weight(self.name, tuple(d.subs(mapping) for d in self.shape), self.trainable)

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

    def __post_init__(self) -> None:
        for f in fields(self):
            meta = f.metadata
            if "role" not in meta:
                continue
            value = getattr(self, f.name)
            if value is None or (isinstance(value, str) and value in meta["words"]):
                continue
            if isinstance(value, (tuple, list)):
                if not meta["per_axis"]:
                    raise SpecError(f"{self.kind}: {meta['role']} takes one value, got {value!r}")
                conv = tuple(self._convert(v, meta) for v in value)
            else:
                conv = self._convert(value, meta)
            object.__setattr__(self, f.name, conv)

    def _convert(self, value: Any, meta) -> sp.Expr:
        try:
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
        """Every (field, role, nonnegative, value) of this layer, per axis flattened."""
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
        out: list[tuple[sp.Basic, str]] = []
        for _, role, nonneg, value in self.hyperparameters():
            out.extend(hyper_conditions(value, role, nonneg))
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
    import symparams.layers  # noqa: F401  (fills the registry)

    key = kind.lower().replace("_", "")
    if key not in REGISTRY:
        raise SpecError(f"unknown layer kind {kind!r}; known kinds: {', '.join(sorted(REGISTRY))}")
    cls, fixed = REGISTRY[key]
    allowed = {f.name for f in fields(cls) if f.init} - set(fixed)
    unknown = sorted(set(kwargs) - allowed)
    if unknown:
        raise SpecError(f"{kind}: unknown option {unknown[0]!r}; options are: "
                        f"{', '.join(sorted(allowed - {'spec'}))}")
    try:
        return cls(**fixed, **kwargs)
    except TypeError as err:  # a missing required field
        missing = [f.name for f in fields(cls) if f.init and f.name not in kwargs
                   and f.name not in fixed and f.default is f.default_factory]
        raise SpecError(f"{kind}: missing {', '.join(missing) or 'a required value'}") from err


def substitute_layer(layer: Layer, mapping: dict) -> Layer:
    """The same layer with ``mapping`` substituted into every hyperparameter."""
    from dataclasses import replace

    changes = {}
    for f in fields(layer):
        if "role" not in f.metadata:
            continue
        value = getattr(layer, f.name)
        if isinstance(value, tuple):
            new = tuple(v.xreplace(mapping) if isinstance(v, sp.Basic) else v for v in value)
        elif isinstance(value, sp.Basic):
            new = value.xreplace(mapping)
        else:
            continue
        if new != value:
            changes[f.name] = new
    return replace(layer, **changes) if changes else layer
