"""Every example in README.md and docs/*.md runs, and prints what the page shows.

The convention, by the fenced block's info string:

``console``
    Lines starting with ``$ `` are commands; the lines up to the next command are the
    output it prints (stdout, then stderr), compared exactly after stripping trailing
    white space.  ``...`` stands for any text: a line of its own for any number of
    lines, inside a line for any part of it (doctest's ELLIPSIS).  An expected
    ``symparams: error:`` means the exit status must not be 0, otherwise it must be 0.
``sh``
    Each line is a command (a trailing ``# comment`` is prose and is not checked); it
    must exit with status 0.  Output is not compared: write a ``console`` block to show
    it.
``python``
    With ``>>>`` prompts, a doctest (ELLIPSIS; a comment of two spaces and ``#`` at the
    end of an expected line is prose and is dropped); else plain code that must run
    without error.  The blocks of one page share a namespace that starts with
    ``import symparams`` (later blocks use names earlier ones defined).
``toml``  (an exam template when it has ``[draw]``: loaded and drawn from)
    A spec file: loaded with :func:`symparams.load` and derived, and its ``[published]``
    figures checked against the derivation as the zoo's are
    (:func:`tests.test_derivations.check_published`).
``text``, ``latex``
    Not run, so each must say why, in a comment on the line before the block:
    ``<!-- not run: REASON -->``.  (docs/gallery.md is generated: its ``text`` blocks are
    the closed forms, which tests/test_gallery.py keeps up to date.)

Markers, an HTML comment on the line before a block (invisible on the rendered page):

``<!-- excerpt: PATH -->``
    The block appears verbatim in that file of the repository (an excerpt of a zoo file).
``<!-- notation -->``
    A ``text`` block of notations, one per paragraph (line breaks inside a notation are
    white space): each is parsed and derived.
``<!-- not run: REASON -->``
    A ``text`` or ``latex`` block that is not run, and why.

Commands in ``console`` and ``sh`` blocks: ``symparams ARGS`` runs ``symparams.cli.main``
in-process with its output captured; ``python -m symparams ARGS`` likewise.  Other
commands (``pip install``, ``python -m pytest``, ``python benchmarks/…``, activating a
venv) are not run here: .ci/run runs the README's install and test command, and the
benchmarks and long test profiles are not examples of output.  Each page's commands run
in a temporary folder holding ``derivations`` (the zoo) and ``config.json`` (gpt2's
config from the hub, as ``tests/test_hf_config.py`` writes it), so ``-o FILE`` writes
there.

Blocks that need PyTorch (``import torch``, ``from_torch``, ``to_torch``,
``symparams verify``) skip without it, except under ``CI=true``, where they fail.

``SYMPARAMS_REGEN_DOCS=1 python -m pytest tests/test_docs_examples.py`` rewrites the
expected output of ``console`` blocks that have no ``...`` in place (read the diff).
"""

from __future__ import annotations

import contextlib
import doctest
import io
import json
import os
import re
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))
RUN = {"console", "sh", "python", "toml"}
NOT_RUN = {"text", "latex"}
"""Info strings of blocks that are not run (each use in the docs says why, nearby)."""
FENCE = re.compile(r"^(```+)\s*([\w+-]*)\s*$")
EXCERPT = re.compile(r"<!--\s*excerpt:\s*(\S+)\s*-->")
MARKER = re.compile(r"<!--\s*(notation|not run:\s*\S.*?)\s*-->")
GENERATED = {ROOT / "docs" / "gallery.md"}
REGEN = os.environ.get("SYMPARAMS_REGEN_DOCS") == "1"


@dataclass
class Block:
    page: Path
    line: int          # 1-based line of the opening fence
    info: str
    text: str
    excerpt: str | None = None
    index: int = 0     # position among the page's blocks
    marker: str | None = None   # "notation" or "not run: …" from the comment before it

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of a Markdown page, in order."""
    lines = page.read_text(encoding="utf-8").splitlines()
    out: list[Block] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info = m.group(1), m.group(2)
        j = i + 1
        while j < len(lines) and lines[j].strip() != fence:
            j += 1
        before = next((lines[k] for k in range(i - 1, -1, -1) if lines[k].strip()), "")
        ex, mark = EXCERPT.search(before), MARKER.search(before)
        out.append(Block(page, i + 1, info, "\n".join(lines[i + 1:j]) + "\n",
                         ex.group(1) if ex else None, len(out), mark.group(1) if mark else None))
        i = j + 1
    return out


ALL = [b for page in PAGES for b in blocks(page)]


def test_every_block_has_a_known_info_string():
    unknown = [b.id for b in ALL if b.info not in RUN | NOT_RUN]
    assert not unknown, f"fenced blocks without a known info string ({sorted(RUN | NOT_RUN)}): {unknown}"


def test_every_block_not_run_says_why():
    silent = [b.id for b in ALL if b.info in NOT_RUN and b.page not in GENERATED
              and not (b.marker or "").startswith(("not run:", "notation"))]
    assert not silent, f"text/latex blocks without <!-- not run: REASON --> before them: {silent}"


@pytest.mark.parametrize("block", [b for b in ALL if b.marker == "notation"], ids=lambda b: b.id)
def test_notation_block(block: Block) -> None:
    import symparams

    notations = [n for n in block.text.split("\n\n") if n.strip()]
    assert notations
    for notation in notations:
        symparams.parse(notation).derive()


def test_the_examples_are_found():
    assert len([b for b in ALL if b.info in RUN]) >= 40


# -- running ---------------------------------------------------------------------------

def needs_torch(text: str) -> bool:
    return bool(re.search(r"import torch|from_torch|to_torch|symparams verify", text))


def require_torch_if(text: str) -> None:
    if needs_torch(text):
        from tests.torch_required import require_torch

        require_torch()


@dataclass
class Page:
    """One page's state: its working folder and its Python namespace."""

    folder: Path
    namespace: dict = field(default_factory=dict)
    done: set[int] = field(default_factory=set)   # python blocks already executed


_PAGES: dict[Path, Page] = {}


def page_state(page: Path, tmp_path_factory) -> Page:
    if page not in _PAGES:
        from tests.test_hf_config import GPT2

        folder = tmp_path_factory.mktemp(page.stem)
        (folder / "derivations").symlink_to(ROOT / "derivations")
        (folder / "config.json").write_text(json.dumps(GPT2, indent=2), encoding="utf-8")
        _PAGES[page] = Page(folder)
    return _PAGES[page]


@contextlib.contextmanager
def working_folder(folder: Path):
    old = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(old)


def run_command(command: str) -> tuple[int, str] | None:
    """Run one shell line if it is a symparams command: (status, stdout + stderr)."""
    from symparams.cli import main

    words = shlex.split(command, comments=True)
    if words[:3] == ["python", "-m", "symparams"]:
        words = ["symparams"] + words[3:]
    if not words or words[0] != "symparams":
        return None
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(words[1:])
        except SystemExit as e:  # argparse's --help / --version
            status = e.code if isinstance(e.code, int) else 0
    return status, out.getvalue() + err.getvalue()


def clean(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines()) + "\n"


def matches(want: str, got: str) -> bool:
    want, got = clean(want), clean(got)
    return want == got or doctest.OutputChecker().check_output(want, got, doctest.ELLIPSIS)


def console_items(text: str) -> list[tuple[str, str]]:
    """(command, expected output) pairs of a console block."""
    items: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            items.append((line[2:], []))
        elif items:
            items[-1][1].append(line)
        elif line.strip():
            raise AssertionError(f"output before the first command: {line!r}")
    return [(c, "\n".join(o)) for c, o in items]


def check_console(block: Block, folder: Path) -> None:
    failures = []
    regenerated = []
    for command, want in console_items(block.text):
        with working_folder(folder):
            result = run_command(command)
        if result is None:
            regenerated.append((command, want))
            continue  # pip install: not run here (see the module's docstring)
        status, got = result
        if not matches(want, got):
            failures.append(f"$ {command}\n--- the page shows:\n{clean(want)}--- it prints:\n{clean(got)}")
            regenerated.append((command, want if "..." in want else clean(got).rstrip("\n")))
        else:
            regenerated.append((command, want))
        if ("symparams: error:" in want) != (status != 0):
            failures.append(f"$ {command}\nexit status {status}")
    if failures and REGEN:
        rewrite(block, "".join(f"$ {c}\n{o}\n" if o else f"$ {c}\n" for c, o in regenerated))
    assert not failures, "\n\n".join(failures)


def rewrite(block: Block, text: str) -> None:
    """Replace the block's body in its page (found by its text: earlier rewrites may have
    moved it)."""
    page = block.page.read_text(encoding="utf-8")
    old = f"```{block.info}\n{block.text}```"
    assert page.count(old) == 1, f"{block.id}: cannot find the block to rewrite"
    block.page.write_text(page.replace(old, f"```{block.info}\n{text.rstrip()}\n```"),
                          encoding="utf-8")


def check_sh(block: Block, folder: Path) -> None:
    for line in block.text.splitlines():
        for part in line.split("&&"):
            if not part.strip() or part.strip().startswith("#"):
                continue
            with working_folder(folder):
                result = run_command(part)
            if result is not None:
                status, got = result
                assert status == 0, f"{part.strip()}\nexit status {status}:\n{got}"


class _Checker(doctest.OutputChecker):
    """doctest's checker; an expected line's trailing ``  # comment`` is prose."""

    def check_output(self, want: str, got: str, optionflags: int) -> bool:
        want = re.sub(r" {2,}# .*$", "", want, flags=re.M)
        return super().check_output(want, got, optionflags)


def run_python(block: Block, namespace: dict) -> None:
    if ">>>" in block.text:
        test = doctest.DocTestParser().get_doctest(block.text, namespace, block.id,
                                                   str(block.page), block.line)
        out = io.StringIO()
        runner = doctest.DocTestRunner(checker=_Checker(), optionflags=doctest.ELLIPSIS)
        runner.run(test, out=out.write, clear_globs=False)
        namespace.update(test.globs)  # a DocTest runs in a copy of the namespace
        assert runner.failures == 0, out.getvalue()
    else:
        exec(compile(block.text, block.id, "exec"), namespace)  # noqa: S102


def check_python(block: Block, state: Page) -> None:
    if not state.namespace:
        state.namespace.update(__name__="__docs__")
        exec("import symparams", state.namespace)  # noqa: S102
    earlier = [b for b in ALL if b.page == block.page and b.info == "python"
               and b.index < block.index and b.index not in state.done and not b.excerpt]
    with working_folder(state.folder):
        for b in earlier:  # a block run alone: the page's earlier blocks first
            require_torch_if(b.text)
            run_python(b, state.namespace)
            state.done.add(b.index)
        state.done.add(block.index)
        run_python(block, state.namespace)


def check_toml(block: Block, folder: Path) -> None:
    import symparams
    from tests.test_derivations import check_published

    data = tomllib.loads(block.text)
    path = folder / f"block{block.line}.toml"
    path.write_text(block.text, encoding="utf-8")
    if "draw" in data:  # an exam template (docs/exams.md): loaded and drawn from
        from symparams.cli import main
        from symparams.export.exam.template import load

        load(path)
        assert main(["exam", str(path), "--count", "2", "--seed", "1", "--format",
                     "json"]) == 0
        return
    spec = symparams.load(path)
    spec.derive()
    if spec.published:
        check_published(spec)


@pytest.mark.parametrize("block", [b for b in ALL if b.info in RUN], ids=lambda b: b.id)
def test_example(block: Block, tmp_path_factory) -> None:
    if block.excerpt:
        whole = (ROOT / block.excerpt).read_text(encoding="utf-8")
        assert block.text in whole, f"not an excerpt of {block.excerpt}"
        return
    require_torch_if(block.text)
    state = page_state(block.page, tmp_path_factory)
    {"console": lambda: check_console(block, state.folder),
     "sh": lambda: check_sh(block, state.folder),
     "python": lambda: check_python(block, state),
     "toml": lambda: check_toml(block, state.folder)}[block.info]()


# -- links -------------------------------------------------------------------------------

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def _prose(text: str) -> str:
    """The page without its fenced blocks and code spans (links there are examples)."""
    text = re.sub(r"^(```+).*?^\1\s*$", "", text, flags=re.M | re.S)
    return re.sub(r"`[^`\n]*`", "", text)


def _anchors(page: Path) -> set[str]:
    """GitHub's anchors of a page's headings: lower case, punctuation dropped, spaces as '-'."""
    headings = re.findall(r"^#+\s+(.*?)\s*$", _prose(page.read_text(encoding="utf-8")), flags=re.M)
    return {"".join(c for c in h.lower() if c.isalnum() or c in " -_").replace(" ", "-")
            for h in headings}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_stay_in_the_repository_and_resolve(page: Path) -> None:
    """Every relative link and image of a page names a file of the repository (not
    ../shared/…), and a #fragment names a heading of its page."""
    bad = []
    for target in LINK.findall(_prose(page.read_text(encoding="utf-8"))):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:
        path, _, fragment = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if ROOT not in file.parents or not file.exists():
            bad.append(target)
        elif fragment and file.suffix == ".md" and fragment not in _anchors(file):
            bad.append(target)
    assert not bad, f"{page.name}: links that do not resolve: {bad}"
