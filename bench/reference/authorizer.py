"""Reference HTTP API authorizer: PyJWT HS256, simple responses."""

from __future__ import annotations

import os
from typing import Any

import jwt

SECRET = os.environ.get("JWT_SECRET", "")
DENY = {"isAuthorized": False}


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    headers = event.get("headers") or {}
    scheme, _, token = str(headers.get("authorization", "")).partition(" ")
    if scheme.lower() != "bearer" or not token:
        return DENY
    try:
        claims = jwt.decode(token, SECRET, algorithms=["HS256"], leeway=30, options={"require": ["exp"]})
    except jwt.PyJWTError:
        return DENY
    if claims.get("token_type", "access") != "access" or claims.get("role") not in {"student", "teacher", "admin"}:
        return DENY
    return {"isAuthorized": True, "context": {"user_id": str(claims["user_id"]), "role": claims["role"]}}
