"""The common layer as `sam build` makes it: size zipped and unzipped, the biggest packages, .pyc or not."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

from bench.harness import ROOT

SHARED_BUILD = ROOT / ".aws-sam" / "build" / "CommonLayer"
OWN_BUILD = ROOT / "bench" / "results" / "sam-build"
LAMBDA_UNZIPPED_LIMIT_MB = 250


def built_layer_dir() -> Path | None:
    for candidate in (SHARED_BUILD, OWN_BUILD / "CommonLayer"):
        if (candidate / "python").is_dir():
            return candidate
    return None


def build(log: Any) -> tuple[Path | None, str]:
    """Reuse a build if there is one; else `sam build CommonLayer` into bench/results (never .aws-sam)."""
    found = built_layer_dir()
    if found is not None:
        return found, f"reused {found.relative_to(ROOT)}"
    sam = ROOT / ".venv-sam" / "bin" / "sam"
    if not sam.exists():
        return None, "sam is not installed (.venv-sam); run `make build` to get the layer's size"
    env = dict(os.environ, SAM_CLI_TELEMETRY="0")
    pyenv_python = _python313_dir()
    if pyenv_python:
        env["PATH"] = f"{pyenv_python}:{env.get('PATH', '')}"
    log("  sam build CommonLayer (first run only, ~40 s)...")
    command = [str(sam), "build", "CommonLayer", "--build-dir", str(OWN_BUILD)]
    try:
        completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"sam build could not run: {type(exc).__name__}: {exc}"
    if completed.returncode != 0:
        tail = " | ".join(completed.stdout.strip().splitlines()[-3:] + completed.stderr.strip().splitlines()[-3:])
        return None, f"sam build failed (exit {completed.returncode}): {tail}"
    return built_layer_dir(), f"built with sam into {OWN_BUILD.relative_to(ROOT)}"


def _python313_dir() -> str | None:
    if shutil.which("python3.13"):
        return None
    try:
        prefix = subprocess.run(["pyenv", "prefix", "3.13.0"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return str(Path(prefix.strip()) / "bin")


def measure(layer: Path) -> dict[str, Any]:
    unzipped = 0
    per_package: dict[str, int] = {}
    files = pyc = py = 0
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for path in sorted(layer.rglob("*")):
            if not path.is_file():
                continue
            relative = path.relative_to(layer)
            size = path.stat().st_size
            unzipped += size
            files += 1
            pyc += path.suffix == ".pyc"
            py += path.suffix == ".py"
            parts = relative.parts
            package = parts[1] if len(parts) > 2 and parts[0] == "python" else parts[-1]
            package = package.split("-")[0] if package.endswith((".dist-info", ".data")) else package
            per_package[package] = per_package.get(package, 0) + size
            archive.write(path, str(relative))
    biggest = sorted(per_package.items(), key=lambda kv: -kv[1])[:8]
    return {
        "path": str(layer.relative_to(ROOT)),
        "unzipped_mb": round(unzipped / 1e6, 1),
        "zipped_mb": round(buffer.tell() / 1e6, 1),
        "files": files,
        "py_files": py,
        "pyc_files": pyc,
        "limit_unzipped_mb": LAMBDA_UNZIPPED_LIMIT_MB,
        "biggest_packages_mb": {name: round(size / 1e6, 1) for name, size in biggest},
        "has_botocore": (layer / "python" / "botocore").is_dir(),
    }
