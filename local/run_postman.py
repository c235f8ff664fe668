"""`make postman`: newman runs the Postman collection against a fresh local stack on a free port.

The committed environment file holds placeholders; this writes a temporary copy with the stack's URL, real
tokens (a new student id on every run, teacher 7, admin 1) and the webhook signing secret. The exit status
is newman's.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO

from local.lambda_runtime import ensure_layer_on_path
from local.postman import COLLECTION_FILE, ENVIRONMENT_FILE
from local.stack import SEED_TEACHER, LocalStack
from local.template_model import ROOT

NEWMAN = ROOT / "node_modules" / ".bin" / "newman"
ADMIN_ID = 1


def environment_for(stack: LocalStack, student_id: int) -> dict[str, object]:
    from linguaflex.tokens import issue_token

    environment = json.loads(ENVIRONMENT_FILE.read_text())
    real = {
        "base_url": stack.url,
        "jwt_token": issue_token(stack.jwt_secret, student_id, "student"),
        "teacher_token": issue_token(stack.jwt_secret, SEED_TEACHER, "teacher"),
        "admin_token": issue_token(stack.jwt_secret, ADMIN_ID, "admin"),
        "stripe_webhook_secret": stack.webhook_secret or "",
    }
    for entry in environment["values"]:
        entry["value"] = real.get(entry["key"], entry["value"])
    return environment


def main() -> int:
    if not NEWMAN.exists():
        print(f"{NEWMAN.relative_to(ROOT)} is missing: run `npm ci`", file=sys.stderr)
        return 2
    ensure_layer_on_path()
    student_id = 100_000 + secrets.randbelow(900_000)  # a fresh student: saved cards never collide
    log = tempfile.NamedTemporaryFile("w", prefix="linguaflex-postman-stack-", suffix=".log", delete=False)  # noqa: SIM115
    with log, tempfile.TemporaryDirectory(prefix="linguaflex-postman-") as tmp:
        code = _run(student_id, Path(tmp) / "environment.json", log)
    if code == 0:
        os.unlink(log.name)
    else:
        print(f"newman failed ({code}); the local stack's logs are in {log.name}", file=sys.stderr)
    return code


def _run(student_id: int, env_file: Path, log: IO[str]) -> int:
    # The handlers' JSON logs and metrics go to the log file; newman (a child process) keeps the terminal.
    with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        stack = LocalStack(port=0).start()
    try:
        env_file.write_text(json.dumps(environment_for(stack, student_id), indent=2))
        print(f"newman: {COLLECTION_FILE.name} against {stack.url} as student {student_id}", flush=True)
        command = [str(NEWMAN), "run", str(COLLECTION_FILE), "-e", str(env_file), "--bail", "--reporters", "cli"]
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            return subprocess.call(command, cwd=ROOT)  # noqa: S603 - fixed arguments, our own files
    finally:
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            stack.stop()


if __name__ == "__main__":
    raise SystemExit(main())
