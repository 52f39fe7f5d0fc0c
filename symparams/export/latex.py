"""LaTeX: the total as an ``equation``, a per-layer ``align*``, a booktabs table, the
legend and the validity conditions, or all of it as a document that compiles.

Formulas are printed by :class:`SymparamsLatexPrinter`, a sympy ``LatexPrinter``
that writes sums the way a person does (``n + 2 p - k``, positive terms first, the
constant last) and floors as one fraction (that part is ``FloorDiv._latex``).
"""

from __future__ import annotations

from symparams.core.provided import provide

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Mapping

import sympy as sp
from sympy.printing.latex import LatexPrinter

from symparams.core.errors import SpecError, printable, quote
from symparams.export import register_format

MUL_SYMBOLS = {None: None, "": None, "none": None, "space": None, "dot": "dot",
               "cdot": "dot", "times": "times"}

# LaTeX's ten special characters, and three that OT1 fonts print as other glyphs
_TEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}",
                "|": r"\textbar{}"}


def tex_escape(text: str) -> str:
    """Text (a layer or network name) made safe for LaTeX text mode (also inside
    ``\\text{}``): control characters such as a newline are shown as escapes (``\\n``),
    then the special characters are escaped."""
    return "".join(_TEX_SPECIAL.get(ch) or _tex_char(ch) for ch in printable(text))


def _tex_char(ch: str) -> str:
    """A character pdflatex typesets from UTF-8 input: ASCII and accented Latin letters
    as they are, Greek and a few symbols as math (``α`` -> ``\\ensuremath{\\alpha}``,
    ``×``), any other as its code point (``[U+4E2D]``), so that no name stops the
    compilation."""
    if ch.isascii():
        return ch
    base = unicodedata.normalize("NFKD", ch)
    if base[:1].isascii() and base[:1].isalpha() and all(
            unicodedata.combining(c) for c in base[1:]):
        return ch  # é, ñ, ü: inputenc writes them as accents
    if ch in _TEXT_SYMBOLS:
        return _TEXT_SYMBOLS[ch]
    greek = _greek_name(ch)
    if greek != ch and greek in _GREEK_COMMANDS:
        return rf"\ensuremath{{\{greek}}}"
    return f"[U+{ord(ch):04X}]"


_TEXT_SYMBOLS = {"×": r"\ensuremath{\times}", "·": r"\ensuremath{\cdot}", "–": "--",
                 "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''", "…": r"\ldots{}",
                 "≤": r"\ensuremath{\le}", "≥": r"\ensuremath{\ge}", "→": r"\ensuremath{\to}",
                 "∣": r"\ensuremath{\mid}", "²": r"\ensuremath{^2}", "³": r"\ensuremath{^3}"}


# Greek letters LaTeX names (the capitals that look Latin, such as Alpha, have no command)
_GREEK_COMMANDS = set("""alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu
    xi pi rho sigma tau upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon
    Phi Psi Omega""".split())


def _greek_name(ch: str) -> str:
    """``alpha`` for ``α``, ``Gamma`` for ``Γ``; any other character as it is."""
    match = re.fullmatch(r"GREEK (SMALL|CAPITAL) LETTER ([A-Z]+)", unicodedata.name(ch, ""))
    if not match:
        return ch
    word = match[2].lower().replace("lamda", "lambda")
    return word if match[1] == "SMALL" else word.capitalize()


class LayerSum(sp.Expr):
    """A sum kept in layer order (sympy would sort an ``Add``'s terms)."""

    def __new__(cls, *terms: sp.Expr) -> "LayerSum":
        return sp.Expr.__new__(cls, *terms)


_LEFT_PAREN = re.compile(r"\\left\( ?")
_RIGHT_PAREN = re.compile(r" ?\\right\)")


class SymparamsLatexPrinter(LatexPrinter):
    """sympy's LaTeX printer with symparams' house style.

    Settings beyond sympy's: ``symbol_names`` may be keyed by name (``{"n":
    r"H_{\\text{in}}"}``); ``mul_symbol`` also takes ``"times"``/``"cdot"``/``None``;
    ``group_digits`` (default True) writes 138357544 as ``138\\,357\\,544``.
    """

    _default_settings = {**LatexPrinter._default_settings, "group_digits": True,
                         "slash_floors": False}

    def __init__(self, settings: Mapping[str, Any] | None = None) -> None:
        settings = dict(settings or {})
        names = settings.pop("symbol_names", None) or {}
        settings["symbol_names"] = {(sp.Symbol(k) if isinstance(k, str) else k): v
                                    for k, v in names.items()}
        mul = settings.get("mul_symbol")
        if mul not in MUL_SYMBOLS:
            from symparams.core.errors import SpecError, quote

            raise SpecError(f"mul_symbol must be one of times, cdot, or none; got {quote(mul)}")
        settings["mul_symbol"] = MUL_SYMBOLS[mul]
        super().__init__(settings)

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        # user names are keyed by a plain Symbol; ours carry assumptions, so match by name
        for sym, tex in self._settings["symbol_names"].items():
            if sym.name == expr.name:
                return tex
        if not expr.name.isidentifier():  # only through the Python API: print it as text
            return rf"\text{{{tex_escape(expr.name)}}}"
        if not expr.name.isascii():
            # pdflatex takes no raw Unicode in maths: Greek letters by name (α1 is
            # \alpha_{1}, as sympy prints alpha1), other letters as text (ñ)
            spelled = "".join(_greek_name(ch) for ch in expr.name)
            if not spelled.isascii():
                return rf"\text{{{tex_escape(expr.name)}}}"
            expr = sp.Symbol(spelled)
        return super()._print_Symbol(expr, style=style)

    def _print(self, expr: Any, **kwargs: Any) -> str:
        # A deep network's sizes nest (each holds the previous layer's whole), and the
        # table, the equations and the conditions print the same sub-expressions many
        # times: each is printed once per printer.
        if not isinstance(expr, sp.Basic) or expr.is_Atom and not expr.is_Symbol:
            return self._print_once(expr, **kwargs)
        try:
            key = (expr, tuple(sorted(kwargs.items())))
            hash(key)
        except TypeError:
            return self._print_once(expr, **kwargs)
        memo = self.__dict__.setdefault("_memo", {})
        if key not in memo:
            memo[key] = self._print_once(expr, **kwargs)
        return memo[key]

    def _print_once(self, expr: Any, **kwargs: Any) -> str:
        from symparams.core.shape import CeilDiv, FloorDiv

        if self._settings["slash_floors"] and isinstance(expr, (FloorDiv, CeilDiv)):
            # in running text and table cells: \lfloor (n - k) / s \rfloor, no tiny fraction;
            # no \left...\right (nothing is taller than a line), so TeX may break inside
            left, right = expr._latex_delims
            num, den = expr.args
            num_tex = self._print(num)
            if isinstance(num, sp.Add):
                num_tex = rf"({num_tex})"
            den_tex = self._print(den)
            if not (den.is_Symbol or den.is_Integer):
                den_tex = rf"({den_tex})"
            tex = rf"{left} {num_tex} / {den_tex} {right}"
            exp = kwargs.get("exp")
            return tex if exp is None else f"{tex}^{{{exp}}}"
        return super()._print(expr, **kwargs)

    def doprint(self, expr: Any) -> str:
        tex = super().doprint(expr)
        if self._settings["slash_floors"]:
            # sympy writes \left(...\right) in many places; with slashed floors nothing is
            # taller than a line, and plain parentheses let TeX break a long cell inside
            tex = _LEFT_PAREN.sub("(", _RIGHT_PAREN.sub(")", tex))
        return tex

    def _add_parens(self, s: str) -> str:
        return f"({s})" if self._settings["slash_floors"] else super()._add_parens(s)

    def _print_Integer(self, expr: sp.Integer) -> str:
        value = int(expr)
        if not self._settings["group_digits"] or abs(value) < 10000:
            return str(value)
        return ("-" if value < 0 else "") + f"{abs(value):,}".replace(",", r"\,")

    def _print_Add(self, expr: sp.Add, order: str | None = None) -> str:
        return self._join_terms(human_order(self._as_ordered_terms(expr, order=order)))

    def _print_LayerSum(self, expr: LayerSum) -> str:
        return self._join_terms(list(expr.args))

    def _join_terms(self, terms: list[sp.Expr]) -> str:
        tex = ""
        for i, term in enumerate(terms):
            if i and term.could_extract_minus_sign():
                tex += " - "
                term = -term
            elif i:
                tex += " + "
            term_tex = self._print(term)
            if self._needs_add_brackets(term):
                term_tex = self._add_parens(term_tex)
            tex += term_tex
        return tex


def human_order(terms: list[sp.Expr]) -> list[sp.Expr]:
    """``-k + n + 1`` as ``n - k + 1``: terms with a plus sign first, then those with a
    minus, then the constant; sympy's order otherwise (a stable sort)."""

    def rank(term: sp.Expr) -> int:
        if term.is_Number:
            return 2
        return 1 if term.could_extract_minus_sign() else 0

    return sorted(terms, key=rank)


def slashed(p: SymparamsLatexPrinter) -> SymparamsLatexPrinter:
    r"""The same printer writing floors as ``\lfloor (n - k) / s \rfloor`` (for text)."""
    keep = {k: v for k, v in p._settings.items() if k in SymparamsLatexPrinter._default_settings}
    return SymparamsLatexPrinter({**keep, "slash_floors": True})


def printer(**settings: Any) -> SymparamsLatexPrinter:
    """A printer for the export options (``symbol_names``, ``mul_symbol``, …)."""
    known = {k: v for k, v in settings.items()
             if k in SymparamsLatexPrinter._default_settings and v is not None}
    if "mul_symbol" in settings:
        known["mul_symbol"] = settings["mul_symbol"]
    return SymparamsLatexPrinter(known)


def layer_params_expr(row) -> sp.Expr:
    """A row's parameter count with common factors taken out: ``c_1 (k_1^2 l + 1)``."""
    return sp.factor_terms(row.params)


def total_terms(derivation) -> list[tuple[str, sp.Expr]]:
    """(layer name, parameters) of every row with parameters, in layer order."""
    return [(r.name, layer_params_expr(r)) for r in derivation.rows if r.params != 0]


def shape_tex(shape, p: SymparamsLatexPrinter, times: str = r" \times ") -> str:
    """``(n - k_{1} + 1) \\times (n - k_{1} + 1) \\times c_{1}`` (``times`` between the
    sizes)."""
    parts = []
    for dim in shape.dims():
        tex = p.doprint(dim)
        parts.append(p._add_parens(tex) if isinstance(dim, sp.Add) and shape.rank else tex)
    return times.join(parts)


def visible_length(tex: str) -> int:
    """Roughly how many characters ``tex`` shows: commands, braces and spaces dropped."""
    return len(re.sub(r"\\[A-Za-z]+|\\.|[{}\s^_]", "", tex))


LINE_WIDTH = 50
"""How many characters of formula (as :func:`visible_length` counts them) fit a line of
a one-column ``article`` (345 pt, with room for an equation number): the default
``width`` of :func:`to_latex`.  About 25 suits a column of a two-column paper."""


def total_lines(derivation, p: SymparamsLatexPrinter, symbol: str = "P",
                width: int = LINE_WIDTH,
                values: Mapping[str, Any] | None = None) -> list[str]:
    """``P = (terms in layer order) [= value]`` as lines of at most about ``width``
    characters, broken at ``+`` signs: one line, or alignment rows (``P = {} & …``,
    ``& + …``, ``& = value``)."""
    terms = [t for _, t in total_terms(derivation)] or [sp.Integer(0)]
    groups: list[list[sp.Expr]] = [[]]
    used = 0
    for term in terms:
        size = visible_length(p.doprint(term)) + 3  # and the " + " before it
        if groups[-1] and used + size > width:
            groups.append([])
            used = 0
        groups[-1].append(term)
        used += size
    lines = [p.doprint(LayerSum(*g)) for g in groups]
    numeric = _numeric_total(derivation, values)
    value = None if numeric is None else p.doprint(sp.Integer(numeric))
    if value == lines[-1] and len(lines) == 1:
        value = None
    if len(lines) == 1:
        return [f"{symbol} = {lines[0]}" + (f" = {value}" if value else "")]
    out = [rf"{symbol} = {{}} & {lines[0]}"] + [f"& + {line}" for line in lines[1:]]
    return out + [f"& = {value}"] if value else out


def total_tex(derivation, p: SymparamsLatexPrinter, symbol: str = "P",
              width: int = LINE_WIDTH,
              values: Mapping[str, Any] | None = None) -> str:
    """The total of :func:`total_lines`, in a ``split`` when it is several lines."""
    lines = total_lines(derivation, p, symbol, width, values)
    if len(lines) == 1:
        return lines[0]
    return "\\begin{split}\n" + " \\\\\n".join(lines) + "\n\\end{split}"


SPLIT_LINES = 12
"""A total of more lines is an ``align`` that may break across pages (a ``split`` cannot)."""


def _numeric_total(derivation, values) -> int | None:
    d = derivation.subs(values) if values else derivation
    return int(d.total) if d.total.is_Integer else None


def equation(derivation, p: SymparamsLatexPrinter | None = None, symbol: str = "P",
             values: Mapping[str, Any] | None = None, width: int = LINE_WIDTH) -> str:
    """The total as an ``equation`` environment, broken at ``+`` into lines of about
    ``width`` characters when longer."""
    p = p or printer()
    lines = total_lines(derivation, p, symbol, width, values)
    if len(lines) > SPLIT_LINES:  # one number, on the last line; page breaks allowed
        rows = [line + r" \nonumber" for line in lines[:-1]] + lines[-1:]
        return "{\\allowdisplaybreaks\n\\begin{align}\n" + " \\\\\n".join(rows) + \
            "\n\\end{align}}\n"
    return "\\begin{equation}\n" + total_tex(derivation, p, symbol, width, values) + \
        "\n\\end{equation}\n"


def align(derivation, p: SymparamsLatexPrinter | None = None, symbol: str = "P",
          values: Mapping[str, Any] | None = None, width: int = LINE_WIDTH) -> str:
    """Per-layer parameters in ``align*``: the formula, then, once numbers are known, the
    numbers put into the textbook formula and the value (each ``= …`` on a line of its
    own when together they are longer than ``width`` characters)."""
    from symparams.export.worked import parameter_working

    p = p or printer()
    numeric = derivation.subs(values) if values else derivation
    lines = []
    for row, nrow in zip(derivation.rows, numeric.rows):
        if row.params == 0:
            continue
        parts = [] if row.params.is_Integer else [p.doprint(layer_params_expr(row))]
        if nrow.params.is_Integer:
            for tex in (parameter_working(nrow), p.doprint(nrow.params)):
                if tex and (not parts or tex != parts[-1]):  # a block has no working of its own
                    parts.append(tex)
        lhs = rf"{symbol}_{{\text{{{tex_escape(row.name)}}}}}"
        lines.append(_equalities(lhs, parts, width))
    names = [rf"{symbol}_{{\text{{{tex_escape(r.name)}}}}}" for r in derivation.rows if r.params != 0]
    if len(names) > 1:
        total = " + ".join(names)
        if len(names) > 4 or visible_length(total) + 4 > width:
            total = rf"{names[0]} + \dots + {names[-1]}"
        value = _numeric_total(derivation, values)
        lines.append(_equalities(symbol, [total] + ([p.doprint(sp.Integer(value))]
                                                    if value is not None else []), width))
    if not lines:
        lines.append(rf"{symbol} &= 0")
    tex = "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}\n"
    # taller than a page unless it may break across pages
    return "{\\allowdisplaybreaks\n" + tex.rstrip("\n") + "}\n" if len(lines) > SPLIT_LINES \
        else tex


def _equalities(lhs: str, parts: list[str], width: int) -> str:
    """``lhs &= a = b = c``, or one ``&= …`` per line when that is longer than ``width``."""
    if visible_length(lhs) + sum(visible_length(x) + 3 for x in parts) <= width:
        return rf"{lhs} &= " + " = ".join(parts)
    return rf"{lhs} &= " + " \\\\\n&= ".join(parts)


ROWS_PER_PAGE = 40
"""A table with more rows than this is a ``longtable`` (or ``xltabular``) that breaks
across pages; a ``tabular`` cannot."""

COLUMN_WIDTH = 40
"""A ``width`` below this is a column of a two-column page, where LaTeX's ``longtable``
cannot be used: a table there stays a ``tabular``/``tabularx`` (a very tall one belongs
in a ``table*`` at the full width, or between ``\\onecolumn`` and ``\\twocolumn``)."""


WRAP_TIMES = r" \times\allowbreak "
"""Between the sizes of a shape in a wrapping table: a break there costs nothing, one at
a ``+`` or ``-`` inside a size costs more (:data:`WRAP_CELL`)."""

WRAP_CELL = r"\binoppenalty=3000\relax"

FONT_STEPS = (("", 1.0), (r"\small", 1.1), (r"\footnotesize", 1.25), (r"\scriptsize", 1.45))
"""Type sizes a wrapping table may step down to, and how many more characters a line
then holds: the first whose line holds the numbers that no break can split."""

LONG_NAME = 20
"""Layer names longer than this (``mixed_5b.branch3x3dbl_2``) wrap after ``_`` and ``.`` in a
wrapping table; shorter ones keep their column."""


@dataclass
class Table:
    """A table's LaTeX and the packages it needs beyond amsmath and booktabs."""

    tex: str
    packages: tuple[str, ...] = ()
    long: bool = False


def table(derivation, p: SymparamsLatexPrinter | None = None, symbol: str = "P",
          costs: Any = None, cost_options: dict | None = None, width: int = LINE_WIDTH,
          caption: str | None = None, label: str | None = None) -> Table:
    """A booktabs table: layer, kind, output shape (channels last), parameters, the
    total, and trainable / non-trainable when they differ from the total; ``costs``
    (``("macs", "activations")``) adds their columns and totals.

    Its layout fits a line of ``width`` characters: a ``tabular`` when the widest row
    does, else a ``tabularx`` as wide as the line whose formula columns wrap (at
    ``\\times``, ``+`` and ``-``), each as wide as its longest cell asks; past
    :data:`ROWS_PER_PAGE` rows a ``longtable`` (``xltabular`` when it wraps) whose head
    repeats on every page.  ``caption``/``label`` put it in a ``table`` float (a long
    table carries them itself)."""
    from symparams.export.costs import (cost_names, headings, input_values, row_values,
                                        total_values)

    p = slashed(p or printer())
    d = derivation
    names = cost_names(costs)
    head = ["Layer", "Kind", "Output shape", "Parameters", *headings(names)]
    def rows_with(times: str) -> list[list[str]]:
        rows = [["input", "input", f"${shape_tex(d.input_shape, p, times)}$", "$0$",
                 *(f"${p.doprint(v)}$" for v in input_values(d, names, cost_options))]]
        for r in d.rows:
            rows.append([tex_escape(r.name), tex_escape(r.kind),
                         f"${shape_tex(r.output_shape, p, times)}$",
                         f"${p.doprint(layer_params_expr(r))}$",
                         *(f"${p.doprint(sp.factor_terms(v))}$"
                           for v in row_values(r, names, cost_options))])
        return rows

    rows = rows_with(r" \times ")
    # a symbolic total is the equation's P; written out here it would widen the table
    total = p.doprint(d.total) if d.total.is_Integer else symbol
    foot = [("Total", [f"${total}$", *(f"${p.doprint(sp.factor_terms(v))}$"
                                      for _, v in total_values(d, names, cost_options))])]
    if d.non_trainable != 0:
        blanks = [""] * len(names)
        foot += [("Trainable", [f"${p.doprint(sp.factor_terms(d.trainable))}$", *blanks]),
                 ("Non-trainable", [f"${p.doprint(sp.factor_terms(d.non_trainable))}$", *blanks])]
    lengths = [max(visible_length(row[i]) for row in [head, *rows]) for i in range(len(head))]
    wraps = sum(lengths) + 2 * (len(head) - 1) > width
    lines = len(rows)
    if wraps:
        rows = rows_with(WRAP_TIMES)
        for row in rows:  # a name may break after its _ and . (TeX cannot hyphenate it)
            row[0] = _breakable(row[0])
        # the shape and formula columns share the line (and long dotted layer names), each
        # in proportion to its longest cell, none too narrow for its head or for the
        # longest piece of a cell that no break can split (a number)
        wrapping = [0] * (lengths[0] > LONG_NAME) + [*range(2, len(head))]
        cells = {i: [row[i] for row in rows] + [c[i - 3] for _, c in foot if i >= 3]
                 for i in wrapping}
        minimum = {i: max(*map(_unbreakable, cells[i]), *map(len, head[i].split())) + 1
                   for i in wrapping}
        available = max(width - sum(n for i, n in enumerate(lengths) if i not in cells)
                        - 2 * (len(head) - 1), 1)
        # numbers that cannot fit even one to a line: a smaller type, as papers do
        for size_command, scale in FONT_STEPS:
            if sum(minimum.values()) <= available * scale:
                break
        font, available = size_command, available * scale
        mean = sum(lengths[i] for i in wrapping) / len(wrapping)
        share = {i: max(lengths[i], 0.8 * mean) for i in wrapping}
        for _ in range(4):  # widen a column whose part of the line is below its minimum
            total = sum(share.values())
            share = {i: max(w, minimum[i] * total / available) for i, w in share.items()}
        total = sum(share.values())
        chars = {i: max(share[i] / total * available, 1) for i in share}
        # rows of several lines: a table taller than a page must be able to break
        lines = sum(max(-(-visible_length(row[i]) // int(chars[i])) for i in share)
                    for row in rows)
        mean = total / len(share)
        columns = "".join(
            "l" if i not in share else
            rf">{{\hsize={share[i] / mean:.2f}\hsize\{'raggedright' if i < 3 else 'raggedleft'}"
            rf"\arraybackslash{WRAP_CELL}}}X" for i in range(len(head)))
        # a heading may hyphenate (TeX never hyphenates a paragraph's first word)
        head = [rf"\hspace{{0pt}}{h}" if i in share else h for i, h in enumerate(head)]
    else:
        font = ""
        columns = "ll" + "l" + "r" * (len(head) - 3)  # numbers right-aligned
    # longtable cannot be used in a column of a two-column page
    long = lines > ROWS_PER_PAGE and width >= COLUMN_WIDTH
    line = lambda cells: " & ".join(cells) + r" \\"  # noqa: E731
    body = [line(row) for row in rows]
    footer = [line([rf"\multicolumn{{3}}{{@{{}}l}}{{{what}}}", *cells]) for what, cells in foot]
    environment, size = (("xltabular", r"{\linewidth}") if wraps else ("longtable", "")) \
        if long else (("tabularx", r"{\linewidth}") if wraps else ("tabular", ""))
    top = [rf"\begin{{{environment}}}{size}{{@{{}}{columns}@{{}}}}"]
    if long:  # the caption once, the head again on every page
        if caption is not None or label is not None:
            top.append(_caption(caption, label) + r" \\")
        top += [r"\toprule", line(head), r"\midrule", r"\endfirsthead",
                r"\toprule", line(head), r"\midrule", r"\endhead",
                r"\bottomrule", r"\endfoot"]
        bottom = [r"\midrule", *footer, rf"\end{{{environment}}}"]
    else:
        top += [r"\toprule", line(head), r"\midrule"]
        bottom = [r"\midrule", *footer, r"\bottomrule", rf"\end{{{environment}}}"]
    tex = "\n".join(top + body + bottom) + "\n"
    packages = tuple(x for x, used in (("array", wraps), ("tabularx", wraps and not long),
                                       ("longtable", long), ("xltabular", wraps and long))
                     if used)
    if not long:
        if caption is not None or label is not None:
            tex = "\n".join([r"\begin{table}[ht]", r"\centering" + font, tex.rstrip("\n"),
                             _caption(caption, label), r"\end{table}"]) + "\n"
        else:
            tex = "\\begin{center}" + font + "\n" + tex + "\\end{center}\n"
    elif font:
        tex = "{" + font + "\n" + tex + "}\n"
    return Table(tex, packages, long)


def _unbreakable(tex: str) -> int:
    """The visible length of the longest piece of a cell that TeX cannot break: between
    the breaks of a wrapping table (``\\allowbreak``, ``+``, ``-`` and spaces of text)."""
    pieces = re.split(r"\\allowbreak(?:\{\})?| [+-] | (?![^$]*\$)", tex)
    return max((visible_length(piece.replace("$", "")) for piece in pieces), default=0)


def _breakable(tex: str) -> str:
    """Escaped text with a break allowed after each ``\\_`` and inner ``.``."""
    return re.sub(r"\.(?=\S)", r".\\allowbreak{}", tex.replace(r"\_", r"\_\allowbreak{}"))


def _the(text: str) -> str:
    """``the kernel size of conv1``, but ``in the repeat count of repeat1`` and ``used in
    the number of filters of conv0; …`` as they are; a break allowed after ``_`` and ``.``
    of names (``position_embeddings``), which TeX cannot hyphenate."""
    text = _breakable(tex_escape(text))
    return text if text.startswith(("in the ", "used in ")) else f"the {text}"


def legend(derivation, p: SymparamsLatexPrinter | None = None, symbol: str = "P") -> str:
    """``where $P$ is the number of parameters, $n$ the input height and width, …``."""
    p = p or printer()
    d = derivation
    items = [(s, text) for s, text in d.legend if s in d.free_symbols]
    if not items:
        return ""
    first, *rest = items
    parts = [f"${symbol}$ is the number of parameters",
             f"${p.doprint(first[0])}$ {_the(first[1])}"]
    parts += [f"${p.doprint(s)}$ {_the(text)}" for s, text in rest]
    listing = ", ".join(parts[:-1]) + (", and " if len(parts) > 2 else " and ") + parts[-1]
    return f"where {listing}.\n"


def conditions(derivation, p: SymparamsLatexPrinter | None = None) -> str:
    """The validity conditions not yet decided, one per line, with the layer."""
    p = slashed(p or printer())
    if not derivation.conditions:
        return ""
    # the reasons quote sizes in sympy's plain text, so only the layer is named
    items = [rf"  \item ${p.doprint(c.relation)}$ ({tex_escape(c.tag)})"
             for c in derivation.conditions]
    return "The formulas hold when\n\\begin{itemize}\n" + "\n".join(items) + \
        "\n\\end{itemize}\n"


PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[utf8]{inputenc}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath}
\usepackage{booktabs}
"""

CONVENTION_TEXT = {
    "pytorch": "PyTorch convention: batch-norm running statistics are buffers, not parameters.",
    "keras": "Keras convention: batch-norm running statistics are non-trainable parameters.",
}


@register_format("latex")
def to_latex(derivation, *, standalone: bool = False, worked: bool = False,
             values: Mapping[str, Any] | None = None, symbol: str = "P",
             mul_symbol: str | None = None, symbol_names: Mapping[str, str] | None = None,
             costs: Any = None, cost_options: dict | None = None, caption: str | None = None,
             label: str | None = None, width: int = LINE_WIDTH, **_options: Any) -> str:
    """The equation, the table, the per-layer ``align*``, the legend and the conditions;
    ``costs`` adds cost columns to the table (and their convention below it);
    ``caption`` and ``label`` put the table in a ``table`` float;
    ``width``: how many characters of formula fit a line (:data:`LINE_WIDTH`, a
    one-column article; about 30 for a column of a two-column paper): the total breaks
    at ``+`` signs into lines this long, and a wider table wraps its cells (:func:`table`);
    ``worked=True`` adds the worked solution (it needs numbers: ``values`` or a numeric
    derivation); ``standalone=True`` wraps it all in a document that compiles."""
    p = printer(mul_symbol=mul_symbol, symbol_names=symbol_names)
    d = derivation
    tab = table(d, p, symbol, costs, cost_options, width, caption, label)
    batch_norm = any(r.kind == "batchnorm" for r in d.all_rows())
    parts = ([] if standalone else [fragment_note(tab.packages)]) + [
             equation(d, p, symbol, values, width), legend(d, p, symbol), tab.tex,
             align(d, p, symbol, values, width),
             CONVENTION_TEXT[d.convention] + "\n" if batch_norm else "",
             _cost_note(costs, cost_options),
             conditions(d, p)]
    if worked:
        from symparams.export.worked import worked_latex

        from symparams.export.costs import cost_names

        parts.append(worked_latex(d.subs(values) if values else d, mul_symbol=mul_symbol,
                                  costs=("macs",) if "macs" in cost_names(costs) else None))
    body = "\n".join(x for x in parts if x)
    if not standalone:
        return body
    title = rf"\section*{{{tex_escape(d.network.name)}}}" + "\n" if d.network.name else ""
    packages = "".join(f"\\usepackage{{{name}}}\n" for name in tab.packages)
    return PREAMBLE + packages + "\\begin{document}\n" + title + body + "\\end{document}\n"


def fragment_note(packages: tuple[str, ...] = ()) -> str:
    """The comment heading a fragment: the packages its preamble needs."""
    names = ("amsmath", "booktabs", *packages)
    listed = ", ".join(rf"\usepackage{{{n}}}" for n in names[:-1]) + \
        rf" and \usepackage{{{names[-1]}}}"
    return f"% symparams: this fragment needs {listed} in the preamble\n"


def _caption(caption: str | None, label: str | None) -> str:
    """``\\caption{…}`` (user text, escaped) and ``\\label{…}`` (letters, digits and
    ``:-_.`` only)."""
    out = ""
    if caption is not None:
        out += rf"\caption{{{tex_escape(caption)}}}"
    if label is not None:
        if not label or not all(c.isascii() and (c.isalnum() or c in ":-_.") for c in label):
            raise SpecError(f"a LaTeX label is letters, digits and : - _ . only, got "
                            f"{quote(label)}")
        out += rf"\label{{{label}}}"
    return out


def _cost_note(costs: Any, options: dict | None) -> str:
    from symparams.export.costs import convention, cost_names

    names = cost_names(costs)
    return f"Costs: {tex_escape(convention(names, options or {}))}.\n" if names else ""


provide("latex")(to_latex)
provide("total_latex")(lambda derivation: total_tex(derivation, printer()))
