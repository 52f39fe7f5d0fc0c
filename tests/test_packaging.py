"""The package as a stranger gets it: the sdist, the wheel built from it, and the commands.

The sdist and the wheel are built with setuptools' own backend (``setuptools.build_meta``,
no build isolation, so nothing is downloaded; the ``test`` extra brings setuptools>=77)
from a copy of the working tree.  The wheel must hold the zoo, ``py.typed`` and the
command; the zoo must work from an installed copy (the wheel unpacked, run from another
folder, so the working tree is not what Python imports); the sdist must hold the tests,
the documentation and the zoo link, and the zoo's tests must pass from the unpacked sdist.
"""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import symparams
from symparams.cli import main

ROOT = Path(__file__).resolve().parent.parent
SKIP = shutil.ignore_patterns(".git", ".ci-venv", ".venv", "mutants", "build", "dist",
                              "__pycache__", "*.egg-info", ".hypothesis", ".pytest_cache")


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"symparams {symparams.__version__}\n"


def test_python_dash_m_symparams(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "symparams", "--version"], capture_output=True,
                         text=True, cwd=tmp_path, env=env, check=True).stdout
    assert out == f"symparams {symparams.__version__}\n"


def test_version_matches_the_metadata():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["version"] == symparams.__version__
    assert set(project["optional-dependencies"]) == {"torch", "jupyter", "test"}
    assert project["license"] == "MIT" and (ROOT / "LICENSE").is_file()
    assert (ROOT / "symparams" / "py.typed").is_file()
    assert f"## {symparams.__version__}" in (ROOT / "CHANGELOG.md").read_text()


def build(kind: str, source: Path, out: Path) -> Path:
    """Build an sdist or a wheel of ``source`` into ``out`` with setuptools, no isolation."""
    code = (f"from setuptools import build_meta as b; "
            f"print(b.build_{kind}({str(out)!r}))")
    result = subprocess.run([sys.executable, "-c", code], cwd=source, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return out / result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    pytest.importorskip("setuptools", minversion="77")
    tmp = tmp_path_factory.mktemp("dist")
    tree = tmp / "tree"
    shutil.copytree(ROOT, tree, symlinks=True, ignore=SKIP)
    sdist = build("sdist", tree, tmp)
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp / "unpacked", filter="tar")
    unpacked = next((tmp / "unpacked").iterdir())
    wheel = build("wheel", unpacked, tmp)   # the wheel from the sdist, as pip builds it
    return sdist, unpacked, wheel


def test_the_sdist_holds_the_tests_docs_and_zoo(dist):
    sdist, unpacked, _ = dist
    for name in ("README.md", "LICENSE", "CHANGELOG.md", "pyproject.toml", "docs/notation.md",
                 "docs/gallery.md", "docs/gallery.py", "docs/img/gallery/vgg16-1.png",
                 "tests/conftest.py", "tests/test_docs_examples.py",
                 "tests/golden", "symparams/zoo/vgg16.toml", "symparams/py.typed",
                 "symparams/__main__.py", ".ci/run"):
        assert (unpacked / name).exists(), name
    # setuptools copies the link's files: the same files as the package's zoo
    zoo = {p.name: p.read_bytes() for p in (unpacked / "symparams" / "zoo").glob("*.toml")}
    assert {p.name: p.read_bytes() for p in (unpacked / "derivations").glob("*.toml")} == zoo


def test_the_wheel_installs_the_zoo_and_the_command(dist):
    _, _, wheel = dist
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        info = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = email.message_from_bytes(z.read(info))
        entry_points = z.read(info.replace("METADATA", "entry_points.txt")).decode()
    zoo = {p.name for p in (ROOT / "symparams" / "zoo").glob("*.toml")}
    assert {f"symparams/zoo/{name}" for name in zoo} <= names
    assert {"symparams/py.typed", "symparams/__main__.py"} <= names
    assert not any(n.startswith(("tests/", "docs/", "derivations")) for n in names)
    assert "symparams = symparams.cli:main" in entry_points
    assert metadata["License-Expression"] == "MIT"
    assert set(metadata.get_all("Provides-Extra")) == {"torch", "jupyter", "test"}
    assert metadata.get_all("Project-URL") and metadata.get_all("Classifier")


def test_the_installed_zoo_works_from_another_folder(dist, tmp_path):
    _, _, wheel = dist
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}

    def run(*args):
        result = subprocess.run([sys.executable, "-m", "symparams", *args], cwd=elsewhere,
                                env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        return result.stdout

    where = subprocess.run([sys.executable, "-c", "import symparams; print(symparams.__file__)"],
                           cwd=elsewhere, env=env, capture_output=True, text=True).stdout
    assert where.startswith(str(site))
    assert "vgg16" in run("zoo")
    assert "Total params: 138,357,544" in run("derive", "vgg16")
    assert "Total params: 25,557,032" in run("derive", "resnet50")


def test_the_zoo_tests_pass_from_the_unpacked_sdist(dist):
    _, unpacked, _ = dist
    env = {**os.environ, "PYTHONPATH": str(unpacked)}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                             "tests/test_zoo.py", "tests/test_derivations.py"],
                            cwd=unpacked, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    where = subprocess.run([sys.executable, "-c", "import symparams; print(symparams.__file__)"],
                           cwd=unpacked, env=env, capture_output=True, text=True).stdout
    assert where.startswith(str(unpacked))
