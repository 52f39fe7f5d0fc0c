"""Live controls in Jupyter: ``d.explore()``, the HTML explorer's controls as ipywidgets.

For every free symbol an ``IntSlider`` and an ``IntText`` kept in sync (by observers,
so that they stay in sync without a browser too), the per-layer table and the total
recomputed on every change, the violated conditions when a configuration is invalid,
and a plot of the total and of the largest layer against one symbol (a ``Dropdown``),
drawn as inline SVG.  Ranges and first values are the page's
(:func:`symparams.export.html.slider_ranges`).

The numbers are exact: the derivation's closed forms compiled once by
:func:`symparams.algebra.codegen.compile_exprs` (the exact integer evaluation of
``Derivation.sweep``) and evaluated on Python ints, never floats.  Validity is the
page's: every value at least its symbol's least value, every condition of
``derivation.conditions`` true, no divisor zero.

ipywidgets is optional (``pip install 'symparams[jupyter]'``): it is imported only when
:func:`explore` runs.  Every user text (layer, kind, symbol and network names, the
conditions' reasons) reaches the markup through the page's :func:`~symparams.export.html.text`
and :func:`~symparams.export.html.attribute` (:func:`html.escape`); Dropdown labels and
widget descriptions are text in ipywidgets 8.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import sympy as sp
from sympy.printing.str import StrPrinter

from symparams.algebra.codegen import compile_exprs
from symparams.core.errors import NotSupportedError, SpecError, printable, quote
from symparams.core.provided import provide
from symparams.export.html import (MAX_DIGITS, PLOT_POINTS, attribute, relation_text,
                                   slider_ranges, text)
from symparams.export.latex import CONVENTION_TEXT, human_order, layer_params_expr

INSTALL = "pip install ipywidgets (or, in a checkout of symparams, pip install -e '.[jupyter]')"

# the plot's frame, as the page's: width, height and the left, right, top, bottom margins
_W, _H, _L, _R, _T, _B = 640, 260, 64, 16, 14, 34
_TOTAL_COLOUR, _LAYER_COLOUR = "#2458c6", "#d9822b"
_TOO_LONG = 10 ** MAX_DIGITS


# -- exact evaluation ------------------------------------------------------------------
@dataclass(frozen=True)
class Result:
    """One configuration: its numbers when ``ok``, else why not (``failing``: indices of
    violated conditions; ``message``: anything else)."""

    ok: bool
    input: tuple[int, ...] = ()
    rows: tuple[tuple[tuple[int, ...], int], ...] = ()
    total: int = 0
    trainable: int = 0
    non_trainable: int = 0
    failing: tuple[int, ...] = ()
    message: str = ""

    @property
    def largest(self) -> int:
        """The largest layer's parameters."""
        return max((p for _, p in self.rows), default=0)


@dataclass
class Evaluator:
    """The derivation's input shape, rows, totals and conditions compiled once to exact
    integer code; calling it with the symbols' values (in ``derivation.symbols`` order)
    gives a :class:`Result`."""

    derivation: Any
    names: tuple[str, ...] = field(init=False)
    floors: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        d = self.derivation
        symbols = list(d.symbols.values())
        self.names = tuple(d.symbols)
        self.floors = tuple(1 if s.is_positive else 0 for s in symbols)
        exprs: list[sp.Basic] = list(d.input_shape.dims())
        self._sizes = [len(exprs)]
        for r in d.rows:
            dims = r.output_shape.dims()
            exprs += list(dims) + [r.params]
            self._sizes.append(len(dims))
        exprs += [d.total, d.trainable, d.non_trainable]
        self._numbers = len(exprs)
        self._conditions = len(d.conditions)
        exprs += [c.relation for c in d.conditions]
        self._values, _ = compile_exprs(exprs, symbols)

    def __call__(self, values: Sequence[int]) -> Result:
        for name, v, floor in zip(self.names, values, self.floors):
            if abs(v) >= _TOO_LONG:
                return Result(False, message=f"{printable(name)} has more than "
                                             f"{MAX_DIGITS:,} digits")
            if v < floor:
                return Result(False, message=f"{printable(name)} must be at least {floor}")
        out = self._values(*(int(v) for v in values))
        checks = out[self._numbers:self._numbers + self._conditions]
        guards = out[self._numbers + self._conditions:]  # divisors that may be zero
        failing = tuple(i for i, ok in enumerate(checks) if not bool(ok))
        message = "" if all(bool(g) for g in guards) else "a divisor is zero"
        if failing or message:
            return Result(False, failing=failing, message=message)
        numbers = [int(x) for x in out[:self._numbers]]
        at = self._sizes[0]
        inp = tuple(numbers[:at])
        rows = []
        for size in self._sizes[1:]:
            rows.append((tuple(numbers[at:at + size]), numbers[at + size]))
            at += size + 1
        total, trainable, non_trainable = numbers[at:at + 3]
        return Result(True, inp, tuple(rows), total, trainable, non_trainable)


# -- markup ----------------------------------------------------------------------------
def approx(x: int) -> str:
    """``≈ 11.6 million`` for a long number, as the page writes it ("" below a million)."""
    s = str(abs(x))
    sign = "-" if x < 0 else ""
    if len(s) < 7:
        return ""
    for digits, word in ((13, "trillion"), (10, "billion"), (7, "million")):
        if len(s) >= digits:
            lead = len(s) - digits + 1
            if lead > 3:
                break
            return f"\u2248 {sign}{s[:lead]}.{s[lead:lead + 1]} {word}"
    return f"\u2248 {s[0]}.{s[1:3]}\u00d710^{len(s) - 1}"


class _FormulaPrinter(StrPrinter):
    """sympy's ``str()`` with sums as a person writes them (``n - k1 + 1``)."""

    def _as_ordered_terms(self, expr, order=None):
        return human_order(super()._as_ordered_terms(expr, order=order))


def _formula(expr: sp.Basic) -> str:
    return text(_FormulaPrinter().doprint(expr))


def _shape_formula(shape) -> str:
    """``(n - k1 + 1) × (n - k1 + 1) × c1``: a sum in parentheses between sizes."""
    return " \u00d7 ".join(f"({_formula(x)})" if isinstance(x, sp.Add) and shape.rank
                            else _formula(x) for x in shape.dims())


_CELL = "padding:3px 8px;border-bottom:1px solid #d9dee7;vertical-align:top"
_NUM = _CELL + ";text-align:right;white-space:nowrap"
_FORMULA = _CELL + ";font-family:monospace;font-size:85%;color:#5b6474;word-break:break-word"


def _shape_cell(dims: tuple[int, ...] | None) -> str:
    if dims is None:
        return f'<td data-col="shape" style="{_NUM}">\u2014</td>'
    value = "x".join(str(x) for x in dims)
    shown = " \u00d7 ".join(f"{x:,}" for x in dims)
    return f'<td data-col="shape" data-value="{value}" style="{_NUM}">{shown}</td>'


def _params_cell(params: int | None) -> str:
    if params is None:
        return f'<td data-col="params" style="{_NUM}">\u2014</td>'
    return f'<td data-col="params" data-value="{params}" style="{_NUM}">{params:,}</td>'


def formulas(derivation) -> tuple[str, list[tuple[str, str]]]:
    """The input's shape formula and every row's (shape formula, parameter formula), as
    escaped text: they do not change with the values, so they are printed once."""
    d = derivation
    return _shape_formula(d.input_shape), [
        (_shape_formula(r.output_shape), _formula(layer_params_expr(r))) for r in d.rows]


def table_html(derivation, result: Result,
               printed: tuple[str, list[tuple[str, str]]] | None = None) -> str:
    """The status line, the total and the per-layer table of one configuration; an
    invalid one names the violated conditions and shows no numbers.  ``printed`` is
    :func:`formulas` of the derivation, when already at hand."""
    d = derivation
    input_formula, row_formulas = printed or formulas(d)
    ok = result.ok
    parts = [f'<div class="symparams-explore" data-state="{"valid" if ok else "invalid"}">']
    if not ok:
        reasons = [text(result.message)] if result.message else []
        for i in result.failing:
            c = d.conditions[i]
            reasons.append(f'<span data-cond="{i}">{text(relation_text(c.relation))} '
                           f'({text(c.tag)}: {text(c.reason)})</span>')
        parts.append('<div data-state="invalid" style="padding:6px 10px;margin:4px 0;'
                     'background:#fdecea;color:#b3261e;border:1px solid #f3b8b3;'
                     'border-radius:4px"><strong>Invalid configuration:</strong> '
                     + "; ".join(reasons) + "</div>")
    total = str(result.total) if ok else "\u2014"
    total_attr = f' data-value="{result.total}"' if ok else ""
    parts.append(f'<p style="font-size:120%;margin:6px 0"><i>P</i> = '
                 f'<span data-col="total"{total_attr} style="font-weight:600">{total}</span> '
                 f'<span style="color:#5b6474;font-size:80%">'
                 f'{approx(result.total) if ok else ""}</span></p>')
    if d.non_trainable != 0:
        tr = f"{result.trainable:,}" if ok else "\u2014"
        nt = f"{result.non_trainable:,}" if ok else "\u2014"
        parts.append(f'<p style="color:#5b6474;margin:0">trainable <span data-col="trainable">'
                     f'{tr}</span>, non-trainable <span data-col="non-trainable">{nt}</span></p>')
    head = "".join(f'<th style="{_CELL};text-align:{align}">{h}</th>' for h, align in (
        ("Layer", "left"), ("Kind", "left"), ("Output shape", "right"),
        ("Parameters", "right"), ("Shape formula", "left"), ("Parameter formula", "left")))
    rows = [f'<tr data-input=""><td style="{_CELL}">input</td><td style="{_CELL}">input</td>'
            + _shape_cell(result.input if ok else None)
            + _params_cell(0)
            + f'<td style="{_FORMULA}">{input_formula}</td>'
            f'<td style="{_CELL}"></td></tr>']
    for i, (r, (shape_formula, params_formula)) in enumerate(zip(d.rows, row_formulas)):
        dims, params = result.rows[i] if ok else (None, None)
        rows.append(f'<tr data-layer="{attribute(r.name)}">'
                    f'<td style="{_CELL};font-family:monospace">{text(r.name)}</td>'
                    f'<td style="{_CELL};color:#5b6474">{text(r.kind)}</td>'
                    + _shape_cell(dims) + _params_cell(params)
                    + f'<td style="{_FORMULA}">{shape_formula}</td>'
                    f'<td style="{_FORMULA}">{params_formula}</td></tr>')
    parts.append('<table style="border-collapse:collapse;font-size:90%"><thead><tr>' + head
                 + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>")
    return "\n".join(parts)


def _short(x: int) -> str:
    s = str(x)
    return f"{x:,}" if len(s) <= 6 else f"{s[0]}.{s[1:3]}e{len(s) - 1}"


def plot_points(evaluate: Evaluator, values: Sequence[int], j: int, lo: int, hi: int
                ) -> list[tuple[int, int, int] | None]:
    """``(x, total, largest layer)`` for the symbol at index ``j`` over ``lo..hi`` (at
    most about PLOT_POINTS points, ``hi`` always), the others at ``values``; None where
    the configuration is invalid."""
    step = (hi - lo) // PLOT_POINTS + 1
    xs = list(range(lo, hi + 1, step))
    if xs[-1] != hi:
        xs.append(hi)
    out: list[tuple[int, int, int] | None] = []
    for x in xs:
        v = list(values)
        v[j] = x
        res = evaluate(v)
        out.append((x, res.total, res.largest) if res.ok else None)
    return out


def plot_svg(points: list[tuple[int, int, int] | None], name: str, lo: int, hi: int,
             current: int) -> str:
    """The plot as inline SVG: the total (solid) and the largest layer (dashed) against
    the symbol ``name``; invalid points are gaps.  Pixel positions are computed from
    the exact integers (scaled integer division) and rounded only for drawing."""
    span = hi - lo
    top = max((max(p[1], p[2]) for p in points if p is not None), default=0)

    def fx(x: int) -> float:
        return _L + (0 if span == 0 else (x - lo) * 100000 // span / 100000) * (_W - _L - _R)

    def fy(y: int) -> float:
        return _H - _B - (0 if top == 0 else y * 100000 // top / 100000) * (_H - _T - _B)

    el = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" width="{_W}" '
          f'height="{_H}" role="img" aria-label="plot of the total" '
          'style="max-width:100%;height:auto;border:1px solid #d9dee7;border-radius:6px" '
          'font-family="sans-serif" font-size="11">',
          f'<line x1="{_L}" y1="{_H - _B}" x2="{_W - _R}" y2="{_H - _B}" stroke="#8a93a3"/>',
          f'<line x1="{_L}" y1="{_T}" x2="{_L}" y2="{_H - _B}" stroke="#8a93a3"/>']
    for label, frac in ((top // 2, 0.5), (top, 1.0)):
        y = _H - _B - frac * (_H - _T - _B)
        el.append(f'<line x1="{_L}" y1="{y}" x2="{_W - _R}" y2="{y}" stroke="#eceff4"/>')
        el.append(f'<text x="{_L - 6}" y="{y + 4}" text-anchor="end" fill="#5b6474">'
                  f'{_short(label)}</text>')
    el.append(f'<text x="{_L - 6}" y="{_H - _B + 4}" text-anchor="end" fill="#5b6474">0</text>')
    el.append(f'<text x="{_L}" y="{_H - 12}" text-anchor="middle" fill="#5b6474">{lo}</text>')
    el.append(f'<text x="{_W - _R}" y="{_H - 12}" text-anchor="end" fill="#5b6474">{hi}</text>')
    el.append(f'<text x="{(_L + _W - _R) / 2}" y="{_H - 4}" text-anchor="middle" '
              f'fill="#5b6474">{text(name)}</text>')
    if lo <= current <= hi:
        x = fx(current)
        el.append(f'<line x1="{x:.1f}" y1="{_T}" x2="{x:.1f}" y2="{_H - _B}" stroke="#888" '
                  'stroke-dasharray="2 3" data-now=""/>')
    for k, cls, colour, dash in ((1, "total", _TOTAL_COLOUR, ""),
                                 (2, "largest", _LAYER_COLOUR, ' stroke-dasharray="5 4"')):
        d, pen = [], "M"
        for p in points:
            if p is None:
                pen = "M"
                continue
            d.append(f"{pen}{fx(p[0]):.1f} {fy(p[k]):.1f}")
            pen = "L"
        if d:
            el.append(f'<path class="{cls}" d="{" ".join(d)}" fill="none" stroke="{colour}" '
                      f'stroke-width="2"{dash}/>')
    if not any(p is not None for p in points):
        el.append(f'<text x="{_W / 2}" y="{_H / 2}" text-anchor="middle" fill="#5b6474">'
                  "no valid point in this range</text>")
    el.append("</svg>")
    key = (f'<div style="color:#5b6474;font-size:85%">'
           f'<span style="display:inline-block;width:18px;border-top:2px solid {_TOTAL_COLOUR};'
           'vertical-align:middle"></span> total &nbsp; '
           f'<span style="display:inline-block;width:18px;border-top:2px dashed {_LAYER_COLOUR};'
           'vertical-align:middle"></span> largest layer</div>')
    return "".join(el) + key


# -- the widget --------------------------------------------------------------------------
def _too_long(err: ValueError) -> bool:
    """A number beyond Python's int-to-text limit (``sys.get_int_max_str_digits()``)."""
    return "integer string conversion" in str(err)


def _ipywidgets():
    try:
        import ipywidgets
    except ImportError:  # also when sys.modules["ipywidgets"] is None
        raise NotSupportedError(f"d.explore() needs ipywidgets: {INSTALL}") from None
    return ipywidgets


@provide("explore")
def explore(derivation, ranges: Mapping[str, Any] | None = None, *,
            values: Mapping[str, Any] | None = None, plot: str | None = None,
            continuous_update: bool = True) -> Any:
    """An ipywidgets container: a slider and a number box per free symbol, the table and
    the total recomputed exactly as they change, and a plot against one symbol.

    ``ranges`` and ``values`` are the HTML page's (``{"n": (8, 512)}``, ``"8:512:28"``;
    first values); ``plot`` names the symbol plotted first.  The container carries
    ``sliders`` and ``boxes`` (by symbol name), ``table``, ``plot`` (HTML widgets),
    ``plot_symbol`` (the Dropdown), ``values()`` (the current values) and ``result()``
    (the current :class:`Result`).
    """
    w = _ipywidgets()
    d = derivation
    bounds = slider_ranges(d, ranges, values)
    names = list(d.symbols)
    if plot is not None and plot not in names:
        raise SpecError(f"plot: unknown symbol {quote(plot)}; "
                        f"symbols: {', '.join(names) or 'none'}")
    evaluate = Evaluator(d)
    printed = formulas(d)

    heading = w.HTML(
        f'<h3 style="margin:4px 0">{text(d.network.name or "Network")}</h3>'
        f'<div style="color:#5b6474;font-size:85%">Parameters and output shapes, exact for '
        f'every value \u00b7 {text(CONVENTION_TEXT[d.convention])} Shapes are channels-last.</div>')
    sliders: dict[str, Any] = {}
    boxes: dict[str, Any] = {}
    rows = []
    for name in names:
        low, high, start = bounds[name]
        sliders[name] = w.IntSlider(value=start, min=low, max=high, step=1, readout=False,
                                    continuous_update=continuous_update,
                                    layout=w.Layout(width="260px"))
        boxes[name] = w.IntText(value=start, layout=w.Layout(width="110px"))
        label = w.HTML(f'<b>{text(name)}</b> <span style="color:#5b6474;font-size:85%">'
                       f'{text(d.describe(name))}</span>', layout=w.Layout(width="300px"))
        rows.append(w.HBox([label, sliders[name], boxes[name]]))
    table = w.HTML()
    plot_html = w.HTML()
    options = [(printable(n), n) for n in names]
    plot_symbol = w.Dropdown(options=options, value=plot or (names[0] if names else None),
                             description="Plot against", style={"description_width": "initial"})

    def current() -> list[int]:
        return [int(boxes[n].value) for n in names]

    def draw_plot() -> None:
        if not names:
            plot_html.value = ""
            return
        j = names.index(plot_symbol.value)
        s = sliders[plot_symbol.value]
        lo, hi = int(s.min), int(s.max)
        now = current()
        try:
            plot_html.value = plot_svg(plot_points(evaluate, now, j, lo, hi), plot_symbol.value,
                                       lo, hi, now[j])
        except ValueError as err:
            if not _too_long(err):
                raise
            plot_html.value = "<p>The numbers are too long to plot.</p>"

    def refresh() -> None:
        try:
            table.value = table_html(d, evaluate(current()), printed)
        except ValueError as err:
            if not _too_long(err):
                raise
            table.value = table_html(d, Result(False, message="a number is too long to show"),
                                     printed)
        draw_plot()

    syncing = [False]

    def follow(name: str, from_slider: bool):
        def handler(change) -> None:
            if syncing[0]:
                return
            syncing[0] = True
            try:
                if from_slider:
                    boxes[name].value = change["new"]
                else:
                    s = sliders[name]
                    s.value = min(max(int(change["new"]), s.min), s.max)
            finally:
                syncing[0] = False
            refresh()
        return handler

    for name in names:
        sliders[name].observe(follow(name, True), names="value")
        boxes[name].observe(follow(name, False), names="value")
    plot_symbol.observe(lambda _change: draw_plot(), names="value")

    children = [heading]
    if names:
        children += [w.HTML("<b>Symbols</b>"), *rows]
    else:
        children.append(w.HTML("<p>The network has no free symbols: every number is fixed.</p>"))
    children.append(table)
    if names:
        children += [plot_symbol, plot_html]
    box = w.VBox(children)
    box.sliders, box.boxes, box.table, box.plot, box.plot_symbol = (
        sliders, boxes, table, plot_html, plot_symbol)
    box.values = lambda: dict(zip(names, current()))
    box.result = lambda: evaluate(current())
    refresh()
    return box
