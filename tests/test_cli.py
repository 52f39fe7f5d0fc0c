"""The command line: output, JSON shape, exit codes, no tracebacks, nothing half-written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from symparams.cli import main

MNIST = "I(28x28x1)-C(32,5)-P(2)-C(32,3)-P(2)-H(256)-O(10)"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_derive_prints_table_and_total(capsys):
    code, out, _ = run(capsys, "derive", MNIST)
    assert code == 0
    assert "conv2d1" in out and "24 × 24 × 32" in out and "205,056" in out
    assert "Total params: 217,706" in out


def test_general_formula_and_legend(capsys):
    code, out, _ = run(capsys, "derive", "I-C-P-C-P-H-O")
    assert code == 0 and "k1  kernel size of conv2d1" in out and "Valid when:" in out


def test_set_substitutes(capsys):
    code, out, _ = run(capsys, "derive", "I-C-P-C-P-H-O", "--set", "n=28", "l=1", "c1=32", "k1=5",
                       "q1=2", "c2=32", "k2=3", "q2=2", "--set", "h1=256", "o=10")
    assert code == 0 and "Total params: 217,706" in out


def test_json_format(capsys):
    code, out, _ = run(capsys, "derive", "I(n x n x 1)-C(4,5)-P(2)-H(16)", "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert set(data) >= {"layers", "total", "trainable", "non_trainable", "symbols", "conditions"}
    assert [l["name"] for l in data["layers"]] == ["conv2d1", "maxpool1", "flatten1", "dense1"]
    assert data["layers"][0]["params"] == 104 and isinstance(data["layers"][0]["output_shape"][0], str)
    assert data["layers"][0]["output_shape"][2] == 4
    assert data["symbols"] == {"n": "input height and width"}
    assert isinstance(data["total"], str) and data["non_trainable"] == 0


def test_spec_file_and_keras_convention(capsys, tmp_path):
    path = tmp_path / "bn.toml"
    path.write_text('notation = "I(8x8x3)-C(4,3)-B"\n')
    _, out, _ = run(capsys, "derive", str(path), "--convention", "keras", "--format", "json")
    data = json.loads(out)
    assert (data["trainable"], data["non_trainable"]) == (112 + 8, 8)


def test_output_file(capsys, tmp_path):
    target = tmp_path / "out.json"
    code, out, _ = run(capsys, "derive", MNIST, "--format", "json", "-o", str(target))
    assert code == 0 and out == "" and json.loads(target.read_text())["total"] == 217706


@pytest.mark.parametrize("argv,status,message", [
    (["derive", "I(28x28x1)-C(4,30)"], 1, "layer 1 (conv2d1, C(4,30))"),  # impossible: 1
    (["derive", "I(28x28x1)-X"], 2, "unknown layer 'X'"),
    (["derive", "I-C-O", "--set", "n=0"], 1, "must be an integer of at least 1"),
    (["derive", "I-C-O", "--set", "n"], 2, "--set takes NAME=VALUE"),
    (["derive", "missing.toml"], 2, "cannot read missing.toml"),
    (["derive", str(Path(__file__).parent)], 2, "tests is a folder"),
])
def test_bad_input_is_one_clear_error(capsys, argv, status, message):
    code, out, err = run(capsys, *argv)
    assert code == status and out == ""
    assert err.startswith("symparams: error: ") and message in err


def test_bad_input_writes_nothing(capsys, tmp_path):
    target = tmp_path / "out.txt"
    code, _, _ = run(capsys, "derive", "I(28x28x1)-C(4,30)", "-o", str(target))
    assert code == 1 and not target.exists() and list(tmp_path.iterdir()) == []


def test_console_script_never_shows_a_traceback():
    proc = subprocess.run([sys.executable, "-m", "symparams.cli", "derive",
                           "I(28x28x1)-C(__import__('os').system('echo pwned'),5)"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "pwned" not in proc.stdout
    assert proc.stderr.count("\n") <= 3  # the message, the text, the caret


def test_assume_divisible_is_shown_as_an_assumption_in_every_format(capsys):
    spec = "I(n x n x 3)-C(8,3,p=1)-P(2)-C(8,3,p=1)-P(2)-G-O(10)"
    _, text, _ = run(capsys, "derive", spec, "--assume-divisible")
    assert "n/4" in text and "assuming 4 divides n" in text and "floor" not in text
    _, out, _ = run(capsys, "derive", spec, "--assume-divisible", "--format", "json")
    assert json.loads(out)["assumptions"] == ["assuming 4 divides n"]
    _, out, _ = run(capsys, "derive", spec, "--assume-divisible", "--format", "markdown")
    assert "(maxpool2, assumed)" in out
    _, out, _ = run(capsys, "derive", spec, "--assume-divisible", "--format", "latex")
    assert "(maxpool2, assumed)" in out
    _, out, _ = run(capsys, "derive", spec, "--format", "json")
    assert json.loads(out)["assumptions"] == [] and "floor" in out
