"""Issue 9, "no code from data": names are user text (a spec file is shared data), so
every exporter must carry them safely, whatever characters they hold.

Generated Python holds names only as derived identifiers and escaped literals (checked
on its syntax tree), compiles, and equals ``evaluate``; Markdown is checked with an
independent CommonMark parser (markdown-it-py), LaTeX with pdflatex (and pdftotext
when installed), terminal text and JSON by their characters.
"""

from __future__ import annotations

import ast
import inspect
import io
import json
import keyword
import shutil
import subprocess
import tempfile
import tokenize
import unicodedata
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

import symparams
from symparams.core.errors import SpecError, printable
from symparams.core.network import Network
from symparams.export.latex import tex_escape, to_latex
from symparams.export.markdown import md_escape, to_markdown
from symparams.export.pyfunc import MAX_IDENTIFIER, _parameter_names, latexify_renderings, \
    load_function, python_name, to_function
from symparams.export.text import to_json, to_text
from symparams.export.worked import worked_latex, worked_markdown
from symparams.layers import Conv, Dense, Input, Pool
from symparams.notation.specfile import from_dict
from tests import reference as ref

HOSTILE = [
    "c1\nimport os; os.system('echo pwned')",
    'evil"""\nimport os\n"""',
    "ends with a quote\"",
    "back\\slash\\",
    "it's",
    "\\x00 not a NUL",
    "ﬁ",  # NFKC: "fi"
    "ｆｕｌｌｗｉｄｔｈ",  # NFKC: "fullwidth"
    "if",
    "None",
    "__debug__",
    "9lives",
    "²",  # NFKC: "2", not a letter
    "L" * 190,  # near the longest layer name symparams accepts (200; the tests add suffixes)
    "<script>alert(1)</script>",
    "a|b*c_d`e`[x](y)![i](j)",
    "_x_ *y* **z** ~~s~~ # h $m$",
    "\\ & % $ # _ { } ~ ^",
    "\x1b[31mred\x1b[0m\r\x00",
    "line\u2028sep\x85nel\x0bvt\x0cff\x1cfs",
    "\u202eright-to-left",
    "\x9b2J",
    "",
]
SPEC_NAMES = [n for n in HOSTILE if n]
VALUES = {"n": 20, "c": 3, "k": 3}


def hostile_network(net_name: str | None, names: list[str]) -> Network:
    """A symbolic network (so sizes get variables, the legend and conditions name
    layers) built with the Python API, which takes any name."""
    return Network((Input((sp.Symbol("n"), sp.Symbol("n"), 1)),
                    Conv("c", "k", name=names[0]),
                    Pool(2, name=names[1 % len(names)]),
                    Conv(4, 3, name=names[2 % len(names)]),
                    Dense(10, name=names[3 % len(names)])), net_name)


def expected_total(n: int, c: int, k: int) -> int:
    """The network above, computed independently of symparams."""
    a = ref.pool_size(ref.conv_size(n, k), 2)
    b = ref.conv_size(a, 3)
    return (ref.conv_params(1, c, (k, k)) + ref.conv_params(c, 4, (3, 3))
            + ref.dense_params(b * b * 4, 10))


def distinct(names: list[str]) -> list[str]:
    """Layer names must differ: number repeated ones."""
    out: list[str] = []
    for i, name in enumerate(names):
        while name in out:
            name = f"{name}{i}"
        out.append(name)
    return out


def check_python(source: str, net_name: str | None) -> ast.FunctionDef:
    """The source is one function of assignments and a return, with the expected
    docstring, derived identifiers only, and comments that are identifiers or literals."""
    compile(source, "<hostile>", "exec")
    tree = ast.parse(source)
    assert len(tree.body) == 1 and isinstance(tree.body[0], ast.FunctionDef)
    fn = tree.body[0]
    what = f" of {net_name}" if net_name else ""
    assert ast.get_docstring(fn, clean=False) == \
        f"Number of parameters{what} (pytorch convention), exact integers."
    body = fn.body[1:]
    assert all(isinstance(s, ast.Assign) for s in body[:-1]) and isinstance(body[-1], ast.Return)
    for node in ast.walk(fn):
        assert not isinstance(node, (ast.Call, ast.Import, ast.ImportFrom, ast.Attribute))
        ident = node.id if isinstance(node, ast.Name) else \
            node.arg if isinstance(node, ast.arg) else None
        if ident is not None:
            assert ident.isidentifier() and not keyword.iskeyword(ident)
            assert ident == unicodedata.normalize("NFKC", ident)
            assert len(ident) <= MAX_IDENTIFIER + 4
    targets = [t.id for s in body[:-1] for t in s.targets]
    assert len(set(targets)) == len(targets)
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            text = tok.string[2:]
            assert text.isidentifier() or isinstance(ast.literal_eval(text), str)
    return fn


# -- 1 and 5: generated Python ------------------------------------------------------
@pytest.mark.parametrize("name", HOSTILE, ids=range(len(HOSTILE)))
def test_python_with_hostile_names_compiles_and_equals_evaluate(name: str) -> None:
    d = hostile_network(name or None, distinct([name, name + "p", name, name + "d"])).derive()
    source = to_function(d)
    check_python(source, name or None)
    assert symparams.export.render(d, "python") == source
    got = load_function(source, "total_params")(**VALUES)
    assert got == d.evaluate(VALUES) == expected_total(**VALUES)


def test_spec_from_the_issue_runs_no_code(capsys) -> None:
    spec = from_dict({"name": 'evil"""\nimport os', "input": [8, 8, 1],
                      "layers": [{"kind": "conv2d", "name": "c1\nimport os; os.system("
                                  "'echo pwned')", "filters": 2, "kernel": 3}]})
    d = spec.derive()
    for source in (d.to_function(), to_function(d, docstring=False, checks=False)):
        fn = load_function(source, "total_params")
        assert fn() == d.evaluate() == ref.conv_params(1, 2, (3, 3))
    assert "pwned" not in capsys.readouterr().out
    formula, algorithm = latexify_renderings(d)
    assert "import" not in formula.replace(r"import\_os", "")
    check_python(d.to_function(), 'evil"""\nimport os')


def test_nfkc_equal_layer_names_get_distinct_variables() -> None:
    # "ﬁ" and "fi" are one Python name: two variables would silently be one
    net = Network((Input((8, 8, 1)), Conv(2, 3, name="ﬁ"), Conv(5, 3, name="fi"),
                   Dense(3, name="ｆｉ")))
    d = net.derive()
    source = d.to_function()
    check_python(source, None)
    expected = ref.conv_params(1, 2, (3, 3)) + ref.conv_params(2, 5, (3, 3)) + \
        ref.dense_params(4 * 4 * 5, 3)
    assert load_function(source, "total_params")() == d.evaluate() == expected


def test_symbols_with_one_identifier_are_an_error_naming_both() -> None:
    with pytest.raises(symparams.SpecError) as err:
        _parameter_names([sp.Symbol("ﬁ"), sp.Symbol("fi")])
    assert "'ﬁ'" in str(err.value) and "'fi'" in str(err.value)
    with pytest.raises(symparams.SpecError, match="'if'.*'if_'"):
        _parameter_names([sp.Symbol("if"), sp.Symbol("if_")])
    assert _parameter_names([sp.Symbol("k1"), sp.Symbol("lambda")]) == \
        {"k1": "k1", "lambda": "lambda_"}


def test_keyword_symbols_are_refused_before_they_reach_generated_code() -> None:
    # symbols named like keywords are refused where they enter; python_name renames
    # keywords all the same (test_python_name), should one ever get through
    for name in ("lambda", "None"):
        with pytest.raises(SpecError, match="keyword"):
            Network((Input((8, 8, 1)), Conv(sp.Symbol(name), 3))).derive()


@pytest.mark.parametrize("text, expected", [
    ("conv2d1", "conv2d1"), ("ﬁ", "fi"), ("9lives", "_9lives"), ("if", "if_"),
    ("__debug__", "__debug___"), ("a b-c", "a_b_c"), ("²", "_2"), ("", "_"),
    ("x\nimport os", "x_import_os"), ("é", "é"), ("L" * 500, "L" * MAX_IDENTIFIER)])
def test_python_name(text: str, expected: str) -> None:
    assert python_name(text) == expected


def test_function_name_is_checked_and_normalised() -> None:
    d = symparams.parse("I(8x8x1)-C(2,3)").derive()
    for bad in ("not a name", "if", "__debug__", "x\nimport os", ""):
        with pytest.raises(symparams.SpecError, match="identifier"):
            to_function(d, bad)
    source = to_function(d, "ﬁve")
    assert source.startswith("def five():")
    assert load_function(source, "ﬁve")() == d.evaluate()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(max_size=12), min_size=4, max_size=4),
       st.one_of(st.none(), st.text(max_size=20)))
def test_any_names_give_code_that_compiles_and_equals_evaluate(names, net_name) -> None:
    d = hostile_network(net_name or None, distinct(names)).derive()
    source = to_function(d)
    check_python(source, net_name or None)
    assert load_function(source, "total_params")(**VALUES) == expected_total(**VALUES)
    text = to_text(d)
    assert all(ch.isprintable() for ch in text.replace("\n", ""))
    assert len(text.splitlines()) == len(to_text(hostile_network(
        "x" if net_name else None, ["a", "b", "c", "d"]).derive()).splitlines())


# -- 2: latexify from memory ------------------------------------------------------------
def test_latexify_writes_no_file(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    assert tempfile.gettempdir() == str(folder)
    d = symparams.parse("I-C-P-H-O").derive()
    source = to_function(d, docstring=False, checks=False)
    fn = load_function(source, "total_params")
    assert inspect.getsource(fn) == source
    formula, algorithm = latexify_renderings(d)
    assert formula.startswith(r"\mathrm{total\_params}(n, l,") and r"\lfloor" in formula
    # sizes of conv2d1, maxpool1, flatten1; parameters of conv2d1, dense1, dense2; return
    assert algorithm.count(r"\State") == 7 and r"\Return" in algorithm
    for _ in range(3):
        symparams.export.render(d, "latexify")
    assert list(folder.iterdir()) == []


# -- 3: assume_divisible ---------------------------------------------------------------
def test_function_honours_assume_divisible() -> None:
    spec = "I(n x n x 1)-C(4,3,s=2)-P(q,s=2,ceil=true)-O(10)"
    d = symparams.parse(spec).derive(assume_divisible=True)
    source = d.to_function()
    # exact quotients: no ceiling and no conditional expression of ceil_mode
    assert "-(-" not in source and " else " not in source
    fn = load_function(source, "total_params")
    seen = {"equal": 0, "refused": 0}
    for n in range(5, 30):
        for q in range(1, 4):
            try:
                value = d.evaluate(n=n, q=q)
            except symparams.ShapeError as err:
                if "divid" not in str(err):
                    continue
                with pytest.raises(ValueError, match="divides"):
                    fn(n=n, q=q)
                seen["refused"] += 1
                continue
            a = ref.conv_size(n, 3, s=2)
            b = ref.pool_size(a, q, 2, ceil_mode=True)
            assert fn(n=n, q=q) == value == ref.conv_params(1, 4, (3, 3)) + \
                ref.dense_params(b * b * 4, 10)
            seen["equal"] += 1
    assert seen["equal"] >= 5 and seen["refused"] >= 5
    # latexify renders the exact form (no checks: latexify has no raise)
    formula, _ = latexify_renderings(d)
    assert r"\lceil" not in formula


# -- 4: Markdown -----------------------------------------------------------------------
def _markdown_parser():
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin, index

    if not getattr(index.is_escaped, "fixed", False):
        # mdit-py-plugins 0.7 reads src[-1] for a $ that starts a line, so a line
        # ending in a backslash hides its maths: count no backslash before position 0
        is_escaped = index.is_escaped

        def fixed(state, back_pos: int, mod: int = 0) -> bool:
            return back_pos > 0 and is_escaped(state, back_pos, mod)

        fixed.fixed = True
        index.is_escaped = fixed
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).use(dollarmath_plugin)


def _shape(tokens) -> list[str]:
    """Token types, inline children included, with runs of text merged: the structure
    a renderer sees (headings, table cells, emphasis, links, HTML, code, maths)."""
    out: list[str] = []
    for t in tokens:
        for kind in [t.type] + [c.type for c in t.children or ()]:
            kind = "text" if kind in ("text", "softbreak", "text_special") else kind
            if not (kind == "text" and out and out[-1] == "text"):
                out.append(kind)
    return out


def _inline_text(token) -> str:
    return "".join(c.content for c in token.children
                   if c.type in ("text", "softbreak", "text_special"))


def _table_rows(tokens) -> list[list]:
    rows: list[list] = []
    for i, t in enumerate(tokens):
        if t.type == "tr_open":
            rows.append([])
        elif t.type == "inline" and tokens[i - 1].type in ("td_open", "th_open"):
            rows[-1].append(t)
    return rows


@pytest.mark.parametrize("name", SPEC_NAMES, ids=range(len(SPEC_NAMES)))
def test_markdown_shows_names_as_literal_text(name: str) -> None:
    names = distinct([name, name + "p", name, name + "d"])
    d = hostile_network(name, names).derive()
    plain = hostile_network("x", ["a", "b", "c", "d"]).derive()
    md = _markdown_parser()
    text, worked = to_markdown(d), worked_markdown(d, VALUES)
    tokens, wtokens = md.parse(text), md.parse(worked)
    # the same structure as with plain names: no HTML, link, image, code, emphasis,
    # strikethrough or maths came from a name, and no cell, line or heading was added
    assert _shape(tokens) == _shape(md.parse(to_markdown(plain)))
    assert _shape(wtokens) == _shape(md.parse(worked_markdown(plain, VALUES)))
    assert "<script" not in text + worked
    # and the names read as they are (control characters as escapes)
    assert _inline_text(tokens[1]) == printable(name)
    rows = _table_rows(tokens)
    assert all(len(r) == 4 for r in rows)
    assert [_inline_text(r[0]) for r in rows[2:2 + len(d.rows)]] == \
        [printable(r.name) for r in d.rows]
    assert _inline_text(wtokens[1]) == "Worked solution: " + printable(name)
    items = [wtokens[i + 2] for i, t in enumerate(wtokens)
             if t.type == "list_item_open" and t.markup == "."]  # the numbered items
    assert len(items) == len(d.rows)
    for t, r in zip(items, d.rows):
        kinds = [c.type for c in t.children]
        inner = t.children[kinds.index("strong_open") + 1:kinds.index("strong_close")]
        assert "".join(c.content for c in inner) == printable(r.name)


@pytest.mark.parametrize("text, escaped", [
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("[x](y)", r"\[x\](y)"), ("a|b", r"a\|b"), ("*b*", r"\*b\*"), ("`c`", r"\`c\`"),
    ("_u_", r"\_u\_"), ("dense_1", "dense_1"), ("a\nb", r"a\\nb"), ("AT&T", "AT&amp;T")])
def test_md_escape(text: str, escaped: str) -> None:
    assert md_escape(text) == escaped


# -- 4: LaTeX --------------------------------------------------------------------------
LATEX_NAMES = ["\\ & % $ # _ { } ~ ^", "a}b{c", "new\nline\n\npar", "ctl\x1b[31m\r\x00\t",
               "<b>|x|</b>", "%comment", "\\end{document}", "\\input{/etc/passwd}", "é ñ ü"]


@pytest.mark.parametrize("text, expected", [
    ("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("$", r"\$"), ("#", r"\#"),
    ("_", r"\_"), ("{", r"\{"), ("}", r"\}"), ("~", r"\textasciitilde{}"),
    ("^", r"\textasciicircum{}"), ("a\nb", r"a\textbackslash{}nb"),
    ("\x1b", r"\textbackslash{}x1b"), ("<", r"\textless{}")])
def test_tex_escape(text: str, expected: str) -> None:
    assert tex_escape(text) == expected


def _latex_document(names: list[str]) -> tuple[str, Network]:
    net = hostile_network(names[0], distinct(names))
    d = net.derive()
    return to_latex(d, standalone=True, worked=True, values=VALUES), net


def test_latex_names_are_escaped_everywhere() -> None:
    tex, net = _latex_document(LATEX_NAMES)
    for name in LATEX_NAMES[:-3]:  # the last three are ordinary text once escaped
        assert name not in tex
    assert "\\input{" not in tex and tex.count("\\end{document}") == 1
    # every name is in the section title, the table, the align* labels, the legend,
    # the conditions and the worked solution, always escaped
    first = tex_escape(LATEX_NAMES[0])
    assert rf"\section*{{{first}}}" in tex
    assert rf"\text{{{first}}}" in tex and rf"\textbf{{{first}}}" in tex
    assert f"kernel size of {first}".replace(r"\_", r"\_\allowbreak{}") in tex  # breakable after _
    # the condition n >= k + 5 comes from the third layer
    assert rf"\item $n \geq k + 5$ ({tex_escape(LATEX_NAMES[2])})" in tex


@pytest.mark.parametrize("names", [LATEX_NAMES, HOSTILE[:6] + ["L" * 300]],
                         ids=["specials", "python-hostile"])
def test_latex_document_with_hostile_names_compiles(names: list[str], tmp_path: Path) -> None:
    from tests.test_pdflatex import compile_ok

    tex, net = _latex_document(names)
    compile_ok(tex, tmp_path)
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-raw", "doc.pdf", "-"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=60).stdout
        # the first layer's name, printed literally (control characters as escapes);
        # pdftotext drops OT1's rule for _, and gives typographic ' ~ ^
        flat = "".join(out.split()).translate(str.maketrans("’˜ˆ", "'~^"))
        assert "".join(printable(names[0]).replace("_", "").split()) in flat


def test_spec_names_reach_latex_safely() -> None:
    spec = from_dict({"name": "a}\n\\b", "input": [8, 8, 1],
                      "layers": [{"kind": "conv2d", "name": "x%y_{z}", "filters": 2,
                                  "kernel": 3}]})
    tex = spec.derive().latex(standalone=True, worked=True)
    assert r"\section*{a\}\textbackslash{}n\textbackslash{}b}" in tex
    assert r"x\%y\_\{z\}" in tex and "x%y" not in tex
    assert worked_latex(spec.derive()).count(r"x\%y\_\{z\}") == 1


# -- 4: terminal text and JSON ------------------------------------------------------------
@pytest.mark.parametrize("name", SPEC_NAMES, ids=range(len(SPEC_NAMES)))
def test_text_and_json_escape_control_characters(name: str) -> None:
    names = distinct([name, name + "p", name, name + "d"])
    d = hostile_network(name, names).derive()
    text = to_text(d)
    assert all(ch.isprintable() for ch in text.replace("\n", ""))
    plain = to_text(hostile_network("x", ["a", "b", "c", "d"]).derive())
    assert len(text.splitlines()) == len(plain.splitlines())
    assert printable(names[0]) in text
    out = to_json(d)
    assert all(ch.isprintable() for ch in out.replace("\n", ""))
    assert [layer["name"] for layer in json.loads(out)["layers"]] == [r.name for r in d.rows]


def test_text_from_a_toml_spec_escapes_ansi() -> None:
    import tomllib

    data = tomllib.loads('name = "\\u001b[2J\\u001b[31mred"\ninput = [8, 8, 1]\n'
                         '[[layers]]\nkind = "conv2d"\nname = "c\\r\\u0000\\u009b1"\n'
                         'filters = 2\nkernel = 3\n')
    d = from_dict(data).derive()
    text = to_text(d)
    assert "\x1b" not in text and "\r" not in text and "\x00" not in text
    assert "\\x1b[2J\\x1b[31mred" in text.splitlines()[0]
    assert "c\\r\\x00\\x9b1" in text
    assert "\x9b" not in to_json(d) and "\\u009b" in to_json(d)
