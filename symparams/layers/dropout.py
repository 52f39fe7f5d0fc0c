"""Dropout: the shape passes through."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from symparams.core.errors import SpecError, quote
from symparams.core.layer import Layer, register
from symparams.core.shape import Shape


@register("dropout")
@dataclass(frozen=True)
class Dropout(Layer):
    """Dropout: the shape passes through; ``rate`` is kept for display only."""

    kind = "dropout"
    prefix = "dropout"
    keeps_shape = True
    letters = {"D": lambda i, spatial: {}}
    positional = ("rate",)

    rate: Any = field(default=None, metadata={"decimal": True, "label": "dropout rate"})

    def __post_init__(self) -> None:
        self._check_options()
        if self.rate is None:
            return
        try:
            rate = (_fraction(self.rate) if isinstance(self.rate, str) else
                    Fraction(self.rate) if isinstance(self.rate, (int, float, Fraction))
                    and not isinstance(self.rate, bool) else None)
        except (ValueError, ZeroDivisionError, OverflowError):
            rate = None
        if rate is None or not 0 <= rate < 1:
            raise SpecError(f"dropout rate must be a number from 0 up to 1, got {quote(self.rate)}")
        object.__setattr__(self, "rate", rate)

    def output_shape(self, in_shape: Shape) -> Shape:
        return in_shape

    # -- PyTorch ---------------------------------------------------------------------
    torch_modules = ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
                     "FeatureAlphaDropout")
    torch_functions = ("dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout")

    @classmethod
    def torch_read(cls, m: Any) -> dict[str, Any] | str:
        return {"rate": str(m.p)}

    @classmethod
    def torch_read_call(cls, name: str, args: tuple, kwargs: dict) -> dict[str, Any] | str:
        return {"rate": str(args[0] if args else kwargs.get("p", 0.5))}

    def to_torch(self, nn: Any, row: Any) -> Any:
        return nn.Dropout(float(self.rate) if self.rate is not None else 0.5)



def _fraction(text: str) -> Fraction:
    """A decimal text as a Fraction, its size bounded (``1e999999999`` is refused)."""
    text = text.strip().lower()
    mantissa, _, exponent = text.partition("e")
    if len(text) > 80 or exponent and not (exponent.lstrip("+-").isdecimal()
                                           and exponent.isascii() and abs(int(exponent)) <= 60):
        raise ValueError(text)
    return Fraction(text)
