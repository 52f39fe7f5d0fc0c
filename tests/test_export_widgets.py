"""Issue 14, item 6: ``d.explore()``, the explorer's controls as ipywidgets.

The widget is driven as a notebook user would, but from Python (no frontend): values
are set on the sliders and number boxes, and the table, the total and the plot are read
back from the HTML widgets and compared with integers computed independently (plain
arithmetic written here, ``tests/reference.py``, the zoo's published totals)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from html.parser import HTMLParser

import pytest
import sympy as sp

import symparams
from symparams.cli import load_spec
from symparams.core.errors import NotSupportedError, SpecError, printable
from symparams.core.network import Network
from symparams.export.widgets import Evaluator, plot_points
from symparams.layers import Conv, Dense, Input, Pool
from symparams.zoo import entries
from tests import reference as ref


@pytest.fixture(scope="module")
def w():
    """ipywidgets: skip without it, but fail under CI=true (the test extra installs it)."""
    try:
        import ipywidgets
    except ImportError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("ipywidgets is missing under CI=true (pip install -e '.[test]')")
        pytest.skip("ipywidgets not installed (pip install 'symparams[jupyter]')")
    return ipywidgets


class Shown(HTMLParser):
    """What the table widget shows: the state, the status text, the total, the input
    row and every layer row's cells (their ``data-value`` and text)."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.state = None
        self.status = ""
        self.total: str | None = None
        self.total_text = ""
        self.rows: dict[str, dict[str, tuple[str | None, str]]] = {}
        self.order: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.texts: list[str] = []
        self._row: str | None = None
        self._cell: tuple[str, str | None] | None = None
        self._in_status = 0
        self._in_total = False
        self.feed(source)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "div" and "class" in a and "symparams-explore" in a["class"]:
            self.state = a["data-state"]
        elif tag == "div" and a.get("data-state") == "invalid":
            self._in_status = 1
        elif self._in_status and tag == "div":
            self._in_status += 1
        if tag == "tr" and "data-layer" in a:
            self._row = a["data-layer"]
            self.order.append(self._row)
            self.rows[self._row] = {}
        elif tag == "tr" and "data-input" in a:
            self._row = "\0input"
            self.rows[self._row] = {}
        if tag == "td" and self._row is not None and "data-col" in a:
            self._cell = (a["data-col"], a.get("data-value"))
            self.rows[self._row][a["data-col"]] = (a.get("data-value"), "")
        if tag == "span" and a.get("data-col") == "total":
            self.total = a.get("data-value")
            self._in_total = True

    def handle_endtag(self, tag):
        if tag == "td":
            self._cell = None
        elif tag == "tr":
            self._row = None
        elif tag == "span":
            self._in_total = False
        elif tag == "div" and self._in_status:
            self._in_status -= 1

    def handle_data(self, data):
        self.texts.append(data)
        if self._in_status:
            self.status += data
        if self._in_total:
            self.total_text += data
        if self._cell is not None and self._row is not None:
            col, value = self._cell
            self.rows[self._row][col] = (value, self.rows[self._row][col][1] + data)

    def numbers(self) -> list[tuple[tuple[int, ...], int]]:
        """Every layer's (output shape, parameters) from the cells' ``data-value``."""
        out = []
        for name in self.order:
            shape, params = self.rows[name]["shape"][0], self.rows[name]["params"][0]
            assert shape is not None and params is not None, name
            out.append((tuple(int(x) for x in shape.split("x")), int(params)))
        return out


def shown(explorer) -> Shown:
    return Shown(explorer.table.value)


def set_values(explorer, values: dict[str, int], via: str = "box") -> None:
    for name, v in values.items():
        getattr(explorer, "sliders" if via == "slider" else "boxes")[name].value = v


def assert_valid(explorer, want_rows, want_total: int) -> Shown:
    """The table shows exactly these rows and this total (also as grouped text)."""
    s = shown(explorer)
    assert s.state == "valid" and not s.status, s.status
    assert s.numbers() == want_rows
    assert s.total == str(want_total) and s.total_text == str(want_total)
    for (dims, params), name in zip(want_rows, s.order):
        assert s.rows[name]["params"][1] == f"{params:,}"
        assert s.rows[name]["shape"][1] == " \u00d7 ".join(f"{x:,}" for x in dims)
    return s


def assert_invalid(explorer) -> Shown:
    """No number anywhere: no total, no shape, no parameter count."""
    s = shown(explorer)
    assert s.state == "invalid" and s.status
    assert s.total is None and s.total_text == "\u2014"
    for name in s.order:
        assert s.rows[name]["shape"] == (None, "\u2014")
        assert s.rows[name]["params"] == (None, "\u2014")
    return s


# -- I-C-P-C-P-H-O, by hand ----------------------------------------------------------------
def icpcpho(v: dict[str, int]):
    """Rows of I(n x n x l)-C(c1,k1)-P(q1)-C(c2,k2)-P(q2)-H(h1)-O(o) in plain integers,
    or None when a layer does not fit (PyTorch: an output size below 1)."""
    a = v["n"] - v["k1"] + 1
    b = a // v["q1"]
    c = b - v["k2"] + 1
    e = c // v["q2"]
    if min(a, b, c, e) < 1:
        return None
    flat = e * e * v["c2"]
    rows = [((a, a, v["c1"]), v["k1"] ** 2 * v["l"] * v["c1"] + v["c1"]),
            ((b, b, v["c1"]), 0),
            ((c, c, v["c2"]), v["k2"] ** 2 * v["c1"] * v["c2"] + v["c2"]),
            ((e, e, v["c2"]), 0),
            ((flat,), 0),
            ((v["h1"],), flat * v["h1"] + v["h1"]),
            ((v["o"],), v["h1"] * v["o"] + v["o"])]
    return rows, sum(p for _, p in rows)


def test_icpcpho_matches_plain_arithmetic(w) -> None:
    d = symparams.parse("I-C-P-C-P-H-O").derive()
    e = d.explore()
    assert set(e.sliders) == set(e.boxes) == set(d.symbols)
    # the Lasagne MNIST network: 28x28x1, 32 5x5 filters, 2x2 pools, 256 hidden, 10 out
    lasagne = {"n": 28, "l": 1, "c1": 32, "k1": 5, "q1": 2, "c2": 32, "k2": 5, "q2": 2,
               "h1": 256, "o": 10}
    set_values(e, lasagne, via="slider")
    rows, total = icpcpho(lasagne)
    assert total == 160_362
    assert_valid(e, rows, total)
    rng = random.Random(14)
    valid = invalid = 0
    for i in range(60):
        v = {name: rng.randint(1, 9) for name in d.symbols}
        v["n"] = rng.randint(1, 80)
        if i % 5 == 4:  # far beyond the slider, and beyond 2**53
            v["n"] = rng.randrange(2 ** 60, 2 ** 90)
            v["h1"] = rng.randrange(2 ** 54, 2 ** 70)
        set_values(e, v)
        want = icpcpho(v)
        if want is None:
            assert_invalid(e)
            invalid += 1
        else:
            assert_valid(e, *want)
            valid += 1
        assert e.values() == v
    assert valid >= 15 and invalid >= 5


def test_input_row_and_numbers_as_text(w) -> None:
    d = symparams.parse("I(n x m x 3)-C(8,3)-F-O(10)").derive()
    e = d.explore()
    set_values(e, {"n": 1234, "m": 5})
    s = assert_valid(e, [((1232, 3, 8), 224), ((1232 * 3 * 8,), 0),
                         ((10,), 1232 * 3 * 8 * 10 + 10)], 224 + 295_690)
    assert s.rows["\0input"]["shape"] == ("1234x5x3", "1,234 \u00d7 5 \u00d7 3")
    assert "\u2248" not in "".join(s.texts)  # below a million: no approximation
    set_values(e, {"n": 10 ** 6})
    assert "239999754 \u2248 239.9 million" in "".join(shown(e).texts)  # truncated, as the page


# -- a ceil_mode pool, strides, padding, dilation, 'same', batch norm -------------------------
CEIL = ("I(n x n x l)-C(c1,k1,s=s1,p=p1,d=d1)-P(q1,s=t1,p=r1,ceil=true)"
        "-C(c2,k2,s=s2,p=same)-B-A(relu)-F-H(h)")


def ceil_reference(v: dict[str, int], convention: str):
    layers = [("conv", {"filters": v["c1"], "kernel": (v["k1"],) * 2, "stride": (v["s1"],) * 2,
                        "padding": (v["p1"],) * 2, "dilation": (v["d1"],) * 2, "groups": 1,
                        "bias": True}),
              ("pool", {"kernel": (v["q1"],) * 2, "stride": (v["t1"],) * 2,
                        "padding": (v["r1"],) * 2, "ceil": True, "mode": "max"}),
              ("conv", {"filters": v["c2"], "kernel": (v["k2"],) * 2, "stride": (v["s2"],) * 2,
                        "padding": "same", "dilation": (1, 1), "groups": 1, "bias": True}),
              ("bn", {}), ("act", {}), ("flatten", {}), ("dense", {"units": v["h"], "bias": True})]
    return ref.network((v["n"], v["n"]), v["l"], layers, convention)


@pytest.mark.parametrize("convention", ["pytorch", "keras"])
def test_ceil_mode_pool_matches_reference(w, convention: str) -> None:
    d = symparams.parse(CEIL).derive(convention=convention)
    e = d.explore()
    small = {"k1": 7, "k2": 7, "s1": 4, "s2": 4, "t1": 4, "p1": 4, "r1": 3, "d1": 3, "q1": 5}
    rng = random.Random(convention)
    counts = [0, 0]
    for i in range(80):
        v = {}
        for name, sym in d.symbols.items():
            low = 1 if sym.is_positive else 0
            v[name] = rng.randint(low, small[name]) if name in small else rng.randint(1, 40)
        if i % 4 == 3:
            v["n"] = rng.randrange(2 ** 53, 2 ** 80)
        set_values(e, v, via="box" if i % 2 else "slider")
        if i % 2 == 0:  # sliders clamp to their range: what they hold is what counts
            v = e.values()
        try:
            want = ceil_reference(v, convention)
        except ref.Refused:
            assert_invalid(e)
            counts[1] += 1
            continue
        rows = [(dims, t + f) for dims, t, f in want]
        assert_valid(e, rows, sum(p for _, p in rows))
        split = shown(e)
        if convention == "keras":  # batch norm's moving statistics: non-trainable
            nt = sum(f for _, _, f in want)
            assert nt > 0 and f"non-trainable {nt:,}" in "".join(split.texts)
        counts[0] += 1
    assert counts[0] >= 15 and counts[1] >= 5, counts


# -- the zoo ---------------------------------------------------------------------------------
def test_resnet_family_gives_the_published_totals(w) -> None:
    family = load_spec("resnet_basic")
    e = family.explore()
    for key in ("resnet18", "resnet34"):
        entry = entries()[key]
        set_values(e, entry.values, via="slider")
        assert e.values() == entry.values
        done = family.subs(entry.values)
        rows = [(tuple(int(x) for x in r.output_shape.dims()), int(r.params)) for r in done.rows]
        assert_valid(e, rows, entry.total)
        assert entry.total == family.evaluate(entry.values)
    # the published layer figures of ResNet-18
    set_values(e, entries()["resnet18"].values)
    s = shown(e)
    assert s.rows["layer2"]["params"] == ("230144", "230,144")
    assert s.rows["maxpool1"]["shape"][0] == "56x56x64"
    assert "\u2248 11.6 million" in "".join(s.texts)


def test_zoo_entry_without_symbols(w) -> None:
    d = load_spec("resnet18")
    assert not d.symbols
    e = d.explore()
    assert e.sliders == {} and e.values() == {}
    rows = [(tuple(int(x) for x in r.output_shape.dims()), int(r.params)) for r in d.rows]
    assert_valid(e, rows, 11_689_512)
    assert e.plot.value == ""


@pytest.mark.parametrize("key", ["mobilenet_v2", "densenet121", "squeezenet1_1",
                                 "general_icpcpho"])
def test_zoo_families_equal_subs(w, key: str) -> None:
    """At the first values and at random ones, the widget equals the derivation
    re-derived at those values (``subs``) or is invalid where ``valid`` says so."""
    d = load_spec(key)
    e = d.explore()
    rng = random.Random(key)
    for i in range(4):
        if i:
            v = {}
            for name in d.symbols:
                s = e.sliders[name]
                v[name] = rng.randint(s.min, s.max if i % 2 else min(s.max, 12))
            set_values(e, v)
        v = e.values()
        if not d.valid(v):
            assert_invalid(e)
            continue
        done = d.subs(v)
        rows = [(tuple(int(x) for x in r.output_shape.dims()), int(r.params)) for r in done.rows]
        assert_valid(e, rows, d.evaluate(v))


# -- controls --------------------------------------------------------------------------------
def test_slider_and_box_stay_in_sync(w) -> None:
    d = symparams.parse("I-C-P-C-P-H-O").derive()
    e = d.explore(ranges={"n": (8, 64, 28)})
    n_slider, n_box = e.sliders["n"], e.boxes["n"]
    assert (n_slider.min, n_slider.max, n_slider.value, n_box.value) == (8, 64, 28, 28)
    n_slider.value = 40
    assert n_box.value == 40 and e.values()["n"] == 40
    n_box.value = 33
    assert n_slider.value == 33
    n_box.value = 10 ** 20  # beyond the slider: the slider stays at its end, the box counts
    assert n_slider.value == 64 and n_box.value == 10 ** 20 and e.values()["n"] == 10 ** 20
    assert shown(e).rows["conv2d1"]["shape"][0].startswith(str(10 ** 20 - 2))
    n_box.value = 3  # below the slider
    assert n_slider.value == 8 and n_box.value == 3
    n_slider.value = 50
    assert n_box.value == 50
    for name in d.symbols:  # every pair, both ways
        s, b = e.sliders[name], e.boxes[name]
        s.value = s.max
        assert b.value == s.max
        b.value = s.min
        assert s.value == s.min


def test_first_values_and_ranges_are_the_pages(w) -> None:
    from symparams.export.html import slider_ranges

    d = load_spec("resnet_basic")
    e = d.explore()
    for name, (low, high, start) in slider_ranges(d).items():
        s = e.sliders[name]
        assert (s.min, s.max, s.value) == (low, high, start)
        assert e.boxes[name].value == start
    e = d.explore(ranges={"n": "32:512:224"}, values={"L1": 2})
    assert e.values()["n"] == 224 and e.values()["L1"] == 2
    with pytest.raises(SpecError, match="unknown symbol"):
        d.explore(ranges={"nope": (1, 2)})
    with pytest.raises(SpecError, match="plot"):
        d.explore(plot="nope")


def test_invalid_configuration_names_the_condition(w) -> None:
    d = symparams.parse("I-C-P-C-P-H-O").derive()
    e = d.explore()
    v = {"n": 6, "k1": 5, "q1": 3}
    set_values(e, v, via="slider")
    assert not d.valid(e.values())
    s = assert_invalid(e)
    point = {d.symbols[k]: sp.Integer(x) for k, x in e.values().items()}
    failing = [c for c in d.conditions if c.relation.xreplace(point) == sp.false]
    assert failing
    for c in failing:
        assert c.reason in s.status and c.layer in s.status
    assert "Invalid configuration" in s.status
    # back to a valid one: the numbers return
    set_values(e, {"n": 28, "k1": 5, "q1": 2, "k2": 5, "q2": 2})
    assert shown(e).state == "valid"
    # a number box below the symbol's least value
    e.boxes["n"].value = 0
    assert "n must be at least 1" in assert_invalid(e).status
    e.boxes["n"].value = -5
    assert "n must be at least 1" in assert_invalid(e).status


def test_numbers_too_long_to_print(w) -> None:
    """Python refuses to print ints beyond sys.get_int_max_str_digits(): the widget says
    so instead of failing inside an observer."""
    d = symparams.parse("I(n x n x 1)-C(c,3)-F-O(10)").derive()
    e = d.explore(plot="c")
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(640)
    try:
        e.boxes["n"].value = 10 ** 400  # the flatten layer has about 800 digits
        assert "too long to show" in assert_invalid(e).status
        assert "too long to plot" in e.plot.value
    finally:
        sys.set_int_max_str_digits(limit)
    e.boxes["n"].value = 10 ** 400 + 1  # a change: the widget recomputes
    n, c = 10 ** 400 + 1, e.values()["c"]  # (evaluate refuses input sizes of over 60 digits)
    assert shown(e).total == str(10 * c + 10 * (n - 2) ** 2 * c + 10)
    assert e.plot.value.startswith("<svg")


def test_plot_is_exact_svg_against_the_chosen_symbol(w) -> None:
    d = symparams.parse("I-C-P-C-P-H-O").derive()
    e = d.explore(plot="c1")
    assert e.plot_symbol.value == "c1"
    svg = e.plot.value
    assert svg.startswith("<svg") and "<script" not in svg
    assert 'class="total"' in svg and 'class="largest"' in svg
    # the points are the exact totals at every x, the others as set
    v = e.values()
    names = list(d.symbols)
    j = names.index("c1")
    points = plot_points(Evaluator(d), [v[n] for n in names], j, e.sliders["c1"].min,
                         e.sliders["c1"].max)
    assert len(points) <= 122 and points[-1][0] == e.sliders["c1"].max
    for x, total, largest in points[::17]:
        rows, want = icpcpho({**v, "c1": x})
        assert total == want and largest == max(p for _, p in rows)
    # another symbol: the axis names it; invalid points are gaps
    e.plot_symbol.value = "k1"
    assert ">k1</text>" in e.plot.value and ">c1</text>" not in e.plot.value
    set_values(e, {"n": 12, "q1": 2, "k2": 3, "q2": 2})  # valid for k1 <= 5 only
    path = e.plot.value.split('class="total" d="')[1].split('"')[0]
    assert path.count("M") == 1 and path.count("L") == 4  # k1 = 1..5, then a gap
    # nothing valid anywhere
    set_values(e, {"n": 1})
    assert "no valid point" in e.plot.value


# -- names are data --------------------------------------------------------------------------
HOSTILE = ["<script>alert(1)</script>", "</table><img src=x onerror=alert(2)>",
           'quote"d', "it's", "&amp; &lt;", "line\nbreak", "\x1b[31mred", "\u202eright"]


def all_markup(widget) -> str:
    """The markup of every HTML widget in the container, in order."""
    if hasattr(widget, "children"):
        return "\n".join(all_markup(c) for c in widget.children)
    return widget.value if type(widget).__name__ == "HTML" else ""


@pytest.mark.parametrize("i", range(len(HOSTILE)))
def test_hostile_layer_names_are_escaped(w, i: int) -> None:
    names = [HOSTILE[(i + j) % len(HOSTILE)] + (f" {j}" if j else "") for j in range(4)]
    net = Network((Input((sp.Symbol("n"), sp.Symbol("n"), 1)), Conv("c", "k", name=names[0]),
                   Pool(2, name=names[1]), Conv(4, 3, name=names[2]),
                   Dense(10, name=names[3])), HOSTILE[i])
    d = net.derive()
    e = d.explore()
    for state in ("valid", "invalid"):
        if state == "invalid":
            set_values(e, {"n": 6, "k": 3})  # the second conv no longer fits
        markup = all_markup(e)
        parsed = Shown(markup)
        assert parsed.state == state
        assert {t for t, _ in parsed.tags} <= {"div", "p", "i", "span", "b", "h3", "strong",
                                                 "table", "thead", "tbody", "tr", "th", "td",
                                                 "svg", "line", "text", "path"}
        assert not any(k.startswith("on") for _, a in parsed.tags for k in a)
        # data-layer holds each name exactly; the text shows its printable form
        assert [r.name for r in d.rows if r.name in names] == names
        assert parsed.order == [r.name for r in d.rows]
        shown_text = "".join(parsed.texts)
        for name in names + [HOSTILE[i]]:
            assert printable(name) in shown_text
    # the invalid state names the violated condition (the second conv's: the pool's is
    # implied by it), its layer name escaped, shown as text
    point = {d.symbols[k]: sp.Integer(x) for k, x in e.values().items()}
    (failing,) = [c for c in d.conditions if c.relation.xreplace(point) == sp.false]
    assert failing.layer == names[2]
    assert f"({printable(names[2])}: {printable(failing.reason)})" in parsed.status


def test_hostile_symbol_names_through_the_python_api(w) -> None:
    evil = sp.Symbol("<b>x</b>", integer=True, positive=True)
    d = Network((Input((evil, evil, 1)), Conv(4, 3), Dense(10))).derive()
    e = d.explore()
    markup = all_markup(e)
    assert "<b>x</b>" not in markup and "&lt;b&gt;x&lt;/b&gt;" in markup
    assert e.plot_symbol.label == "<b>x</b>"  # ipywidgets puts option labels in textContent
    e.boxes["<b>x</b>"].value = 0
    assert "&lt;b&gt;x&lt;/b&gt; must be at least 1" in e.table.value
    assert "<b>x</b>" not in all_markup(e)


# -- without ipywidgets ----------------------------------------------------------------------
def test_without_ipywidgets_the_error_names_the_extra(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    d = symparams.parse("I-C-P-H-O").derive()
    with pytest.raises(NotSupportedError, match=r"pip install ipywidgets .*pip install -e '\.\[jupyter\]'"):
        d.explore()


def test_import_symparams_does_not_import_ipywidgets() -> None:
    code = ("import sys; sys.modules['ipywidgets'] = None\n"
            "import symparams\n"
            "d = symparams.parse('I-C-O').derive()\n"
            "try:\n    d.explore()\nexcept symparams.NotSupportedError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert "pip install ipywidgets" in out
