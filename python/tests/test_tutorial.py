"""The tutorial runs and writes its plot (CI runs it on every change)."""

import pathlib
import subprocess
import sys

import pytest

TUTORIAL = pathlib.Path(__file__).resolve().parents[1] / "examples" / "tutorial.py"


def test_tutorial_runs_and_writes_its_logo(tmp_path):
    pytest.importorskip("matplotlib")
    r = subprocess.run([sys.executable, str(TUTORIAL), str(tmp_path / "t")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    logo = tmp_path / "t" / "logo.png"
    assert logo.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "units named" in r.stdout and "AUROC" in r.stdout
