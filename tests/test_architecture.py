"""The layout of DESIGN.md: imports point down only (cli -> export, notation, interop ->
core, layers -> algebra), and a layer kind lives in one file of symparams/layers."""

import ast
from pathlib import Path

import pytest

import symparams
from symparams.core.layer import REGISTRY

ROOT = Path(symparams.__file__).parent


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def packages(path: Path) -> set[str]:
    return {m.split(".")[1] for m in imported_modules(path)
            if m.startswith("symparams.") and m.count(".") >= 1}


@pytest.mark.parametrize("path", sorted((ROOT / "core").glob("*.py")), ids=lambda p: p.name)
def test_core_imports_only_core_and_algebra(path):
    assert packages(path) <= {"core", "algebra"}, path


@pytest.mark.parametrize("path", sorted((ROOT / "algebra").glob("*.py")), ids=lambda p: p.name)
def test_algebra_imports_only_core_and_algebra(path):
    assert packages(path) <= {"core", "algebra"}, path


@pytest.mark.parametrize("path", sorted((ROOT / "layers").glob("*.py")), ids=lambda p: p.name)
def test_a_layer_file_imports_core_and_algebra_only(path):
    allowed = {"core", "algebra"} | ({"layers"} if path.name == "__init__.py" else set())
    assert packages(path) <= allowed, path


def test_the_notation_names_no_kind():
    """Letters, positional arguments and keywords come from the layer classes."""
    source = (ROOT / "notation" / "compact.py").read_text()
    for kind in ("conv", "dense", "pool", "batchnorm", "dropout", "activation", "flatten"):
        assert f'"{kind}"' not in source, kind
    assert "from symparams.layers" not in source


def test_every_letter_belongs_to_one_class():
    seen: dict[str, type] = {}
    for cls, _ in REGISTRY.values():
        for letter in cls.letters:
            assert seen.setdefault(letter, cls) is cls, letter
    assert set(seen) == set("ABCDEFGHIOPZ") | {"LN", "MHA", "FF"}


def test_a_new_kind_is_written_in_the_notation_without_touching_the_parser():
    """A kind declared in one place (here, in the test) is parsed by letter and by name."""
    from dataclasses import dataclass

    from symparams.core.layer import Layer, Weight, hyper, register
    from symparams.core.shape import Shape

    @register("scale")
    @dataclass(frozen=True)
    class Scale(Layer):
        kind = "scale"
        prefix = "scale"
        letters = {"Q": lambda i, spatial: {"factor": f"f{i}"}}
        positional = ("factor",)
        aliases = {"f": "factor"}

        factor: object = hyper("scale factor")

        def output_shape(self, in_shape: Shape) -> Shape:
            return in_shape

        def weights(self, in_shape: Shape):
            return (Weight("w", (self.factor, in_shape.channels)),)

    try:
        d = symparams.parse("I(10)-Q(3)-Q-scale(f=2)").derive()
        assert [r.kind for r in d.rows] == ["scale"] * 3
        assert d.subs({"f1": 5}).evaluate() == 3 * 10 + 5 * 10 + 2 * 10
    finally:
        del REGISTRY["scale"]
