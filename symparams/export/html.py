"""A self-contained HTML explorer: a slider per symbol, every layer recomputed exactly in
the browser, a shareable URL fragment and a plot.

One file, no network access: the formulas are MathML (sympy's presentation printer,
:class:`SymparamsMathMLPrinter`), the arithmetic is BigInt JavaScript generated from the
derivation by :class:`~symparams.export.jscode.BigIntJSPrinter` (so the page computes
what ``evaluate`` computes, for every value), the plot is inline SVG.

Names are user text (a spec file is data).  In the markup every name is escaped with
:func:`html.escape`; the script gets names only as JSON data in a
``<script type="application/json">`` element, encoded by :func:`script_json` so that no
text can end the element (``<``, ``>``, ``&``, U+2028/U+2029 escaped), and puts them into
the page with ``textContent`` only.  The generated code refers to symbols as ``v[i]``.

Hooks for tests and embedding: the total is the text of ``#total`` (plain digits); each
layer row is ``<tr data-layer="NAME">`` with cells ``data-col="shape"`` and
``data-col="params"`` (their ``data-value`` holds the plain number); ``#status`` carries
``data-state="valid"`` or ``data-state="invalid"`` (naming the violated condition).
"""

from __future__ import annotations

import html
import json
import re
from typing import Any, Mapping

import sympy as sp
from sympy.printing.mathml import MathMLPresentationPrinter

from symparams.core.errors import SpecError, printable, quote
from symparams.export import register_format
from symparams.export.jscode import JS_HELPERS, BigIntJSPrinter
from symparams.export.latex import CONVENTION_TEXT, LayerSum, human_order, layer_params_expr

MAX_DIGITS = 1000
"""Longest value (in decimal digits) the page accepts from a box or the URL fragment."""
PLOT_POINTS = 120
"""Most points of the plot along the chosen symbol."""

# (words of the symbol's description, (lowest, highest, default)): the first match wins
ROLES: tuple[tuple[tuple[str, ...], tuple[int, int, int]], ...] = (
    (("repeat count",), (0, 50, 1)),
    (("kernel size", "pool size", "window"), (1, 11, 3)),
    (("stride",), (1, 4, 1)),
    (("padding",), (0, 5, 0)),
    (("dilation",), (1, 4, 1)),
    (("groups", "heads"), (1, 64, 1)),
    (("channels", "filters", "units", "features", "hidden", "embedding", "dimension",
      "growth"), (1, 1024, 16)),
    (("height", "width", "length", "input size", "size"), (1, 512, 32)),
)
_DEFAULT_ROLE = (1, 1024, 8)
_POOL_DEFAULT = 2  # a pool size of 2 halves a size: a good first value


# -- formulas as MathML ---------------------------------------------------------------
class SymparamsMathMLPrinter(MathMLPresentationPrinter):
    """sympy's presentation MathML with symparams' house style: floors as one fraction
    ``⌊(n − k)/s⌋``, sums as a person writes them (``n − k + 1``), sums of layers in
    layer order (:class:`LayerSum`), and every symbol name escaped (sympy writes text
    nodes raw)."""

    def __init__(self, settings: Mapping[str, Any] | None = None) -> None:
        super().__init__({"mul_symbol": None, **(settings or {})})

    def _text(self, tag: str, text: str):
        el = self.dom.createElement(tag)
        el.appendChild(self.dom.createTextNode(html.escape(text, quote=False)))
        return el

    def _print_Symbol(self, sym: sp.Symbol, style: str = "plain"):
        if re.fullmatch(r"[A-Za-z][A-Za-z0-9]*(_?[A-Za-z0-9]+)?", sym.name):
            return super()._print_Symbol(sym, style=style)
        return self._text("mi", printable(sym.name))  # only through the Python API

    def _as_ordered_terms(self, expr, order=None):
        return human_order(super()._as_ordered_terms(expr, order=order))

    def _fenced_fraction(self, e, left: str, right: str):
        num, den = e.args if len(e.args) == 2 else sp.fraction(e.args[0])
        mrow = self.dom.createElement("mrow")
        mrow.appendChild(self._text("mo", left))
        if den == 1:
            mrow.appendChild(self._print(num))
        else:
            frac = self.dom.createElement("mfrac")
            frac.appendChild(self._print(num))
            frac.appendChild(self._print(den))
            mrow.appendChild(frac)
        mrow.appendChild(self._text("mo", right))
        return mrow

    def _print_FloorDiv(self, e):
        return self._fenced_fraction(e, "\u230a", "\u230b")

    def _print_CeilDiv(self, e):
        return self._fenced_fraction(e, "\u2308", "\u2309")

    _print_floor = _print_FloorDiv
    _print_ceiling = _print_CeilDiv

    def _print_Mod(self, e):
        mrow = self.dom.createElement("mrow")
        mrow.appendChild(self.parenthesize(e.args[0], 50))
        mrow.appendChild(self._text("mo", "mod"))
        mrow.appendChild(self.parenthesize(e.args[1], 50))
        return mrow

    def doprint(self, expr) -> str:
        return super().doprint(expr).replace("<mo>-</mo>", "<mo>&#x2212;</mo>")

    def _print_LayerSum(self, e):
        return self._print_Add(sp.Add(*e.args, evaluate=False), order="none")

    def _print_Add(self, expr, order=None):
        if order == "none":  # LayerSum: keep the layer order
            mrow = self.dom.createElement("mrow")
            for i, arg in enumerate(expr.args):
                if i:
                    mrow.appendChild(self._text("mo", "+"))
                mrow.appendChild(self._print(arg))
            return mrow
        return super()._print_Add(expr, order=order)


def mathml(expr: sp.Basic, printer: SymparamsMathMLPrinter | None = None, *,
           display: bool = False) -> str:
    """``<math>…</math>`` for an expression or a relation."""
    body = (printer or SymparamsMathMLPrinter()).doprint(expr)
    attrs = ' display="block"' if display else ""
    return f"<math{attrs}>{body}</math>"


def _shape_mathml(shape, p: SymparamsMathMLPrinter) -> str:
    """One ``<math>`` per size joined by ``×``, so that a long shape wraps between sizes."""
    dims = []
    for d in shape.dims():
        body = p.doprint(d)
        if isinstance(d, sp.Add) and shape.rank:
            body = f"<mrow><mo>(</mo>{body}<mo>)</mo></mrow>"
        dims.append(f"<math>{body}</math>")
    return '<span class="times"> \u00d7 </span>'.join(dims)


# -- safe text -----------------------------------------------------------------------
def text(value: str) -> str:
    """User text for HTML content or a quoted attribute: control characters shown as
    escapes (``\\n``), then ``& < > " '`` escaped."""
    return html.escape(printable(value), quote=True)


def attribute(value: str) -> str:
    """User text for a quoted attribute, as it is (``data-layer`` keeps a name's own
    characters; HTML parsers turn CR and NUL into LF and U+FFFD)."""
    return html.escape(value, quote=True)


_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                   "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(data: Any) -> str:
    """JSON for a ``<script>`` element: nothing in it can end the element or start a
    comment (``<``, ``>``, ``&`` as ``\\u`` escapes; non-ASCII as escapes too)."""
    out = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    return re.sub(r"[<>&\u2028\u2029]", lambda m: _SCRIPT_ESCAPES[m[0]], out)


def relation_text(relation: sp.Basic) -> str:
    """A condition as one line of plain text, terms in human order: ``n + 2·p1 ≥ k``,
    ``4 divides n + 1``."""
    from symparams.core.printing import text

    if isinstance(relation, sp.Eq) and isinstance(relation.lhs, sp.Mod) and relation.rhs == 0:
        x, m = relation.lhs.args
        return f"{m} divides {text(x)}".replace("*", "\u00b7")
    out = text(relation).replace("**", "^").replace("*", "\u00b7")
    return out.replace(">=", "\u2265").replace("<=", "\u2264").replace("!=", "\u2260")


# -- ranges ------------------------------------------------------------------------------
def role_range(derivation, symbol: sp.Symbol) -> tuple[int, int, int]:
    """``(lowest, highest, default)`` for a slider, from what the symbol stands for."""
    description = derivation.describe(symbol).lower()
    low, high, default = _DEFAULT_ROLE
    for words, found in ROLES:
        if any(w in description for w in words):
            low, high, default = found
            if "pool size" in description:
                default = _POOL_DEFAULT
            break
    floor = 1 if symbol.is_positive else 0
    low = max(low, floor)
    return low, max(high, low), min(max(default, low), max(high, low))


def parse_range(text: str) -> tuple[str, tuple[int, ...]]:
    """``n=8:512`` or ``n=8:512:28`` (lowest, highest, first value) from the command line."""
    match = re.fullmatch(r"\s*([^=\s]+)\s*=\s*([0-9]{1,12}):([0-9]{1,12})(?::([0-9]{1,12}))?\s*",
                         text)
    if not match:
        raise SpecError(f"a range is NAME=LOW:HIGH or NAME=LOW:HIGH:START with whole "
                        f"numbers, got {quote(text)}")
    bounds = tuple(int(g) for g in match.groups()[1:] if g is not None)
    return match[1], bounds


def slider_ranges(derivation, ranges: Mapping[str, Any] | None = None,
                  values: Mapping[str, Any] | None = None) -> dict[str, tuple[int, int, int]]:
    """Every free symbol's ``(lowest, highest, first value)``: by its role, then
    ``ranges`` (``{"n": (8, 512)}`` or ``"8:512"``), then ``values``; when the first
    values make the network invalid, larger input sizes are tried."""
    d = derivation
    symbols = d.symbols
    out = {name: role_range(d, s) for name, s in symbols.items()}
    given: set[str] = set()
    for name, spec in (ranges or {}).items():
        if name not in symbols:
            raise SpecError(f"--range: unknown symbol {quote(name)}; symbols: "
                            f"{', '.join(symbols) or 'none'}")
        bounds = parse_range(f"{name}={spec}")[1] if isinstance(spec, str) else tuple(spec)
        if len(bounds) not in (2, 3) or not all(isinstance(b, int) and not isinstance(b, bool)
                                                 for b in bounds):
            raise SpecError(f"--range {quote(name)}: give LOW:HIGH or LOW:HIGH:START")
        low, high = bounds[:2]
        floor = 1 if symbols[name].is_positive else 0
        if low < floor or high < low:
            raise SpecError(f"--range {quote(name)}: need {floor} <= LOW <= HIGH, got {low}:{high}")
        start = bounds[2] if len(bounds) == 3 else min(max(out[name][2], low), high)
        if not low <= start <= high:
            raise SpecError(f"--range {quote(name)}: START must lie in {low}:{high}")
        out[name] = (low, high, start)
        if len(bounds) == 3:
            given.add(name)
    for name, value in (values or {}).items():
        if name not in symbols:
            raise SpecError(f"unknown symbol {quote(name)}; symbols: {', '.join(symbols) or 'none'}")
        floor = 1 if symbols[name].is_positive else 0
        if isinstance(value, bool) or not isinstance(value, int) or value < floor:
            raise SpecError(f"the first value of {quote(name)} must be a whole number of at "
                            f"least {floor}, got {quote(repr(value))}")
        low, high, _ = out[name]
        out[name] = (low, high, value)
        given.add(name)
    # a first configuration that is valid, if a larger input makes it so
    sizes = [n for n, s in symbols.items() if n not in given
             and any(w in d.describe(s).lower() for w in ("input height", "input width",
                                                           "input size", "input length"))]
    if sizes and not _valid(d, out):
        for size in (64, 128, 224, 299, 512):
            trial = {**out, **{n: (out[n][0], max(out[n][1], size), size) for n in sizes}}
            if _valid(d, trial):
                out = trial
                break
    return out


def _valid(d, ranges: Mapping[str, tuple[int, int, int]]) -> bool:
    try:
        return bool(d.valid({n: r[2] for n, r in ranges.items()}))
    except Exception:  # noqa: BLE001  (only a first value is being chosen)
        return False


# -- the script --------------------------------------------------------------------------
def javascript(derivation) -> str:
    """The derivation's arithmetic as JavaScript: the helpers, then ``const SYMPARAMS``
    with ``conditions(v)`` (one boolean per condition, in order) and ``values(v)``
    (``{input, rows: [[dims, params]…], total, trainable, nonTrainable}``), every number a
    BigInt; ``v`` holds the symbols' values in the order of ``derivation.symbols``."""
    d = derivation
    names = {s: f"v[{i}]" for i, s in enumerate(d.symbols.values())}
    checks = BigIntJSPrinter(names)
    conditions = [checks.code(c.relation) for c in d.conditions]
    p = BigIntJSPrinter(names, hoist=True)

    def dims(shape) -> str:
        return "[" + ", ".join(p.code(x) for x in shape.dims()) + "]"

    inp = dims(d.input_shape)
    rows = [f"[{dims(r.output_shape)}, {p.code(r.params)}]" for r in d.rows]
    total = p.code(d.total)
    trainable = p.code(d.trainable)
    non_trainable = p.code(d.non_trainable)
    body = "\n".join("    " + line for line in p.lines)
    cond_list = ",\n      ".join(conditions)
    row_list = ",\n      ".join(rows)
    floors = ", ".join("1n" if s.is_positive else "0n" for s in d.symbols.values())
    return (JS_HELPERS + "const SYMPARAMS = {\n"
            f"  floors: [{floors}],\n"
            "  conditions(v) {\n"
            f"    return [\n      {cond_list}\n    ];\n  }},\n"
            "  values(v) {\n"
            f"{body}\n"
            f"    return {{\n      input: {inp},\n      rows: [\n      {row_list}\n      ],\n"
            f"      total: {total},\n      trainable: {trainable},\n"
            f"      nonTrainable: {non_trainable}\n    }};\n  }},\n" + _EVALUATE + "};\n")


# {ok: true, result} or {ok: false, failing: [violated condition indices], below: the
# index of a value under its symbol's least value, message}
_EVALUATE = """\
  evaluate(v) {
    for (let i = 0; i < v.length; i++) {
      if (v[i] < this.floors[i]) return {ok: false, failing: [], below: i, message: ""};
    }
    let checks;
    try { checks = this.conditions(v); } catch (e) {
      return {ok: false, failing: [], message: "a divisor is zero"};
    }
    const failing = [];
    checks.forEach((ok, i) => { if (!ok) failing.push(i); });
    if (failing.length) return {ok: false, failing: failing, message: ""};
    try { return {ok: true, result: this.values(v)}; } catch (e) {
      return {ok: false, failing: [], message: "a divisor is zero"};
    }
  }
"""


# -- the page -----------------------------------------------------------------------------
@register_format("html")
def to_html(derivation, *, ranges: Mapping[str, Any] | None = None,
            values: Mapping[str, Any] | None = None, title: str | None = None,
            **_options: Any) -> str:
    """The explorer page (see the module text).  ``ranges`` overrides slider ranges by
    symbol (``{"n": (8, 512)}``, ``"8:512"`` or ``"8:512:28"`` with a first value);
    ``values`` gives first values."""
    d = derivation
    p = SymparamsMathMLPrinter()
    symbols = d.symbols
    bounds = slider_ranges(d, ranges, values)
    name = d.network.name or ""
    heading = title if title is not None else (name or "Network")

    controls = []
    for i, (sname, sym) in enumerate(symbols.items()):
        low, high, start = bounds[sname]
        floor = 1 if sym.is_positive else 0
        desc = d.describe(sym)
        controls.append(
            f'<div class="control" data-symbol="{attribute(sname)}">\n'
            f'  <label for="num-{i}">{mathml(sym, p)} <span class="desc">{text(desc)}</span></label>\n'
            f'  <div class="inputs"><input type="range" id="range-{i}" name="{attribute(sname)}" '
            f'data-index="{i}" min="{low}" max="{high}" step="1" value="{start}" '
            f'aria-label="{text(sname)}">'
            f'<input type="number" id="num-{i}" name="{attribute(sname)}" data-index="{i}" '
            f'min="{floor}" step="1" value="{start}" inputmode="numeric"></div>\n</div>')

    rows = [f'<tr class="input-row" data-input=""><td>input</td><td>input</td>'
            f'<td class="num" data-col="shape"></td>'
            f'<td class="num" data-col="params" data-value="0">0</td>'
            f'<td class="formula"><div>{_shape_mathml(d.input_shape, p)}</div></td>'
            f'<td class="formula"></td></tr>']
    for r in d.rows:
        rows.append(
            f'<tr data-layer="{attribute(r.name)}"><td class="name">'
            f'<span title="{text(r.name)}">{text(r.name)}</span></td>'
            f'<td class="kind">{text(r.kind)}</td>'
            f'<td class="num" data-col="shape"></td>'
            f'<td class="num" data-col="params"></td>'
            f'<td class="formula"><div>{_shape_mathml(r.output_shape, p)}</div></td>'
            f'<td class="formula"><div>{mathml(layer_params_expr(r), p)}</div></td></tr>')

    terms = [layer_params_expr(r) for r in d.rows if r.params != 0]
    total_expr = LayerSum(*terms) if len(terms) > 1 else (terms[0] if terms else sp.Integer(0))
    total_math = (f'<math display="block"><mi>P</mi><mo>=</mo>{p.doprint(total_expr)}</math>')
    extra = ""
    if d.non_trainable != 0:
        extra = ('<p class="split">trainable <span id="trainable" class="num"></span>, '
                 'non-trainable <span id="non-trainable" class="num"></span></p>')

    conds = []
    for i, c in enumerate(d.conditions):
        cls = "assumption" if c.assumed else "condition"
        conds.append(f'<li class="{cls}" data-cond="{i}">{mathml(c.relation, p)} '
                     f'<span class="reason">{text(c.tag)}: {text(c.reason)}</span></li>')
    validity = ("<ul class=\"conditions\">\n" + "\n".join(conds) + "\n</ul>") if conds else \
        "<p>No conditions: every value of the symbols gives a valid network.</p>"

    legend = [(s, t) for s, t in d.legend if s in d.free_symbols]
    legend_html = "".join(f"<li>{mathml(s, p)} {text(t)}</li>" for s, t in legend)
    options = "".join(f'<option value="{i}">{text(n)}</option>' for i, n in enumerate(symbols))

    data = {
        "symbols": [{"name": n, "min": bounds[n][0], "max": bounds[n][1],
                     "start": str(bounds[n][2]), "floor": 1 if s.is_positive else 0}
                    for n, s in symbols.items()],
        "rows": [{"name": r.name, "kind": r.kind} for r in d.rows],
        "conditions": [{"layer": c.tag, "reason": c.reason, "relation": relation_text(c.relation)}
                       for c in d.conditions],
        "maxDigits": MAX_DIGITS,
        "plotPoints": PLOT_POINTS,
    }
    side = ("\n".join(controls) if controls else
            "<p>The network has no free symbols: every number is fixed.</p>")
    plot = "" if not symbols else f"""
<section id="plot-section">
  <h2>Plot</h2>
  <p><label for="plot-symbol">Parameters against</label>
  <select id="plot-symbol">{options}</select>
  <span class="key"><span class="swatch total-swatch"></span> total
  <span class="swatch layer-swatch"></span> largest layer</span></p>
  <svg id="plot" viewBox="0 0 640 260" role="img" aria-label="plot of the total"></svg>
</section>"""
    return _PAGE.format(
        title=text(heading), heading=text(heading), convention=text(CONVENTION_TEXT[d.convention]),
        css=_CSS, side=side, rows="\n".join(rows), total_math=total_math, extra=extra,
        validity=validity, legend=legend_html, plot=plot, data=script_json(data),
        code=javascript(d), app=_APP)


class Explorer:
    """The page for Jupyter: displayed inline (``_repr_html_``) in a sandboxed iframe
    (scripts only: no same origin, no navigation), so its ids and script stay apart from
    the notebook's."""

    def __init__(self, page: str, height: int = 720) -> None:
        self.page = page
        self.height = height

    def _repr_html_(self) -> str:
        return (f'<iframe sandbox="allow-scripts" srcdoc="{html.escape(self.page, quote=True)}" '
                f'style="width: 100%; height: {int(self.height)}px; border: 1px solid #ddd;">'
                "</iframe>")

    def __str__(self) -> str:
        return self.page


def explorer(derivation, *, height: int = 720, **options: Any) -> Explorer:
    """The explorer page of ``derivation`` for a notebook: ``explorer(d)`` as a cell's
    last line shows it inline; ``str()`` of it is the page (options as :func:`to_html`)."""
    return Explorer(to_html(derivation, **options), height)


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>{title} · symparams</title>
<style>{css}</style>
</head>
<body>
<header><h1>{heading}</h1><p class="sub">Parameters and output shapes, exact for every value · {convention} Shapes are channels-last.</p></header>
<div class="layout">
<aside id="controls">
<h2>Symbols</h2>
{side}
<p class="share"><a id="share" href="#">Link to this configuration</a></p>
</aside>
<main>
<div id="status" data-state="valid" role="status"></div>
<section id="total-section">
<h2>Total</h2>
{total_math}
<p class="total-line"><span class="eq">P =</span> <span id="total" class="num"></span> <span id="total-approx" class="approx"></span></p>
{extra}
</section>
<section>
<h2>Layers</h2>
<div class="scroll"><table id="layers">
<thead><tr><th>Layer</th><th>Kind</th><th class="num">Output shape</th><th class="num">Parameters</th><th>Shape formula</th><th>Parameter formula</th></tr></thead>
<tbody>
{rows}
</tbody>
</table></div>
</section>
{plot}
<section>
<h2>Valid when</h2>
{validity}
<h2>Symbols</h2>
<ul class="legend">{legend}</ul>
</section>
<footer>Made by symparams: the numbers are computed in this page from the closed-form formulas with exact integers (JavaScript BigInt).</footer>
</main>
</div>
<script type="application/json" id="symparams-data">{data}</script>
<script>
"use strict";
{code}
{app}
</script>
</body>
</html>
"""

_CSS = """
:root { --fg: #1d2430; --muted: #5b6474; --line: #d9dee7; --accent: #2458c6; --bad: #b3261e;
  --bg-side: #f5f7fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); }
header { padding: 14px 24px 10px; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.35rem; margin: 0; }
h2 { font-size: 1.02rem; margin: 18px 0 8px; }
.sub { margin: 2px 0 0; color: var(--muted); font-size: .88rem; }
.layout { display: flex; align-items: flex-start; }
aside { flex: 0 0 290px; position: sticky; top: 0; max-height: 100vh; min-height: 100vh; overflow-y: auto;
  background: var(--bg-side); border-right: 1px solid var(--line); padding: 4px 16px 16px; }
main { flex: 1 1 auto; min-width: 0; padding: 0 24px 24px; }
.control { margin: 10px 0 14px; }
.control label { display: block; font-size: .9rem; }
.control .desc { color: var(--muted); font-size: .8rem; }
.inputs { display: flex; gap: 8px; align-items: center; }
.inputs input[type=range] { flex: 1 1 auto; min-width: 0; accent-color: var(--accent); }
.inputs input[type=number] { width: 92px; font: inherit; padding: 2px 4px; }
.inputs input.bad { outline: 2px solid var(--bad); }
.share { font-size: .85rem; }
#status { margin-top: 14px; padding: 8px 12px; border-radius: 6px; display: none; }
#status[data-state=invalid] { display: block; background: #fdecea; color: var(--bad);
  border: 1px solid #f3b8b3; }
.total-line { font-size: 1.25rem; margin: 4px 0; }
.total-line .eq { font-style: italic; }
#total { font-weight: 600; }
.approx { color: var(--muted); font-size: .9rem; }
.split { color: var(--muted); margin: 0; }
math[display=block] { overflow-x: auto; overflow-y: hidden; padding: 4px 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid var(--line); vertical-align: middle; }
thead th { border-bottom: 2px solid var(--fg); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.name { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: .86rem; }
td.name span { display: inline-block; max-width: 22ch; overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; vertical-align: bottom; }
td.kind { color: var(--muted); white-space: nowrap; }
.times { color: var(--muted); white-space: nowrap; }
td.formula math { math-style: normal; font-size: 1.02em; }
td.formula div { max-width: max(180px, calc((100vw - 860px) / 2)); overflow-x: auto; overflow-y: hidden; padding: 2px 0; }
tr.input-row td { color: var(--muted); }
body.invalid td.num, body.invalid #total, body.invalid .split { color: #9aa1ad; }
ul.conditions, ul.legend { padding-left: 20px; }
ul.conditions li { margin: 4px 0; }
.reason { color: var(--muted); font-size: .86rem; }
li.violated { color: var(--bad); font-weight: 600; }
li.violated .reason { color: var(--bad); }
#plot { width: 100%; max-width: 720px; height: auto; border: 1px solid var(--line); border-radius: 6px; }
#plot .axis { stroke: #8a93a3; stroke-width: 1; }
#plot .grid { stroke: #eceff4; stroke-width: 1; }
#plot .total { fill: none; stroke: var(--accent); stroke-width: 2; }
#plot .largest { fill: none; stroke: #d9822b; stroke-width: 2; stroke-dasharray: 5 4; }
#plot .now { stroke: #888; stroke-dasharray: 2 3; }
#plot text { font: 11px system-ui, sans-serif; fill: var(--muted); }
.key { color: var(--muted); font-size: .85rem; margin-left: 12px; }
.swatch { display: inline-block; width: 18px; height: 0; vertical-align: middle; margin: 0 2px 0 8px; }
.total-swatch { border-top: 2px solid var(--accent); }
.layer-swatch { border-top: 2px dashed #d9822b; }
select { font: inherit; }
footer { margin-top: 24px; color: var(--muted); font-size: .8rem; }
@media (max-width: 800px) { .layout { display: block; } aside { position: static; max-height: none; } }
"""

# The page's own script: it reads the JSON data and the generated SYMPARAMS; user text
# reaches the page only through textContent.
_APP = r"""
(function () {
  const DATA = JSON.parse(document.getElementById("symparams-data").textContent);
  const SYMS = DATA.symbols;
  const DIGITS = new RegExp("^[0-9]{1," + DATA.maxDigits + "}$");
  const values = SYMS.map(s => BigInt(s.start));
  const ranges = Array.from(document.querySelectorAll('input[type=range][data-index]'));
  const boxes = Array.from(document.querySelectorAll('input[type=number][data-index]'));
  const rowEls = Array.from(document.querySelectorAll("#layers tbody tr[data-layer]"));
  const inputRow = document.querySelector("#layers tbody tr[data-input]");
  const status = document.getElementById("status");
  const bad = new Set();  // indices of symbols whose box holds no whole number

  function group(x) { return x.toLocaleString("en-US"); }
  function approx(x) {
    const s = (x < 0n ? -x : x).toString();
    if (s.length < 7) return "";
    const units = [[13, "trillion"], [10, "billion"], [7, "million"]];
    for (const [digits, word] of units) {
      if (s.length >= digits) {
        const lead = s.length - digits + 1;
        if (lead > 3) break;
        return "\u2248 " + (x < 0n ? "-" : "") + s.slice(0, lead) + "." + s.slice(lead, lead + 1) + " " + word;
      }
    }
    return "\u2248 " + s[0] + "." + s.slice(1, 3) + "\u00d710^" + (s.length - 1);
  }
  function parse(text) { return DIGITS.test(text) ? BigInt(text) : null; }

  const evaluate = v => SYMPARAMS.evaluate(v);
  const NAMES = SYMS.map(s => s.name);

  function clearNode(el) { while (el.firstChild) el.removeChild(el.firstChild); }
  function setCell(el, value) {
    el.textContent = value === null ? "\u2014" : group(value);
    if (value === null) el.removeAttribute("data-value"); else el.setAttribute("data-value", value.toString());
  }
  function setShape(el, dims) {
    el.textContent = dims === null ? "\u2014" : dims.map(group).join(" \u00d7 ");
    if (dims === null) el.removeAttribute("data-value"); else el.setAttribute("data-value", dims.join("x"));
  }

  function showInvalid(res) {
    document.body.classList.add("invalid");
    status.setAttribute("data-state", "invalid");
    clearNode(status);
    const head = document.createElement("strong");
    head.textContent = "Invalid configuration: ";
    status.appendChild(head);
    const parts = [];
    if (res.below !== undefined) {
      parts.push(NAMES[res.below] + " must be at least " + SYMS[res.below].floor);
    }
    if (res.message) parts.push(res.message);
    for (const i of res.failing) {
      const c = DATA.conditions[i];
      parts.push(c.relation + " (" + c.layer + ": " + c.reason + ")");
    }
    status.appendChild(document.createTextNode(parts.join("; ")));
    document.querySelectorAll("li[data-cond]").forEach(li => {
      li.classList.toggle("violated", res.failing.includes(Number(li.getAttribute("data-cond"))));
    });
    rowEls.forEach(tr => {
      setShape(tr.querySelector('[data-col="shape"]'), null);
      setCell(tr.querySelector('[data-col="params"]'), null);
    });
    if (inputRow) setShape(inputRow.querySelector('[data-col="shape"]'), null);
    document.getElementById("total").textContent = "\u2014";
    document.getElementById("total-approx").textContent = "";
    for (const id of ["trainable", "non-trainable"]) {
      const el = document.getElementById(id);
      if (el) el.textContent = "\u2014";
    }
  }

  function showValid(r) {
    document.body.classList.remove("invalid");
    status.setAttribute("data-state", "valid");
    clearNode(status);
    document.querySelectorAll("li[data-cond]").forEach(li => li.classList.remove("violated"));
    if (inputRow) setShape(inputRow.querySelector('[data-col="shape"]'), r.input);
    rowEls.forEach((tr, i) => {
      setShape(tr.querySelector('[data-col="shape"]'), r.rows[i][0]);
      setCell(tr.querySelector('[data-col="params"]'), r.rows[i][1]);
    });
    document.getElementById("total").textContent = r.total.toString();
    document.getElementById("total-approx").textContent = approx(r.total);
    const t = document.getElementById("trainable"), n = document.getElementById("non-trainable");
    if (t) t.textContent = group(r.trainable);
    if (n) n.textContent = group(r.nonTrainable);
  }

  function fragment() {
    return SYMS.map((s, i) => encodeURIComponent(s.name) + "=" +
      (bad.has(i) ? encodeURIComponent(boxes[i].value) : values[i].toString())).join("&");
  }

  function update() {
    let res;
    if (bad.size) {
      const names = Array.from(bad).map(i => SYMS[i].name);
      res = {ok: false, failing: [], message: names.join(", ") + ": not a whole number"};
    } else {
      res = evaluate(values);
    }
    if (res.ok) showValid(res.result); else showInvalid(res);
    if (SYMS.length) {
      const f = "#" + fragment();
      if (location.hash !== f) {
        try { history.replaceState(null, "", f); } catch (e) { /* an iframe's srcdoc */ }
      }
      document.getElementById("share").setAttribute("href", f);
      drawPlot();
    }
  }

  function setValue(i, value, from) {
    values[i] = value;
    bad.delete(i);
    boxes[i].classList.remove("bad");
    if (from !== "box") boxes[i].value = value.toString();
    if (from !== "range") {
      const lo = BigInt(ranges[i].min), hi = BigInt(ranges[i].max);
      ranges[i].value = (value < lo ? lo : value > hi ? hi : value).toString();
    }
  }

  ranges.forEach((el, i) => el.addEventListener("input", () => {
    setValue(i, BigInt(el.value), "range");
    update();
  }));
  boxes.forEach((el, i) => el.addEventListener("input", () => {
    const v = parse(el.value.trim());
    if (v === null) { bad.add(i); el.classList.add("bad"); } else setValue(i, v, "box");
    update();
  }));

  function readFragment() {
    const text = location.hash.replace(/^#/, "");
    if (!text) return;
    for (const part of text.split("&")) {
      const eq = part.indexOf("=");
      if (eq < 1) continue;
      let key;
      try { key = decodeURIComponent(part.slice(0, eq)); } catch (e) { continue; }
      const i = SYMS.findIndex(s => s.name === key);
      const v = parse(part.slice(eq + 1));
      if (i >= 0 && v !== null) setValue(i, v, "fragment");
    }
  }

  // -- the plot: total and largest layer against one symbol, the others as set ------------
  const SVGNS = "http://www.w3.org/2000/svg";
  function svgEl(name, attrs, text) {
    const el = document.createElementNS(SVGNS, name);
    for (const k in attrs) el.setAttribute(k, attrs[k]);
    if (text !== undefined) el.textContent = text;
    return el;
  }
  function short(x) {
    const s = x.toString();
    if (s.length <= 6) return group(x);
    return s[0] + "." + s.slice(1, 3) + "e" + (s.length - 1);
  }
  function drawPlot() {
    const svg = document.getElementById("plot");
    const select = document.getElementById("plot-symbol");
    if (!svg || !select) return;
    clearNode(svg);
    const j = Number(select.value);
    const lo = BigInt(ranges[j].min), hi = BigInt(ranges[j].max);
    const span = hi - lo;
    const step = span / BigInt(DATA.plotPoints) + 1n;
    const xs = [];
    for (let x = lo; x <= hi; x += step) xs.push(x);
    if (xs[xs.length - 1] !== hi) xs.push(hi);
    const pts = [];
    let top = 0n;
    for (const x of xs) {
      if (bad.size) break;
      const v = values.slice();
      v[j] = x;
      const res = evaluate(v);
      if (!res.ok) { pts.push(null); continue; }
      let largest = 0n;
      for (const row of res.result.rows) if (row[1] > largest) largest = row[1];
      const total = res.result.total;
      pts.push([x, total, largest]);
      if (total > top) top = total;
      if (largest > top) top = largest;
    }
    const W = 640, H = 260, L = 64, R = 16, T = 14, B = 34;
    const fx = x => L + (span === 0n ? 0 : Number((x - lo) * 100000n / span) / 100000) * (W - L - R);
    const fy = y => H - B - (top === 0n ? 0 : Number(y * 100000n / top) / 100000) * (H - T - B);
    svg.appendChild(svgEl("line", {x1: L, y1: H - B, x2: W - R, y2: H - B, class: "axis"}));
    svg.appendChild(svgEl("line", {x1: L, y1: T, x2: L, y2: H - B, class: "axis"}));
    for (const frac of [0.5, 1]) {
      const y = H - B - frac * (H - T - B);
      svg.appendChild(svgEl("line", {x1: L, y1: y, x2: W - R, y2: y, class: "grid"}));
      const label = frac === 1 ? top : top / 2n;
      svg.appendChild(svgEl("text", {x: L - 6, y: y + 4, "text-anchor": "end"}, short(label)));
    }
    svg.appendChild(svgEl("text", {x: L - 6, y: H - B + 4, "text-anchor": "end"}, "0"));
    svg.appendChild(svgEl("text", {x: L, y: H - 12, "text-anchor": "middle"}, lo.toString()));
    svg.appendChild(svgEl("text", {x: W - R, y: H - 12, "text-anchor": "end"}, hi.toString()));
    svg.appendChild(svgEl("text", {x: (L + W - R) / 2, y: H - 4, "text-anchor": "middle"}, SYMS[j].name));
    const cur = values[j];
    if (cur >= lo && cur <= hi) {
      svg.appendChild(svgEl("line", {x1: fx(cur), y1: T, x2: fx(cur), y2: H - B, class: "now"}));
    }
    for (const [k, cls] of [[1, "total"], [2, "largest"]]) {
      let d = "", pen = "M";
      for (const p of pts) {
        if (p === null) { pen = "M"; continue; }
        d += pen + fx(p[0]).toFixed(1) + " " + fy(p[k]).toFixed(1) + " ";
        pen = "L";
      }
      if (d) svg.appendChild(svgEl("path", {d: d, class: cls}));
    }
    if (!pts.some(p => p !== null)) {
      svg.appendChild(svgEl("text", {x: W / 2, y: H / 2, "text-anchor": "middle"},
        "no valid point in this range"));
    }
  }
  const select = document.getElementById("plot-symbol");
  if (select) select.addEventListener("change", drawPlot);

  readFragment();
  window.addEventListener("hashchange", () => {
    if (location.hash !== "#" + fragment()) { readFragment(); update(); }
  });
  update();
  window.SYMPARAMS_PAGE = {evaluate: evaluate, values: values, update: update};
})();
"""
