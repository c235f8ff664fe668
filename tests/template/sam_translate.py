"""Offline SAM -> CloudFormation translation, as the AWS::Serverless transform does it at deploy time.

aws-sam-translator ships with the SAM CLI (`.venv-sam`), not with the test venv, so unless the test
interpreter has it this file is run as a script by `.venv-sam/bin/python`:

    .venv-sam/bin/python tests/template/sam_translate.py < requests.json > results.json

requests.json is `[{"path": "template.yaml", "parameters": {...}}, ...]`; each result is
`{"template": {...} | null, "errors": [...]}`. Several templates share one interpreter start.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SAM_PYTHON = ROOT / ".venv-sam" / "bin" / "python"
REGION = "us-east-1"


class _NoManagedPolicyLookups:
    """Stands in for samtranslator's ManagedPolicyLoader (which lists IAM policies with boto3): our
    template names managed policies by ARN only, so the translator never needs the name -> ARN map."""

    def load(self) -> dict[str, str]:
        return {}


def _with_s3_uris(template: dict[str, Any]) -> dict[str, Any]:
    """The translator accepts only s3:// code locations (`sam package` uploads local folders)."""
    for resource in template.get("Resources", {}).values():
        properties = resource.get("Properties") or {}
        for key in ("CodeUri", "ContentUri"):
            if isinstance(properties.get(key), str) and not properties[key].startswith("s3://"):
                properties[key] = f"s3://offline-translation/{properties[key]}"
    return template


def translate_here(path: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """Translate in this interpreter (it must have aws-sam-translator)."""
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)  # the translator resolves AWS::Region from boto3
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.translator.transform import transform

    from local.template_model import load_template  # the YAML loader the local stack uses (CFN short tags)

    template = _with_s3_uris(load_template(Path(path)))
    try:
        translated = transform(template, dict(parameters), _NoManagedPolicyLookups())  # type: ignore[arg-type]
    except InvalidDocumentException as exc:
        return {"template": None, "errors": [str(cause.message) for cause in exc.causes]}
    return {"template": translated, "errors": []}


def translate(requests: list[tuple[Path, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Translate each (template path, parameter values), in process if possible, else with the SAM CLI's Python."""
    try:
        import samtranslator  # noqa: F401
    except ImportError:
        pass
    else:
        return [translate_here(str(path), parameters) for path, parameters in requests]
    if not SAM_PYTHON.exists():
        raise RuntimeError(f"{SAM_PYTHON} is missing: run `make .venv-sam/.installed` (it brings aws-sam-translator)")
    payload = json.dumps([{"path": str(path), "parameters": parameters} for path, parameters in requests])
    completed = subprocess.run(
        [str(SAM_PYTHON), __file__],
        input=payload,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "AWS_DEFAULT_REGION": REGION},
    )
    if completed.returncode != 0:
        raise RuntimeError(f"SAM translation crashed:\n{completed.stderr}")
    return list(json.loads(completed.stdout))


def main() -> None:
    requests = json.load(sys.stdin)
    json.dump([translate_here(r["path"], r.get("parameters", {})) for r in requests], sys.stdout)


if __name__ == "__main__":
    main()
