"""Issue 14: the self-contained HTML explorer (``--format html``).

- the JavaScript printer's output, unit by unit;
- exactness: the generated BigInt JavaScript, run by node, equals plain Python integer
  arithmetic written here (tests/reference.py, sympy's own exact floors) and
  ``evaluate`` at many random points, huge values (far beyond 2**53) and negative
  numerators included, for stride/padding/dilation, ceil_mode pools, 'same',
  assume_divisible and zoo networks;
- hostile names (a spec file is data): escaped in the markup, carried only as JSON data
  that cannot end its <script> element;
- a real browser (headless Chromium driven by selenium): sliders and boxes recompute
  every row and the total, an invalid configuration names its condition, the URL
  fragment round-trips, the console stays clean.

node, Chromium, chromedriver and selenium are skipped where missing, except under
``CI=true``, where a missing one is a failure (.ci/run installs Chromium).
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sympy as sp

import symparams
from symparams.cli import load_spec, main
from symparams.core.errors import NotSupportedError, ShapeError, SpecError, printable
from symparams.core.network import Network
from symparams.core.shape import CeilDiv, FloorDiv
from symparams.export import FORMATS, render
from symparams.export.html import explorer, javascript, parse_range, role_range, script_json, \
    slider_ranges, to_html
from symparams.export.jscode import JS_HELPERS, BigIntJSPrinter
from symparams.layers import Conv, Dense, Input, Pool
from symparams.zoo import entries
from tests import reference as ref

CI = os.environ.get("CI", "").lower() == "true"
BROWSER_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run")
BIG = 2 ** 53


def required(tool: str) -> str:
    """The path of ``tool``; skip without it, but fail under CI=true."""
    exe = shutil.which(tool)
    if exe is None:
        if CI:
            pytest.fail(f"{tool} is missing under CI=true (.ci/run installs it)")
        pytest.skip(f"{tool} not installed")
    return exe


# -- (a) the printer ---------------------------------------------------------------------
n = sp.Symbol("n", integer=True, positive=True)
s = sp.Symbol("s", integer=True, positive=True)
x = sp.Symbol("x", integer=True)
y = sp.Symbol("y", integer=True)
NAMES = {n: "v[0]", s: "v[1]", x: "v[2]", y: "v[3]"}


@pytest.mark.parametrize("expr, code", [
    (sp.Integer(5), "5n"),
    (sp.Integer(-3), "(-3n)"),
    (sp.Integer(2 ** 80), f"{2 ** 80}n"),
    (n, "v[0]"),
    (n - 4, "((-4n) + v[0])"),
    (n ** 2, "(v[0] ** 2n)"),
    (n - s ** 2, "(v[0] - (v[1] ** 2n))"),
    (FloorDiv(n - 4, 2), "fdiv(((-4n) + v[0]), 2n)"),
    (CeilDiv(n, s), "cdiv(v[0], v[1])"),
    (sp.floor(x / s), "fdiv(v[2], v[1])"),
    (sp.ceiling((x - 1) / 3), "cdiv(((-1n) + v[2]), 3n)"),
    (sp.Mod(x, 7), "fmod(v[2], 7n)"),
    (sp.Max(0, n - 3), "bmax(0n, ((-3n) + v[0]))"),
    (sp.Min(n, s), "bmin(v[0], v[1])"),
    (sp.Piecewise((n, n > s), (s, True)), "(((v[0] - v[1]) > 0n) ? v[0] : v[1])"),
    # a quotient assumed exact (assume_divisible): one division over a common denominator
    ((n - 1) / 2, "fdiv(((-1n) + v[0]), 2n)"),
    ((n - 1) / 2 + (n - 3) / 4, "fdiv(((-5n) + (3n * v[0])), 4n)"),
    (sp.Ge(n + 1, s), "((1n + v[0] - v[1]) >= 0n)"),
    (sp.Lt(x / s, 3), "((v[2] - (3n * v[1])) < 0n)"),
    (sp.Eq(sp.Mod(n + 1, 4), 0), "(fmod((1n + v[0]), 4n) === 0n)"),
    (sp.Ne(n, s), "((v[0] - v[1]) !== 0n)"),
])
def test_printer_output(expr, code) -> None:
    assert BigIntJSPrinter(NAMES).code(expr) == code


def test_printer_is_a_sympy_javascript_printer() -> None:
    from sympy.printing.jscode import JavascriptCodePrinter

    assert issubclass(BigIntJSPrinter, JavascriptCodePrinter)
    assert BigIntJSPrinter(NAMES).doprint(FloorDiv(n, 2)) == "fdiv(v[0], 2n)"


def test_printer_hoists_each_floor_once() -> None:
    inner = FloorDiv(n - 4, 2)
    outer = FloorDiv(inner * s + 1, 3)
    p = BigIntJSPrinter(NAMES, hoist=True)
    codes = [p.code(inner + 1), p.code(outer * s), p.code(outer ** 2)]
    assert p.lines == ["const t0 = fdiv(((-4n) + v[0]), 2n);",
                       "const t1 = fdiv((1n + (v[1] * t0)), 3n);"]
    assert codes == ["(1n + t0)", "(v[1] * t1)", "(t1 ** 2n)"]


@pytest.mark.parametrize("expr", [sp.Float(1.5) * n, sp.sqrt(n), sp.sin(n), sp.Symbol("zz")])
def test_printer_refuses_what_it_cannot_write_exactly(expr) -> None:
    with pytest.raises(NotSupportedError):
        BigIntJSPrinter(NAMES).code(expr)


def test_symbol_names_never_reach_the_code() -> None:
    evil = sp.Symbol('"); alert(1); //</script>', integer=True, positive=True)
    code = BigIntJSPrinter({evil: "v[0]"}).code(FloorDiv(evil + 1, 2))
    assert code == "fdiv((1n + v[0]), 2n)"


# -- (b) exactness with node ----------------------------------------------------------------
NODE_DRIVER = """
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = input.map(p => SYMPARAMS.evaluate(p.map(BigInt)));
process.stdout.write(JSON.stringify(out, (k, v) => typeof v === "bigint" ? v.toString() : v));
"""


def run_node(source: str, data, folder: Path):
    node = required("node")
    path = folder / "run.js"
    path.write_text(source, encoding="utf-8")
    run = subprocess.run([node, str(path)], input=json.dumps(data), capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout)


def node_evaluate(d, points: list[dict[str, int]], folder: Path) -> list[dict]:
    """``SYMPARAMS.evaluate`` of the page's own code at each point."""
    order = list(d.symbols)
    data = [[str(p[name]) for name in order] for p in points]
    return run_node(javascript(d) + NODE_DRIVER, data, folder)


def test_helpers_floor_ceil_mod_for_every_sign(tmp_path: Path) -> None:
    rng = random.Random(14)
    pairs = [(a, b) for a in range(-9, 10) for b in range(-4, 5) if b]
    for _ in range(400):
        a = rng.choice([1, -1]) * rng.randrange(10 ** rng.randrange(1, 40))
        b = rng.choice([1, -1]) * (1 + rng.randrange(10 ** rng.randrange(1, 25)))
        pairs.append((a, b))
    pairs += [(BIG + 1, 2), (-(BIG + 1), 2), (-(2 ** 200) - 1, 3), (2 ** 200 + 1, -(2 ** 70))]
    script = JS_HELPERS + """
const pairs = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(pairs.map(([a, b]) => {
  a = BigInt(a); b = BigInt(b);
  return [fdiv(a, b).toString(), cdiv(a, b).toString(), fmod(a, b).toString(),
          bmax(a, b, 0n).toString(), bmin(a, b, 0n).toString()];
})));
"""
    got = run_node(script, [[str(a), str(b)] for a, b in pairs], tmp_path)
    want = [[str(a // b), str(-(-a // b)), str(a % b), str(max(a, b, 0)), str(min(a, b, 0))]
            for a, b in pairs]
    assert got == want


def test_expressions_equal_sympy_exactly_at_negative_and_huge_values(tmp_path: Path) -> None:
    """Unconstrained integer symbols make numerators (and divisors) negative; sympy's own
    floor/ceiling/Mod of exact rationals is the oracle."""
    exprs = [FloorDiv(x - 3 * y, s), CeilDiv(x * y - 7, 5), sp.floor((x - y) / (s * n)),
             sp.ceiling((2 * x + 1) / (3 * s)), sp.floor(x / y), sp.ceiling(x / (y - 1)),
             sp.Mod(x - y, 7), sp.Mod(x, s), sp.Max(x, y - 3, 0), sp.Min(x, -y),
             sp.Piecewise((FloorDiv(x, 2), x > y), (CeilDiv(y, 3), True)),
             (x - 1) * (x + 1) / 4, FloorDiv(FloorDiv(x, s) - 1, 2) ** 2 - y,
             sp.Ge(FloorDiv(x, 3), y), sp.Eq(sp.Mod(x + 1, 4), 0), sp.Lt(x / y, 2)]
    order = [n, s, x, y]
    printer = BigIntJSPrinter(NAMES)
    body = ",\n".join(f"  (v => {printer.code(e)})" for e in exprs)
    script = JS_HELPERS + f"const F = [\n{body}\n];\n" + """
const pts = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(pts.map(p => {
  const v = p.map(BigInt);
  return F.map(f => { try { return String(f(v)); } catch (e) { return "error"; } });
})));
"""
    rng = random.Random(1414)

    def draw(positive: bool) -> int:
        size = rng.choice([3, 30, 2 ** 53, 2 ** 90])
        value = rng.randrange(1, size + 1) if positive else rng.randrange(-size, size + 1)
        return value

    points = [[draw(True), draw(True), draw(False), draw(False)] for _ in range(150)]
    points += [[1, 1, -7, 2], [5, 3, -(BIG + 3), BIG + 1], [2, 2, -1, -1], [1, 7, 0, 1]]
    got = run_node(script, [[str(v) for v in p] for p in points], tmp_path)
    for p, row in zip(points, got):
        env = dict(zip(order, p))
        for e, value in zip(exprs, row):
            try:
                want = e.xreplace({k: sp.Integer(v) for k, v in env.items()})
            except (ZeroDivisionError, TypeError):  # TypeError: zoo < 2
                want = None
            if want is None or want.has(sp.zoo, sp.nan):
                assert value == "error", (e, p)
            elif want in (sp.true, sp.false):
                assert value == str(want == sp.true).lower(), (e, p)
            else:  # an inexact quotient (its assumption failing) is floored
                assert value == str(int(sp.floor(want))), (e, p, value, want)


# Sequential networks with PyTorch's rules written independently in tests/reference.py
NET_A = ("I(n x n x l)-C(c1,k1,s=s1,p=p1,d=d1)-P(q1,s=t1,p=r1,ceil=true)"
         "-C(c2,k2,s=s2,p=same)-B-A(relu)-F-H(h)")


def ref_a(v: dict[str, int], convention: str = "pytorch"):
    layers = [("conv", {"filters": v["c1"], "kernel": (v["k1"],) * 2, "stride": (v["s1"],) * 2,
                        "padding": (v["p1"],) * 2, "dilation": (v["d1"],) * 2, "groups": 1,
                        "bias": True}),
              ("pool", {"kernel": (v["q1"],) * 2, "stride": (v["t1"],) * 2,
                        "padding": (v["r1"],) * 2, "ceil": True, "mode": "max"}),
              ("conv", {"filters": v["c2"], "kernel": (v["k2"],) * 2, "stride": (v["s2"],) * 2,
                        "padding": "same", "dilation": (1, 1), "groups": 1, "bias": True}),
              ("bn", {}), ("act", {}), ("flatten", {}), ("dense", {"units": v["h"], "bias": True})]
    return ref.network((v["n"], v["n"]), v["l"], layers, convention)


NET_B = "I(n x m x l)-C(c1,3,s=2)-P(2)-C(c2,k2,s=2,p=1)-F-H(h)"


def ref_b(v: dict[str, int], exact: bool = False):
    layers = [("conv", {"filters": v["c1"], "kernel": (3, 3), "stride": (2, 2), "padding": (0, 0),
                        "dilation": (1, 1), "groups": 1, "bias": True}),
              ("pool", {"kernel": (2, 2), "stride": (2, 2), "padding": (0, 0), "ceil": False,
                        "mode": "max"}),
              ("conv", {"filters": v["c2"], "kernel": (v["k2"],) * 2, "stride": (2, 2),
                        "padding": (1, 1), "dilation": (1, 1), "groups": 1, "bias": True}),
              ("flatten", {}), ("dense", {"units": v["h"], "bias": True})]
    return ref.network((v["n"], v["m"]), v["l"], layers, exact=exact)


NET_C = "I(n x n x l)-C(c1,k1,s=s1,d=d1,g=g)-P(q1,s=t1)-G-O(o)"


def ref_c(v: dict[str, int]):
    layers = [("conv", {"filters": v["c1"], "kernel": (v["k1"],) * 2, "stride": (v["s1"],) * 2,
                        "padding": (0, 0), "dilation": (v["d1"],) * 2, "groups": v["g"],
                        "bias": True}),
              ("pool", {"kernel": (v["q1"],) * 2, "stride": (v["t1"],) * 2, "padding": (0, 0),
                        "ceil": False, "mode": "max"}),
              ("global", {}), ("dense", {"units": v["o"], "bias": True})]
    return ref.network((v["n"], v["n"]), v["l"], layers)


SMALL = {"k1": 7, "k2": 7, "s1": 4, "s2": 4, "t1": 4, "p1": 4, "r1": 3, "d1": 3, "q1": 5,
         "g": 4}


def random_point(d, rng: random.Random, huge: bool) -> dict[str, int]:
    """Small kernels, strides and paddings; sizes and channels small, or past 2**53."""
    out = {}
    for name, sym in d.symbols.items():
        low = 1 if sym.is_positive else 0
        if name in SMALL:
            out[name] = rng.randint(low, SMALL[name])
        elif huge and rng.random() < 0.7:
            out[name] = rng.randrange(BIG, 2 ** rng.choice([54, 64, 90, 130]))
        else:
            out[name] = rng.randint(max(low, 1), 40)
    return out


def check_against(d, points, results, oracle) -> tuple[int, int]:
    """Each result equals the oracle's rows and total, or is invalid where the oracle
    refuses; returns (valid, invalid) counts."""
    counts = [0, 0]
    for p, got in zip(points, results):
        try:
            want = oracle(p)
        except ref.Refused:
            assert not got["ok"], p
            counts[1] += 1
            continue
        assert got["ok"], (p, got)
        rows = got["result"]["rows"]
        assert [[int(v) for v in dims] for dims, _ in rows] == [list(w[0]) for w in want], p
        assert [int(params) for _, params in rows] == [w[1] + w[2] for w in want], p
        assert int(got["result"]["total"]) == sum(w[1] + w[2] for w in want), p
        assert int(got["result"]["nonTrainable"]) == sum(w[2] for w in want), p
        counts[0] += 1
    return counts[0], counts[1]


@pytest.mark.parametrize("spec, oracle, convention", [
    (NET_A, ref_a, "pytorch"),
    (NET_A, lambda v: ref_a(v, "keras"), "keras"),
    (NET_B, ref_b, "pytorch"),
    (NET_C, ref_c, "pytorch"),
], ids=["stride-padding-dilation-ceil-same", "keras", "two-axes", "groups"])
def test_networks_equal_independent_integers(spec, oracle, convention, tmp_path: Path) -> None:
    d = symparams.parse(spec).derive(convention=convention)
    rng = random.Random(spec + convention)
    points = [random_point(d, rng, huge=i % 2 == 1) for i in range(400)]
    valid, invalid = check_against(d, points, node_evaluate(d, points, tmp_path), oracle)
    assert valid >= 40 and invalid >= 20  # both sides were exercised


def test_assume_divisible_equals_exact_division(tmp_path: Path) -> None:
    """Exact quotients (rationals over a common denominator) where the assumptions hold;
    invalid, naming an assumption, where a stride does not divide."""
    d = symparams.parse(NET_B).derive(assume_divisible=True)
    assert any(c.assumed for c in d.conditions)
    rng = random.Random(4)
    points = [random_point(d, rng, huge=i % 2 == 1) for i in range(300)]
    points += [{"n": 8 * t + 13, "m": 8 * t + 13, "l": 3, "c1": 5, "c2": 7, "k2": 3, "h": 9}
               for t in (0, 1, 2, 10 ** 20)]  # sizes the assumptions hold for
    results = node_evaluate(d, points, tmp_path)
    valid, _ = check_against(d, points, results, lambda v: ref_b(v, exact=True))
    assert valid >= 4
    failing = {i for r in results if not r["ok"] for i in r["failing"]}
    assert any(d.conditions[i].assumed for i in failing)


def evaluate_or_none(d, point) -> tuple[int, list] | None:
    try:
        total = d.evaluate(point)
    except ShapeError:
        return None
    rows = d.subs(point).rows
    return total, [([int(v) for v in r.output_shape.dims()], int(r.params)) for r in rows]


@pytest.mark.parametrize("key", ["resnet_basic", "resnet_bottleneck", "mobilenet_v2",
                                 "densenet121", "general_icpcpho", "inception_v3",
                                 "squeezenet1_1"])
def test_zoo_equals_evaluate(key: str, tmp_path: Path) -> None:
    d = load_spec(key)
    rng = random.Random(key)
    points = []
    for i in range(10):
        p = {}
        for name, sym in d.symbols.items():
            low, high, _ = role_range(d, sym)
            p[name] = rng.randint(low, high if i % 3 else min(high, 12))
        if i % 4 == 3:  # far beyond 2**53
            p = {k: v * (BIG + rng.randrange(BIG)) if d.describe(k).startswith(
                ("input", "in the number")) else v for k, v in p.items()}
        points.append(p)
    for got, p in zip(node_evaluate(d, points, tmp_path), points):
        want = evaluate_or_none(d, p)
        if want is None:
            assert not got["ok"], p
            continue
        assert got["ok"], (p, got)
        assert int(got["result"]["total"]) == want[0], p
        assert [([int(v) for v in dims], int(params)) for dims, params in got["result"]["rows"]] \
            == want[1], p


def test_zoo_published_totals(tmp_path: Path) -> None:
    """The families' JavaScript at a published network's values gives its published total
    (ResNet-18 … 152: 11,689,512 … 60,192,808)."""
    published = [e for e in entries().values() if e.values and e.total]
    assert len(published) >= 5
    for e in published:
        family = load_spec(e.path.stem)
        (got,) = node_evaluate(family, [e.values], tmp_path)
        assert got["ok"] and int(got["result"]["total"]) == e.total, e.key


# -- the page: structure, ranges, CLI --------------------------------------------------------
class Page(HTMLParser):
    """The parts of a page the tests look at, as an HTML parser sees them."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[tuple[dict, str]] = []
        self.layers: list[str] = []
        self.inputs: list[dict] = []
        self.texts: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self._script: dict | None = None
        self.feed(source)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "script":
            self._script = a
            self.scripts.append((a, ""))
        if tag == "tr" and "data-layer" in a:
            self.layers.append(a["data-layer"])
        if tag == "input":
            self.inputs.append(a)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            a, text = self.scripts[-1]
            self.scripts[-1] = (a, text + data)
        else:
            self.texts.append(data)

    def data(self) -> dict:
        (text,) = [t for a, t in self.scripts if a.get("type") == "application/json"]
        return json.loads(text)


def test_page_has_the_hooks_and_no_external_resource() -> None:
    d = symparams.parse("I-C-P-C-P-H-O").derive()
    page = render(d, "html")
    assert "html" in FORMATS and page.startswith("<!DOCTYPE html>")
    parsed = Page(page)
    assert parsed.layers == [r.name for r in d.rows]
    assert [a["name"] for a in parsed.inputs if a["type"] == "range"] == list(d.symbols)
    assert [a["name"] for a in parsed.inputs if a["type"] == "number"] == list(d.symbols)
    assert 'id="total"' in page and 'data-col="shape"' in page and 'data-col="params"' in page
    assert len(parsed.scripts) == 2 and not any("src" in a for a, _ in parsed.scripts)
    for tag, attrs in parsed.tags:
        assert tag not in ("link", "img", "iframe", "object", "embed")
        for key, value in attrs.items():
            assert not re.match(r"\s*(https?:|//|ftp:)", value or ""), (tag, key)
    assert "@import" not in page and "url(" not in page
    assert "<math" in page and "MathJax" not in page
    assert "default-src 'none'" in page  # the page can fetch nothing
    assert parsed.data()["symbols"][0]["name"] == "n"


def test_numeric_network_has_no_sliders() -> None:
    page = render(load_spec("lenet5"), "html")
    assert 'type="range"' not in page and "no free symbols" in page


@pytest.mark.parametrize("description, positive, want", [
    ("input height and width", True, (1, 512, 32)),
    ("kernel size of conv2d1", True, (1, 11, 3)),
    ("pool size of maxpool1", True, (1, 11, 2)),
    ("stride of conv2d1", True, (1, 4, 1)),
    ("padding of conv2d1", False, (0, 5, 0)),
    ("number of filters of conv2d1", True, (1, 1024, 16)),
    ("number of units of dense1", True, (1, 1024, 16)),
    ("in the repeat count of repeat2", False, (0, 50, 1)),
    ("repeat count of repeat1", True, (1, 50, 1)),
])
def test_role_ranges(description, positive, want) -> None:
    class D:
        def describe(self, _):
            return description

    sym = sp.Symbol("z", integer=True, positive=True) if positive else \
        sp.Symbol("z", integer=True, nonnegative=True)
    assert role_range(D(), sym) == want


def test_ranges_are_overridable_and_checked() -> None:
    d = symparams.parse("I-C-P-C-P-H-O").derive()
    got = slider_ranges(d, {"n": "8:256:28", "k1": (1, 7)})
    assert got["n"] == (8, 256, 28) and got["k1"] == (1, 7, 3)
    assert parse_range("n=8:512") == ("n", (8, 512))
    for bad in ({"zz": (1, 2)}, {"n": (0, 5)}, {"n": (9, 5)}, {"n": (1, 5, 9)}, {"n": "a:b"}):
        with pytest.raises(SpecError):
            slider_ranges(d, bad)
    assert slider_ranges(d, values={"n": 10 ** 30})["n"] == (1, 512, 10 ** 30)
    for bad_value in ({"n": 0}, {"n": "7"}, {"n": True}, {"n": 2.0}, {"zz": 3}):
        with pytest.raises(SpecError):
            slider_ranges(d, values=bad_value)


def test_first_values_make_a_valid_network() -> None:
    d = load_spec("resnet_basic")
    first = {k: v[2] for k, v in slider_ranges(d).items()}
    assert d.valid(first)


def test_cli_writes_the_page(tmp_path: Path, capsys) -> None:
    out = tmp_path / "net.html"
    assert main(["derive", "I-C-P-H-O", "--format", "html", "--range", "n=8:128:20",
                 "-o", str(out)]) == 0
    data = Page(out.read_text(encoding="utf-8")).data()
    assert data["symbols"][0] == {"name": "n", "min": 8, "max": 128, "start": "20", "floor": 1}
    assert main(["derive", "I-C-P-H-O", "--range", "n=8:128"]) == 2
    assert "--range is for --format html" in capsys.readouterr().err
    assert main(["derive", "I-C-P-H-O", "--format", "html", "--range", "n=8"]) == 2
    assert main(["derive", "I-C-P-H-O", "--format", "html", "--range", "q=1:2"]) == 2


# -- (c) hostile names ---------------------------------------------------------------------
HOSTILE = [
    "</script><script>window.PWNED=1</script>",
    "<!--", "<script>", "]]>", "</style>",
    'quote"d', "it's", "back\\slash", "line\nbreak", "tab\there",
    "\u2028sep\u2029", "&amp; &lt;", "<img src=x onerror=window.PWNED=2>",
    "\x1b[31mred", "\u202eright-to-left", "ｆｕｌｌ",
]


def hostile_network(net_name: str, names: list[str]) -> Network:
    return Network((Input((sp.Symbol("n"), sp.Symbol("n"), 1)),
                    Conv("c", "k", name=names[0]), Pool(2, name=names[1]),
                    Conv(4, 3, name=names[2]), Dense(10, name=names[3])), net_name)


def hostile_sets() -> list[tuple[str, list[str]]]:
    out = []
    for i, name in enumerate(HOSTILE):
        others = [HOSTILE[(i + j) % len(HOSTILE)] + f" {j}" for j in range(1, 4)]
        out.append((name, [name] + others))
    return out


@pytest.mark.parametrize("net_name, names", hostile_sets(), ids=range(len(HOSTILE)))
def test_hostile_names_are_data(net_name: str, names: list[str]) -> None:
    d = hostile_network(net_name, names).derive()
    page = to_html(d)
    parsed = Page(page)
    # exactly the page's two scripts, the JSON one carrying every name exactly
    assert len(parsed.scripts) == 2
    data = parsed.data()
    rows = [r.name for r in d.rows]  # the names, and a flatten layer symparams adds
    assert set(names) < set(rows) and [r["name"] for r in data["rows"]] == rows
    code = [t for a, t in parsed.scripts if "type" not in a][0]
    assert code.lstrip().startswith('"use strict";')
    for name in names:
        assert name not in code or name.isalnum()
    # each row's data-layer is the name, as an HTML parser reads it
    assert parsed.layers == rows
    # shown as text: the printable form, never markup
    shown = "".join(parsed.texts)
    assert printable(net_name) in shown
    for tag, attrs in parsed.tags:
        assert tag != "img" and not any(k.startswith("on") for k in attrs)
    # nothing in the JSON can end its script element or break a JS string literal
    raw = page.split('id="symparams-data">', 1)[1].split("</script>", 1)[0]
    assert not set(raw) & {"<", ">", "&", "\u2028", "\u2029"}


def test_script_json_escapes() -> None:
    text = script_json({"a": "</script>\u2028\u2029&<!--"})
    assert text == '{"a":"\\u003c/script\\u003e\\u2028\\u2029\\u0026\\u003c!--"}'
    assert json.loads(text) == {"a": "</script>\u2028\u2029&<!--"}


def test_hostile_symbol_names_through_the_python_api() -> None:
    evil = sp.Symbol("<b>x</b>", integer=True, positive=True)
    d = Network((Input((evil, evil, 1)), Conv(4, 3), Dense(10))).derive()
    page = to_html(d)
    assert "<b>" not in page
    parsed = Page(page)
    assert [a["name"] for a in parsed.inputs if a["type"] == "range"] == ["<b>x</b>"]


# -- (d) a real browser ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        required("chromium")
    driver_exe = required("chromedriver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        if CI:
            pytest.fail("selenium is missing under CI=true (the test extra brings it)")
        pytest.skip("selenium not installed")
    os.environ.setdefault("SE_OFFLINE", "true")  # selenium-manager downloads nothing
    options = Options()
    options.binary_location = chromium
    for arg in BROWSER_ARGS:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_exe), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def open_page(browser, d, tmp_path: Path, fragment: str = "", name: str = "net.html", **options):
    path = tmp_path / name
    path.write_text(to_html(d, **options), encoding="utf-8")
    browser.get(path.as_uri() + fragment)
    browser.get_log("browser")  # start each page with an empty log
    return path


def set_value(browser, selector: str, value) -> None:
    browser.execute_script(
        "const el = document.querySelector(arguments[0]); el.value = arguments[1];"
        "el.dispatchEvent(new Event('input', {bubbles: true}));", selector, str(value))


def page_state(browser) -> dict:
    return browser.execute_script("""
        const rows = Array.from(document.querySelectorAll('#layers tr[data-layer]')).map(tr => [
          tr.getAttribute('data-layer'),
          tr.querySelector('[data-col="shape"]').getAttribute('data-value'),
          tr.querySelector('[data-col="params"]').getAttribute('data-value')]);
        const boxes = {};
        document.querySelectorAll('input[type=number]').forEach(b => boxes[b.name] = b.value);
        return {total: document.getElementById('total').textContent,
                state: document.getElementById('status').getAttribute('data-state'),
                status: document.getElementById('status').textContent,
                violated: Array.from(document.querySelectorAll('li.violated')).map(
                  li => Number(li.getAttribute('data-cond'))),
                hash: location.hash, rows: rows, boxes: boxes,
                paths: document.querySelectorAll('#plot path').length};
    """)


def expected_rows(d, values) -> list:
    done = d.subs(values)
    return [[r.name, "x".join(str(int(v)) for v in r.output_shape.dims()), str(int(r.params))]
            for r in done.rows]


def no_console_errors(browser) -> None:
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


GENERAL = "I-C-P-C-P-H-O"
LASAGNE = {"n": 28, "l": 1, "c1": 32, "k1": 5, "q1": 2, "c2": 32, "k2": 3, "q2": 2, "h1": 256,
           "o": 10}


def test_browser_recomputes_every_row_and_the_total(browser, tmp_path: Path) -> None:
    d = symparams.parse(GENERAL).derive()
    frag = "#" + "&".join(f"{k}={v}" for k, v in LASAGNE.items())
    open_page(browser, d, tmp_path, frag)
    state = page_state(browser)
    assert state["state"] == "valid"
    assert state["total"] == str(d.evaluate(LASAGNE)) == "217706"
    assert state["rows"] == expected_rows(d, LASAGNE)
    assert state["paths"] >= 1
    # sliders, then boxes, at random configurations; a box takes values past 2**53
    rng = random.Random(7)
    values = dict(LASAGNE)
    for step in range(12):
        name = rng.choice(list(d.symbols))
        low, high, _ = slider_ranges(d)[name]
        if step % 3 == 2:
            values[name] = rng.randrange(BIG, 2 ** 80) if name in ("c1", "c2", "h1", "o", "l") \
                else rng.randint(low, high)
            set_value(browser, f'input[type=number][name="{name}"]', values[name])
        else:
            values[name] = rng.randint(low, min(high, 64))
            set_value(browser, f'input[type=range][name="{name}"]', values[name])
        state = page_state(browser)
        assert state["boxes"] == {k: str(v) for k, v in values.items()}
        want = evaluate_or_none(d, values)
        if want is None:
            assert state["state"] == "invalid" and state["total"] == "\u2014"
        else:
            assert state["state"] == "valid", (values, state["status"])
            assert state["total"] == str(want[0])
            assert state["rows"] == expected_rows(d, values)
    no_console_errors(browser)


def test_browser_real_typing_and_keys(browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    d = symparams.parse(GENERAL).derive()
    frag = "#" + "&".join(f"{k}={v}" for k, v in LASAGNE.items())
    open_page(browser, d, tmp_path, frag)
    box = browser.find_element(By.CSS_SELECTOR, 'input[type=number][name="h1"]')
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(str(2 ** 64 + 1))
    values = {**LASAGNE, "h1": 2 ** 64 + 1}
    assert page_state(browser)["total"] == str(d.evaluate(values))
    slider = browser.find_element(By.CSS_SELECTOR, 'input[type=range][name="k2"]')
    slider.send_keys(Keys.ARROW_RIGHT)  # k2: 3 -> 4
    values["k2"] = 4
    state = page_state(browser)
    assert state["boxes"]["k2"] == "4" and state["total"] == str(d.evaluate(values))
    no_console_errors(browser)


def test_browser_flags_the_violated_condition(browser, tmp_path: Path) -> None:
    d = symparams.parse(GENERAL).derive()
    frag = "#" + "&".join(f"{k}={v}" for k, v in LASAGNE.items())
    open_page(browser, d, tmp_path, frag)
    set_value(browser, 'input[type=range][name="k1"]', 11)  # 28 - 11 + 1 = 18, 18/2 = 9 ...
    set_value(browser, 'input[type=range][name="k2"]', 11)  # ... and k2 = 11 > 9
    values = {**LASAGNE, "k1": 11, "k2": 11}
    with pytest.raises(ShapeError):
        d.evaluate(values)
    state = page_state(browser)
    assert state["state"] == "invalid" and state["total"] == "\u2014"
    env = {d.symbols[k]: v for k, v in values.items()}
    failing = [i for i, c in enumerate(d.conditions) if c.relation.subs(env) == sp.false]
    assert failing and failing == state["violated"]
    assert d.conditions[failing[0]].reason in state["status"]
    assert all(shape is None and params is None for _, shape, params in state["rows"])
    # a box that holds no whole number is flagged too, and fixing it restores the numbers
    set_value(browser, 'input[type=number][name="k2"]', "3.5")
    assert "k2: not a whole number" in page_state(browser)["status"]
    set_value(browser, 'input[type=number][name="k2"]', "3")
    set_value(browser, 'input[type=number][name="k1"]', "5")
    assert page_state(browser)["total"] == "217706"
    no_console_errors(browser)


def test_browser_fragment_round_trip(browser, tmp_path: Path) -> None:
    d = symparams.parse(GENERAL).derive()
    values = {**LASAGNE, "n": 2 ** 60 + 3, "h1": 77}
    frag = "#" + "&".join(f"{k}={v}" for k, v in values.items())
    path = open_page(browser, d, tmp_path, frag)
    state = page_state(browser)
    assert state["total"] == str(d.evaluate(values))
    assert state["hash"] == frag
    set_value(browser, 'input[type=range][name="c2"]', 5)
    values["c2"] = 5
    state = page_state(browser)
    assert state["hash"] == "#" + "&".join(f"{k}={v}" for k, v in values.items())
    # the fragment reproduces the configuration in a fresh load
    browser.get(path.as_uri() + state["hash"])
    again = page_state(browser)
    assert again["boxes"] == {k: str(v) for k, v in values.items()}
    assert again["total"] == str(d.evaluate(values))
    no_console_errors(browser)


def test_browser_fragment_is_untrusted(browser, tmp_path: Path) -> None:
    d = symparams.parse(GENERAL).derive()
    start = {k: v[2] for k, v in slider_ranges(d).items()}
    evil = ("#n=1e3&l=-4&c1=0x10&k1=%3Cscript%3E&q1=2.5&zz=9&%E0%A4%A=1&c2="
            + "9" * 1001 + "&h1=<img src=x onerror=window.PWNED=1>&o=12&o=")
    open_page(browser, d, tmp_path, evil)
    state = page_state(browser)
    assert state["boxes"] == {k: str(12 if k == "o" else v) for k, v in start.items()}
    assert browser.execute_script("return window.PWNED === undefined")
    no_console_errors(browser)


def test_browser_plot_follows_the_select_box(browser, tmp_path: Path) -> None:
    d = load_spec("resnet_basic")
    open_page(browser, d, tmp_path)
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element(By.ID, "plot-symbol")).select_by_visible_text("L3")
    labels = browser.execute_script(
        "return Array.from(document.querySelectorAll('#plot text')).map(t => t.textContent)")
    assert "L3" in labels and "50" in labels
    assert page_state(browser)["paths"] == 2
    no_console_errors(browser)


@pytest.mark.parametrize("net_name, names", hostile_sets()[:6], ids=range(6))
def test_browser_hostile_names(browser, tmp_path: Path, net_name: str, names: list[str]) -> None:
    d = hostile_network(net_name, names).derive()
    open_page(browser, d, tmp_path, "#n=20&c=3&k=3")
    state = page_state(browser)
    assert [r[0] for r in state["rows"]] == [r.name for r in d.rows]
    assert state["total"] == str(d.evaluate({"n": 20, "c": 3, "k": 3}))
    assert browser.execute_script("return window.PWNED === undefined")
    assert browser.execute_script("return document.scripts.length") == 2
    assert browser.title.startswith(printable(net_name)[:10])
    no_console_errors(browser)


def test_browser_assume_divisible(browser, tmp_path: Path) -> None:
    d = symparams.parse("I(n x n x 3)-C(8,3,s=2)-C(8,3,s=2)-O(10)").derive(assume_divisible=True)
    open_page(browser, d, tmp_path, "#n=23")
    assert page_state(browser)["total"] == str(d.evaluate(n=23))
    set_value(browser, 'input[type=number][name="n"]', 2 ** 70 + 3)
    assert page_state(browser)["total"] == str(d.evaluate(n=2 ** 70 + 3))
    set_value(browser, 'input[type=number][name="n"]', 24)
    state = page_state(browser)
    assert state["state"] == "invalid" and "assuming" in state["status"]
    no_console_errors(browser)


def test_browser_hashchange_and_least_values(browser, tmp_path: Path) -> None:
    d = symparams.parse(GENERAL).derive()
    frag = "#" + "&".join(f"{k}={v}" for k, v in LASAGNE.items())
    open_page(browser, d, tmp_path, frag)
    from selenium.webdriver.support.ui import WebDriverWait

    browser.execute_script("location.hash = arguments[0]", frag.replace("h1=256", "h1=100"))
    want = str(d.evaluate({**LASAGNE, "h1": 100}))  # hashchange is an event: wait for it
    WebDriverWait(browser, 10).until(lambda b: page_state(b)["total"] == want)
    set_value(browser, 'input[type=number][name="c1"]', 0)  # a count of filters is >= 1
    state = page_state(browser)
    assert state["state"] == "invalid" and "c1 must be at least 1" in state["status"]
    no_console_errors(browser)


def test_browser_numeric_network_and_keras_split(browser, tmp_path: Path) -> None:
    d = load_spec("lenet5")
    open_page(browser, d, tmp_path)
    state = page_state(browser)
    assert state["total"] == str(int(d.total)) and state["hash"] == ""
    k = symparams.parse("I(n x n x 3)-C(c,3)-B-F-O(10)").derive(convention="keras")
    open_page(browser, k, tmp_path, "#n=9&c=5", name="keras.html")
    split = browser.execute_script(
        "return [document.getElementById('trainable').textContent,"
        " document.getElementById('non-trainable').textContent]")
    done = k.subs({"n": 9, "c": 5})
    assert split == [f"{int(done.trainable):,}", f"{int(done.non_trainable):,}"]
    assert page_state(browser)["total"] == str(k.evaluate(n=9, c=5))
    no_console_errors(browser)


def test_browser_inline_for_jupyter(browser, tmp_path: Path) -> None:
    """The notebook form: the page in a sandboxed iframe's srcdoc still computes."""
    from selenium.webdriver.common.by import By

    d = symparams.parse(GENERAL).derive()
    shown = explorer(d, values={"c1": 8})
    assert str(shown) == to_html(d, values={"c1": 8})
    path = tmp_path / "notebook.html"
    path.write_text("<!DOCTYPE html><html><body>" + shown._repr_html_() + "</body></html>",
                    encoding="utf-8")
    browser.get(path.as_uri())
    browser.switch_to.frame(browser.find_element(By.TAG_NAME, "iframe"))
    try:
        start = {k: v[2] for k, v in slider_ranges(d, values={"c1": 8}).items()}
        assert page_state(browser)["total"] == str(d.evaluate(start))
        set_value(browser, 'input[type=range][name="h1"]', 40)
        assert page_state(browser)["total"] == str(d.evaluate({**start, "h1": 40}))
    finally:
        browser.switch_to.default_content()
    no_console_errors(browser)
