"""Recurrent layers: SimpleRNN, LSTM and GRU, as PyTorch's ``nn.RNN``/``nn.LSTM``/
``nn.GRU`` and Keras' ``SimpleRNN``/``LSTM``/``GRU`` count them.

A recurrent layer reads a sequence ``T × i`` (``Input((T, i), sequence=True)``, or a
1-D signal ``T × i`` with ``i`` channels, as Keras' ``Conv1D`` hands it on) and gives,
with ``return_sequences=True`` (the default, PyTorch's ``output``), the sequence
``T × D·h`` of its top layer's states; with ``return_sequences=False`` the vector
``D·h`` at the last position (``output[:, -1]`` in PyTorch; Keras' own default).
``D`` is 2 for a bidirectional layer (the two directions' states concatenated), and
``h`` the hidden size, or LSTM's ``proj_size`` when it projects.

Parameters, with ``G`` gates (SimpleRNN 1, LSTM 4, GRU 3) and ``r`` the width of the
state fed back (``h``, or ``proj_size``):

* PyTorch, per layer and direction: ``W_ih: G·h × x`` (``x = i`` for the first layer,
  ``D·r`` for the others), ``W_hh: G·h × r``, two bias vectors ``b_ih, b_hh: G·h``,
  and with ``proj_size`` ``W_hr: proj × h``.  LSTM 10 → 20: ``4(20(10 + 20) + 2·20) =
  2,560``.
* Keras: ``kernel: x × G·u``, ``recurrent_kernel: u × G·u`` and one bias ``G·u``; a GRU
  with ``reset_after=True`` (Keras' default) has two, ``bias: 2 × 3u``.  LSTM 10 → 20:
  2,480; GRU 4 → 5: 165, or 150 with ``reset_after=False``.  Keras has no
  ``num_layers`` and no ``bidirectional`` option: under the Keras convention
  ``num_layers=L`` counts ``L`` Keras layers stacked (each but the last with
  ``return_sequences=True``), and ``bidirectional=True`` a ``Bidirectional`` wrapper
  (two copies, outputs concatenated); ``proj_size`` has no Keras equivalent and is
  refused.  PyTorch's GRU always resets after the recurrent product:
  ``reset_after=False`` is refused under the PyTorch convention.

With a symbolic ``num_layers`` ``L`` the weights of layers 2 … L are written as one
tensor each with a leading axis ``L − 1`` (``W_ih_rest: (L − 1) × G·h × D·r``), so the
count reads ``first + (L − 1) × rest``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import sympy as sp

from symparams.core.errors import NotSupportedError, ShapeError, SpecError
from symparams.core.layer import Layer, Weight, hyper, register
from symparams.core.shape import Shape, at_least, brief
from symparams.core.working import Step, Term, add, integer, mul, sub

MAX_UNROLLED = 8
"""Up to this many stacked layers (a number) get one set of tensors each, named as
PyTorch names them (``W_ih_l0``, ``W_ih_l1`` …); more, or a symbol, are ``_l0`` and
``_rest`` (layers 2 … L on a leading axis of ``L − 1``)."""


@dataclass(frozen=True)
class Recurrent(Layer):
    """Common part of SimpleRNN, LSTM and GRU (see the module docstring).

    ``units`` is the hidden size ``h``; ``num_layers`` stacks layers (the second reads
    the first's output sequence); ``bidirectional`` doubles every layer (``D = 2``);
    ``bias=False`` drops every bias; ``return_sequences`` (default True, as PyTorch's
    ``output``; Keras' default is False) chooses the sequence ``T × D·h`` or the vector
    ``D·h`` at its last position.
    """

    gates: ClassVar[int] = 1
    positional = ("units",)
    torch_tuple_output = True

    units: Any = hyper("hidden size")
    num_layers: Any = hyper("number of stacked layers", default=1)
    bidirectional: bool = False
    bias: bool = True
    return_sequences: bool = True

    # -- maths -----------------------------------------------------------------------
    def _proj(self) -> sp.Expr:
        return sp.Integer(0)

    def _state(self) -> sp.Expr:
        """The width of the state fed back and handed on: ``h``, or ``proj_size``."""
        proj = self._proj()
        return self.units if proj == 0 else proj

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    def _check_input(self, in_shape: Shape) -> None:
        if in_shape.rank == 1:
            return
        if in_shape.is_vector:
            got = (f"a vector of {brief(in_shape.channels)}; a sequence input is written "
                   f"I(T x d, sequence=true)")
        else:
            got = f"a {in_shape.rank}-D input ({in_shape.brief()})"
        raise ShapeError(f"{self.kind} reads a sequence T × features (or a 1-D signal with "
                         f"channels), got {got}")

    def output_shape(self, in_shape: Shape) -> Shape:
        self._check_input(in_shape)
        width = self.directions * self._state()
        if self.return_sequences:
            return Shape(in_shape.spatial, width, sequence=True)
        return Shape((), width)

    def _groups(self, width_in: sp.Expr, width_next: sp.Expr
                ) -> list[tuple[str, tuple[sp.Expr, ...], sp.Expr]]:
        """(name suffix, leading axes, input width) of each set of tensors per direction."""
        layers = self.num_layers
        if layers.is_Integer and int(layers) <= MAX_UNROLLED:
            return [(f"_l{k}", (), width_in if k == 0 else width_next) for k in range(int(layers))]
        return [("_l0", (), width_in), ("_rest", (layers - 1,), width_next)]

    def weights(self, in_shape: Shape) -> tuple[Weight, ...]:
        self._check_input(in_shape)
        h, gates, proj = self.units, self.gates, self._proj()
        state = self._state()
        d = self.directions
        out: list[Weight] = []
        torch_only, keras_only = ("pytorch",), ("keras",)
        # PyTorch: per layer, per direction (its own order: ih, hh, biases, hr)
        for suffix, lead, x in self._groups(in_shape.channels, d * state):
            for back in ("", "_reverse")[:d]:
                tag = suffix + back
                out.append(Weight(f"W_ih{tag}", (*lead, gates * h, x), conventions=torch_only))
                out.append(Weight(f"W_hh{tag}", (*lead, gates * h, state), conventions=torch_only))
                if self.bias:
                    out.append(Weight(f"b_ih{tag}", (*lead, gates * h), conventions=torch_only))
                    out.append(Weight(f"b_hh{tag}", (*lead, gates * h), conventions=torch_only))
                if proj != 0:
                    out.append(Weight(f"W_hr{tag}", (*lead, proj, h), conventions=torch_only))
        # Keras: stacked layers are Keras layers of their own, a direction a Bidirectional copy
        single = self.num_layers == 1
        for suffix, lead, x in self._groups(in_shape.channels, d * h):
            for back in ("", "_backward")[:d]:
                tag = ("" if single else suffix) + back
                out.append(Weight(f"kernel{tag}", (*lead, x, gates * h), conventions=keras_only))
                out.append(Weight(f"recurrent_kernel{tag}", (*lead, h, gates * h),
                                  conventions=keras_only))
                if self.bias:
                    two = (2,) if self._keras_two_biases() else ()
                    out.append(Weight(f"bias{tag}", (*lead, *two, gates * h),
                                      conventions=keras_only))
        return tuple(out)

    def macs(self, in_shapes: tuple[Shape, ...], out_shape: Shape) -> sp.Expr:
        """At each of the ``T`` steps, per layer and direction, ``G·h`` gates over the
        input and the state (``G·h·(x + r)``), and the projection ``p·h`` if any."""
        shape = in_shapes[0]
        h, gates, proj, state = self.units, self.gates, self._proj(), self._state()
        d = self.directions
        per_step = sp.Integer(0)
        for _, lead, x in self._groups(shape.channels, d * state):
            copies = lead[0] if lead else 1
            per_step += copies * d * (gates * h * (x + state) + proj * h)
        return shape.spatial[0] * per_step

    def _keras_two_biases(self) -> bool:
        return False

    def convention_problem(self, convention: str) -> str | None:
        """Why this layer has no count under ``convention``, or None."""
        return None

    def counted_weights(self, in_shape: Shape, convention: str) -> tuple[Weight, ...]:
        problem = self.convention_problem(convention)
        if problem is not None:
            raise SpecError(problem)
        return super().counted_weights(in_shape, convention)

    def conditions(self, in_shape: Shape) -> list[tuple[sp.Basic, str]]:
        self._check_input(in_shape)
        return []

    # -- PyTorch ---------------------------------------------------------------------
    @classmethod
    def torch_read(cls, m: Any) -> dict[str, Any] | str:
        if not m.batch_first:
            return ("batch_first=False: symparams reads sequences batch first, (N, T, "
                    "features); build it with batch_first=True (the parameters are the same)")
        # in_features: the features it expects (checked); sequence: it reads (N, T, features)
        return dict(units=m.hidden_size, num_layers=m.num_layers, bias=bool(m.bias),
                    bidirectional=bool(m.bidirectional), return_sequences=True,
                    in_features=m.input_size, sequence=True)

    @classmethod
    def torch_input_ranks(cls, options: dict[str, Any]) -> tuple[int, ...] | None:
        return (1,)

    @classmethod
    def from_torch(cls, o: dict[str, Any], names: Any) -> "Recurrent":
        return cls(names("units", o["units"], "h"), num_layers=o["num_layers"], bias=o["bias"],
                   bidirectional=o["bidirectional"], return_sequences=o["return_sequences"],
                   **cls._torch_extra(o))

    @classmethod
    def _torch_extra(cls, o: dict[str, Any]) -> dict[str, Any]:
        return {}

    def to_torch(self, nn: Any, row: Any) -> Any:
        """The module (``batch_first=True``); from_torch's graph module returns its output
        ``[0]``, or its last position ``[0][:, -1]`` without ``return_sequences``."""
        problem = self.convention_problem("pytorch")
        if problem is not None:
            raise NotSupportedError(problem)
        options = dict(input_size=int(row.input_shape.channels), hidden_size=int(self.units),
                       num_layers=int(self.num_layers), bias=self.bias, batch_first=True,
                       bidirectional=self.bidirectional)
        if self._proj() != 0:
            options["proj_size"] = int(self._proj())
        return getattr(nn, self.torch_modules[0])(**options)

    # -- worked solution -------------------------------------------------------------
    def worked_params(self, row: Any, convention: str) -> list[Step] | None:
        """``G × (h × (i + h) + 2h)`` per layer and direction (PyTorch's two bias
        vectors; Keras' one: ``+ u``), times the directions, stacked layers added as
        ``(L − 1) ×`` the same with input ``D·h``."""
        h, i, layers = integer(self.units), integer(row.input_shape.channels), \
            integer(self.num_layers)
        proj = integer(self._proj())
        keras = convention == "keras"
        letter = "u" if keras else "h"
        biases = 0 if not self.bias else (2 if not keras or self._keras_two_biases() else 1)
        d, gates = self.directions, self.gates
        state, state_letter = (proj, "p") if proj else (h, letter)

        def cell(x: Term | int, x_text: str) -> tuple[Term, str, bool]:
            """One layer and direction reading ``x`` features: (working, formula, is a sum)."""
            term, text = mul(h, add(x, state)), f"{letter} \\times ({x_text} + {state_letter})"
            is_sum = False
            if biases:
                term = add(term, mul(biases, h) if biases > 1 else h)
                text, is_sum = f"{text} + {biases if biases > 1 else ''}{letter}", True
            if gates != 1:
                term, text = mul(gates, term), f"{gates} \\times {_paren(text, is_sum)}"
                is_sum = False
            if proj:
                term, text, is_sum = add(term, mul(proj, h)), f"{text} + p \\times h", True
            return term, text, is_sum

        term, formula, is_sum = cell(i, "i")
        letters = [f"${letter}$ {'units' if keras else 'hidden units'}", "$i$ input features"]
        if proj:
            letters.append("$p$ projection size")
        if layers > 1:
            x_rest = mul(d, state) if d > 1 else state
            rest, rest_formula, rest_sum = cell(x_rest, ("D" if d > 1 else "") + state_letter)
            term = add(term, mul(sub(layers, 1), rest))
            formula = f"{formula} + (L - 1) \\times {_paren(rest_formula, rest_sum)}"
            is_sum = True
            letters.append("$L$ stacked layers")
        if d > 1:
            term, formula = mul(d, term), f"D \\times {_paren(formula, is_sum)}"
            letters.append("$D = 2$ directions")
        if gates != 1:
            letters.append(f"{gates} gates")
        return [Step(row.name, "parameters", formula, ", ".join(letters), term,
                     integer(row.trainable))]


def _paren(text: str, is_sum: bool) -> str:
    return f"({text})" if is_sum else text


@register("rnn")
@register("simplernn")
@dataclass(frozen=True)
class SimpleRNN(Recurrent):
    """An Elman RNN (PyTorch ``nn.RNN``, Keras ``SimpleRNN``): ``h × (i + h) + 2h``
    under PyTorch, ``u × (i + u) + u`` under Keras (one layer, one direction)."""

    kind = "rnn"
    prefix = "rnn"
    gates = 1
    torch_modules = ("RNN",)


@register("lstm")
@dataclass(frozen=True)
class LSTM(Recurrent):
    """A long short-term memory layer: ``4 × (h × (i + h) + 2h)`` under PyTorch,
    ``4 × (u × (i + u) + u)`` under Keras.  ``proj_size`` (PyTorch; 0 is none, else
    below the hidden size) projects each state to ``proj_size`` values: ``W_hr: p × h``
    is added, ``W_hh`` becomes ``4h × p`` and the output ``T × D·p``.  A symbolic
    ``proj_size`` stands for a projection (at least 1)."""

    kind = "lstm"
    prefix = "lstm"
    gates = 4
    torch_modules = ("LSTM",)

    proj_size: Any = hyper("projection size", default=0, nonnegative=True)

    def _proj(self) -> sp.Expr:
        return self.proj_size

    def conditions(self, in_shape: Shape) -> list[tuple[sp.Basic, str]]:
        out = super().conditions(in_shape)
        proj = self.proj_size
        if proj != 0:
            out.append((at_least(self.units, proj + 1),
                        f"proj_size ({brief(proj)}) must be smaller than the hidden size "
                        f"({brief(self.units)})"))
            if not proj.is_Integer:
                out.append((at_least(proj, 1), f"a symbolic proj_size ({brief(proj)}) is a "
                            "projection: at least 1 (0 is written as the number 0)"))
        return out

    def convention_problem(self, convention: str) -> str | None:
        if convention == "keras" and self.proj_size != 0:
            return ("proj_size is PyTorch's LSTM projection; Keras' LSTM has none (derive it "
                    "with convention='pytorch', or leave proj_size at 0)")
        return None

    @classmethod
    def torch_read(cls, m: Any) -> dict[str, Any] | str:
        options = super().torch_read(m)
        if isinstance(options, dict):
            options["proj_size"] = m.proj_size
        return options

    @classmethod
    def _torch_extra(cls, o: dict[str, Any]) -> dict[str, Any]:
        return {"proj_size": o.get("proj_size", 0)}


@register("gru")
@dataclass(frozen=True)
class GRU(Recurrent):
    """A gated recurrent unit: ``3 × (h × (i + h) + 2h)`` under PyTorch; under Keras
    ``3 × (u × (i + u) + 2u)`` with ``reset_after=True`` (Keras' default: the reset gate
    is applied after the recurrent product, with its own bias, as PyTorch always does)
    and ``3 × (u × (i + u) + u)`` with ``reset_after=False`` (Keras only)."""

    kind = "gru"
    prefix = "gru"
    gates = 3
    torch_modules = ("GRU",)

    reset_after: bool = True

    def _keras_two_biases(self) -> bool:
        return self.reset_after

    def convention_problem(self, convention: str) -> str | None:
        if convention == "pytorch" and not self.reset_after:
            return ("reset_after=false is Keras' GRU variant; PyTorch's GRU always resets "
                    "after the recurrent product, with two bias vectors (derive it with "
                    "convention='keras')")
        return None
