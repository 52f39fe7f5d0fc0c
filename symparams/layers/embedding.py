"""Token embeddings and position embeddings (PyTorch's ``nn.Embedding``, Keras'
``Embedding``; GPT-2's ``wpe``, BERT's position and token-type tables)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from symparams.core.errors import SpecError, ShapeError, quote
from symparams.core.layer import Layer, Weight, hyper, register, suggest
from symparams.core.shape import Shape, at_least, brief
from symparams.core.working import Step, integer, mul


@register("embedding")
@dataclass(frozen=True)
class Embedding(Layer):
    """A table of ``vocab`` vectors of ``width`` numbers, one looked up per token id.

    It reads ``T`` token ids (a vector input ``I(T)``) and gives the sequence
    ``T × width``; its one weight is ``E: vocab × width`` in both frameworks.  An output
    layer may tie its matrix to it (``O(V, ties=embedding1)``): then ``E`` is counted
    once.

    >>> import symparams
    >>> symparams.parse("I(T)-E(V, d)").derive().total
    V*d
    """

    kind = "embedding"
    prefix = "embedding"
    letters = {"E": lambda i, spatial: {"vocab": "V", "width": "d"}}
    positional = ("vocab", "width")
    tie_weight = "E"

    vocab: Any = hyper("vocabulary size")
    width: Any = hyper("embedding width")

    def output_shape(self, in_shape: Shape) -> Shape:
        if not in_shape.is_vector:
            raise ShapeError(f"embedding reads token ids, a vector of T ids (I(T)), got "
                             f"{in_shape.brief()}")
        return Shape((in_shape.channels,), self.width, sequence=True)

    def weights(self, in_shape: Shape) -> tuple[Weight, ...]:
        return (Weight("E", (self.vocab, self.width)),)

    # -- PyTorch ---------------------------------------------------------------------
    torch_modules = ("Embedding",)

    @classmethod
    def torch_read(cls, m: Any) -> dict[str, Any] | str:
        return {"vocab": m.num_embeddings, "width": m.embedding_dim, "sequence": True}

    @classmethod
    def torch_input_ranks(cls, options: dict[str, Any]) -> tuple[int, ...] | None:
        return (0,)

    @classmethod
    def from_torch(cls, o: dict[str, Any], names: Any) -> "Embedding":
        return cls(names("units", o["vocab"], "V", index=0), names("units", o["width"], "d", index=0))

    def to_torch(self, nn: Any, row: Any) -> Any:
        return nn.Embedding(int(self.vocab), int(self.width))

    # -- worked solution -------------------------------------------------------------
    def worked_params(self, row: Any, convention: str) -> list[Step] | None:
        return [Step(row.name, "parameters", r"V \times d", "$V$ tokens in the vocabulary, "
                     "$d$ numbers each", mul(integer(self.vocab), integer(self.width)),
                     integer(row.trainable))]


POSITION_MODES = ("learned", "types", "sinusoidal", "rotary")


@register("positions")
@dataclass(frozen=True)
class Positions(Layer):
    """Position information added to a sequence ``T × d``: a learned table
    ``P: length × d`` (GPT-2's ``wpe``, BERT's position embeddings; ``length`` is the
    most positions, by default the sequence's ``T``), or none for ``sinusoidal`` and
    ``rotary`` positions, which are computed, not learned.  A learned table of
    ``length`` 2 is BERT's token-type embedding.

    >>> import symparams
    >>> symparams.parse("I(T)-E(V, d)-positions(T)").derive().total
    T*d + V*d
    """

    kind = "positions"
    prefix = "positions"
    positional = ("length",)
    keeps_shape = True

    length: Any = hyper("number of positions", default=None)
    mode: str = "learned"

    def __post_init__(self) -> None:
        if self.mode not in POSITION_MODES:
            raise SpecError(f"positions: mode must be one of {', '.join(POSITION_MODES)}, got "
                            f"{quote(self.mode)}{suggest(str(self.mode), POSITION_MODES)}")
        super().__post_init__()

    def elementwise(self, in_shapes: tuple[Shape, ...], out_shape: Shape) -> sp.Expr:
        """The addition of the table: one per element, when learned."""
        return out_shape.size() if self.mode in ("learned", "types") else sp.Integer(0)

    def output_shape(self, in_shape: Shape) -> Shape:
        if not in_shape.sequence:
            raise ShapeError(f"positions are added to a sequence (T × d), got {in_shape.brief()}")
        return in_shape

    def _length(self, in_shape: Shape) -> sp.Expr:
        return in_shape.spatial[0] if self.length is None else self.length

    def weights(self, in_shape: Shape) -> tuple[Weight, ...]:
        if self.mode not in ("learned", "types"):
            return ()
        return (Weight("P", (self._length(in_shape), in_shape.channels)),)

    def conditions(self, in_shape: Shape) -> list[tuple[sp.Basic, str]]:
        if self.mode != "learned" or self.length is None:
            return []
        n = in_shape.spatial[0]
        return [(at_least(self.length, n), f"the sequence ({brief(n)}) must fit in the "
                 f"{brief(self.length)} learned positions")]

    def to_torch(self, nn: Any, row: Any) -> Any:
        if self.mode not in ("learned", "types"):
            return nn.Identity()  # computed positions: no parameters
        length = int(self._length(row.input_shape))
        width = int(row.input_shape.channels)
        types = self.mode == "types"

        class Table(nn.Module):
            """Adds the learned vector of each position (of token type 0, for types)."""

            def __init__(self):
                super().__init__()
                self.table = nn.Embedding(length, width)

            def forward(self, x):
                rows = self.table.weight[:1] if types else self.table.weight[: x.shape[1]]
                return x + rows

        return Table()

    def worked_params(self, row: Any, convention: str) -> list[Step] | None:
        length = integer(self._length(row.input_shape))
        return [Step(row.name, "parameters", r"T \times d", "$T$ entries, $d$ numbers each",
                     mul(length, integer(row.input_shape.channels)), integer(row.trainable))]
