"""`sam build` makes a layer Lambda can load on arm64. Slow and needs PyPI: runs only with LINGUAFLEX_SAM_BUILD=1
(`make template-checks` sets it), so a plain `pytest` run does not build."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.template.checks import ROOT

SAM = ROOT / ".venv-sam" / "bin" / "sam"
BUILD = ROOT / ".aws-sam" / "build"
LAYER = BUILD / "CommonLayer" / "python"
ELF_MACHINE_AARCH64 = 0xB7

pytestmark = [
    pytest.mark.sam_build,
    pytest.mark.skipif(os.environ.get("LINGUAFLEX_SAM_BUILD") != "1", reason="set LINGUAFLEX_SAM_BUILD=1 to build"),
]


def _python313_dir() -> str:
    """SAM's python3.13 workflow runs `python3.13` from PATH; pyenv shims only work with that version selected."""
    found = subprocess.run([str(ROOT / "scripts/find-python")], capture_output=True, text=True, check=True)
    python = Path(found.stdout.strip())
    version = subprocess.run(
        [str(python), "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert version == "(3, 13)", f"sam build needs Python 3.13, scripts/find-python gave {python} ({version})"
    return str(python.parent)


def _elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", path
    return int.from_bytes(header[18:20], "little")


@pytest.fixture(scope="module")
def built() -> Path:
    env = {**os.environ, "PATH": f"{_python313_dir()}{os.pathsep}{os.environ['PATH']}", "SAM_CLI_TELEMETRY": "0"}
    completed = subprocess.run(
        [str(SAM), "build", "--cached", "--parallel"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,  # a hung pip download must not hang CI; a normal cold build takes a minute or two
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return BUILD


def test_the_layer_holds_the_dependencies_and_our_package(built: Path) -> None:
    for package in ("stripe", "aws_lambda_powertools", "pydantic", "pydantic_core", "jwt", "linguaflex"):
        assert (LAYER / package / "__init__.py").is_file(), package


def test_native_code_in_the_layer_is_built_for_aarch64(built: Path) -> None:
    assert list((LAYER / "pydantic_core").glob("*aarch64*.so")), "pydantic_core has no aarch64 extension"
    shared_objects = list(LAYER.rglob("*.so"))
    assert shared_objects
    wrong = [str(path.relative_to(LAYER)) for path in shared_objects if _elf_machine(path) != ELF_MACHINE_AARCH64]
    assert wrong == []


def test_each_function_is_built_from_its_own_folder(built: Path) -> None:
    from local.template_model import functions

    for logical_id, spec in functions().items():
        assert (built / logical_id / f"{spec.handler.split('.')[0]}.py").is_file(), logical_id
    assert (built / "template.yaml").is_file()
