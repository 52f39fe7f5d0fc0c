"""``symparams verify SPEC``: build the network in PyTorch on the meta device, run a
forward pass there (shapes only, no data) and compare every layer's output shape and
parameter count, and the total, with the derivation."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from symparams.core.derivation import Derivation
from symparams.core.errors import MissingValueError, NotSupportedError, SymparamsError, shorten

DIFFERENT = 1  # exit status when PyTorch disagrees (2 stays "bad input")


@dataclass(frozen=True)
class LayerCheck:
    """One row of the comparison; ``torch_shape`` is None when torch failed before it."""

    name: str
    kind: str
    shape: tuple[int, ...]
    torch_shape: tuple[int, ...] | None
    params: int
    torch_params: int

    @property
    def agrees(self) -> bool:
        return self.shape == self.torch_shape and self.params == self.torch_params


@dataclass(frozen=True)
class Report:
    """The comparison of a numeric derivation with PyTorch."""

    layers: tuple[LayerCheck, ...]
    total: int
    torch_total: int
    error: str | None  # what torch raised in the forward pass, if anything
    convention: str
    torch_version: str

    @property
    def agrees(self) -> bool:
        return (self.error is None and self.total == self.torch_total
                and all(c.agrees for c in self.layers))


def verify(derivation: Derivation) -> Report:
    """Compare a numeric ``derivation`` with the PyTorch model ``to_torch`` builds.

    Everything stays on torch's meta device: the model is built and run in eval mode on
    one input of batch 1 with shapes and no data, so the cost does not depend on the
    sizes (``I(100000x100000x3)`` is as quick as ``I(28x28x1)``).  Output shapes come
    from torch's shape rules, parameter counts from the parameters' shapes.  Under the
    Keras convention, BatchNorm running statistics (torch buffers) are counted too.
    Raises :class:`NotSupportedError` when torch cannot represent the network or its
    input (a size beyond int64).
    """
    from symparams.interop.torch import import_torch, to_torch

    torch = import_torch()
    if not derivation.is_numeric():
        unset = ", ".join(f"{name} ({derivation.describe(name) or 'no description'})"
                          for name in derivation.symbols)
        raise MissingValueError(f"verify needs numbers; give them with --set: {unset}")
    try:
        model = to_torch(derivation, device="meta").eval()
        first = derivation.network.layers[0]
        ids = getattr(first, "sequence", False) and derivation.input_shape.is_vector
        x = torch.zeros((1, *(int(d) for d in derivation.input_shape.channels_first())),
                        device="meta", dtype=torch.long if ids else torch.float32)
    except SymparamsError:
        raise
    except Exception as err:  # torch: RuntimeError, TypeError … for sizes beyond int64
        raise NotSupportedError(f"PyTorch cannot build this network: {_first_line(err)}") from None
    shapes: dict[int, tuple[int, ...]] = {}
    for i, child in enumerate(model):
        child.register_forward_hook(
            lambda _m, _in, out, i=i: shapes.__setitem__(i, tuple(out.shape[1:])))
    error = None
    try:
        with torch.no_grad():
            model(x)
    except Exception as err:  # torch raises RuntimeError, ValueError … for impossible shapes
        failed = derivation.rows[len(shapes)] if len(shapes) < len(derivation.rows) else None
        where = f"layer {failed.index} ({failed.name})" if failed else "the model"
        error = f"{where}: {_first_line(err)}"
    checks = []
    seen: set[int] = set()  # a module used twice (shared weights) counts once
    for i, (row, child) in enumerate(zip(derivation.rows, model)):
        fresh = [p for p in child.parameters() if id(p) not in seen]
        seen |= {id(p) for p in fresh}
        count = sum(p.numel() for p in fresh)
        if derivation.convention == "keras":
            count += sum(b.numel() for n, b in child.named_buffers()
                         if n.rsplit(".", 1)[-1] in ("running_mean", "running_var"))
        checks.append(LayerCheck(row.name, row.kind,
                                 tuple(int(d) for d in row.output_shape.channels_first()),
                                 shapes.get(i), int(row.params), count))
    torch_total = sum(c.torch_params for c in checks)
    return Report(tuple(checks), int(derivation.total), torch_total, error,
                  derivation.convention, torch.__version__)


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return f"{type(err).__name__}: {shorten(text.splitlines()[0] if text else '', 200)}"


def format_report(report: Report) -> str:
    """A table with one row per layer, an agreement column and the verdict."""
    from symparams.export.text import text_table

    def shape(s: tuple[int, ...] | None) -> str:
        return "—" if s is None else "(" + ", ".join(map(str, s)) + ")"

    rows = [["Layer", "Kind", "Shape (symparams)", "Shape (torch)", "Params (symparams)",
             "Params (torch)", "Agree"]]
    rows += [[c.name, c.kind, shape(c.shape), shape(c.torch_shape), str(c.params),
              str(c.torch_params), "yes" if c.agrees else "NO"] for c in report.layers]
    total_ok = report.total == report.torch_total
    rows.append(["total", "", "", "", str(report.total), str(report.torch_total),
                 "yes" if total_ok else "NO"])
    lines = text_table(rows)
    lines.insert(-2, lines[1])  # a rule above the total
    out = [f"Verified against PyTorch {report.torch_version} (forward pass on the meta device: "
           "shapes, no data; batch 1; shapes channels-first)", *lines]
    if report.convention == "keras":
        out.append("Keras convention: torch's BatchNorm running statistics are counted too")
    if report.error:
        out.append(f"PyTorch refused the model: {report.error}")
    bad = sum(not c.agrees for c in report.layers) + (not total_ok)
    out.append("Agreement: every layer and the total match PyTorch" if report.agrees
               else f"DISAGREEMENT: {bad} row{'s' if bad != 1 else ''} differ"
               + (" (PyTorch refused the model)" if report.error else ""))
    return "\n".join(out) + "\n"


def add_command(subparsers: Any) -> None:
    from symparams.cli import _common

    p = subparsers.add_parser("verify", help="check shapes and parameter counts against PyTorch",
                              description="Build the network in PyTorch, run a forward pass on "
                              "torch's meta device (shapes only, no data, so any size is cheap) "
                              "and compare every layer's output shape and parameters, and "
                              "the total. Exit status 1 on any difference. Needs "
                              "PyTorch (pip install torch).")
    _common(p)
    p.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> tuple[str, int]:
    from symparams.cli import derivation_from_args

    report = verify(derivation_from_args(args))
    return format_report(report), 0 if report.agrees else DIFFERENT


__all__ = ["LayerCheck", "Report", "add_command", "format_report", "verify"]
