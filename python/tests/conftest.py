"""Shared paths: the repository, its bundled test model and ../shared/data (read-only)."""

import os
import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"
MODEL = ROOT / "crates" / "nn" / "tests" / "data" / "v1_model.safetensors"
SEQUENCES = ROOT / "crates" / "nn" / "tests" / "data" / "v1_sequences.tsv"


def explainn_binary():
    """The command-line binary the tests compare with: $EXPLAINN_BIN, else the workspace's
    release or debug build in $CARGO_TARGET_DIR or target/ (`cargo build` makes one;
    `.ci/run` runs `cargo test` first)."""
    env = os.environ.get("EXPLAINN_BIN")
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    candidates = [pathlib.Path(env)] if env else [
        target / "release" / "explainn", target / "debug" / "explainn"]
    for c in candidates:
        if c.is_file():
            return str(c)
    found = shutil.which("explainn")
    if found:
        return found
    raise RuntimeError(
        "no explainn binary: build it (cargo build -p explainn) or set EXPLAINN_BIN")


@pytest.fixture(scope="session")
def cli():
    binary = explainn_binary()

    def run(*args):
        r = subprocess.run([binary, *map(str, args)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return r.stdout

    return run


@pytest.fixture(scope="session")
def sequences():
    """The bundled test sequences (id, sequence), 200 bp."""
    rows = []
    for line in SEQUENCES.read_text().splitlines():
        if line.startswith("#") or line.startswith("id\t"):
            continue
        f = line.split("\t")
        rows.append((f[0], f[1]))
    return rows
