"""Access tokens and the Lambda authorizer: every known token attack is refused, good tokens are accepted.

Unit tier: no stack. HS256 with a shared secret (simplejwt), RS256/ES256 from a JWKS served locally.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib.util
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pydantic import SecretStr

from linguaflex import config
from linguaflex.config import AuthSettings
from linguaflex.errors import ConfigurationError
from linguaflex.tokens import MAX_TOKEN_CHARS, InvalidToken, allowed_algorithms, verify_access_token
from local import events
from local.lambda_runtime import LambdaContext
from tests.security.helpers import capture_logs

SECRET = "unit-test-hs256-secret-0123456789abcdef-0123456789"
ISSUER = "https://identity.linguaflex.example"
AUDIENCE = "linguaflex-payments"
HS = AuthSettings(mode="hs256", secret=SecretStr(SECRET), algorithms=("HS256",))
ROOT = Path(__file__).resolve().parents[2]


def now() -> int:
    return int(time.time())


def simplejwt_claims(**overrides: Any) -> dict[str, Any]:
    """What djangorestframework-simplejwt puts in an access token (plus our `role`)."""
    issued = now()
    claims: dict[str, Any] = {
        "token_type": "access",
        "exp": issued + 300,
        "iat": issued,
        "jti": "4f1c0a7e9b2d4c3aa1e2f3b4c5d6e7f8",
        "user_id": 42,
        "role": "student",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not _DROP}


_DROP = object()


def hs(claims: dict[str, Any], secret: str = SECRET, headers: dict[str, Any] | None = None) -> str:
    return jwt.encode(claims, secret, algorithm="HS256", headers=headers)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged(header: dict[str, Any], claims: dict[str, Any], hmac_key: bytes | None = None) -> str:
    """A token built by hand, as an attacker would: any header, optionally HMAC-signed with any bytes."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = b"" if hmac_key is None else hmac.new(hmac_key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


# -- HS256 (simplejwt) ------------------------------------------------------------------------------------


def test_a_simplejwt_access_token_is_accepted() -> None:
    verified = verify_access_token(hs(simplejwt_claims(role="teacher", user_id=7)), HS)

    assert (verified.identity.user_id, verified.identity.role) == (7, "teacher")
    assert verified.claims["jti"] == "4f1c0a7e9b2d4c3aa1e2f3b4c5d6e7f8"


def test_a_standard_sub_token_is_accepted_and_role_defaults_to_student() -> None:
    claims = {"sub": "42", "exp": now() + 300, "iat": now()}

    verified = verify_access_token(hs(claims), HS)

    assert (verified.identity.user_id, verified.identity.role) == (42, "student")


def test_simplejwt_user_id_as_a_string_is_accepted() -> None:
    assert verify_access_token(hs(simplejwt_claims(user_id="42")), HS).identity.user_id == 42


def test_a_small_clock_skew_is_tolerated() -> None:
    """Leeway 30 s: a token that expired 10 s ago, or issued 10 s "in the future", still passes."""
    claims = simplejwt_claims(exp=now() - 10, iat=now() + 10, nbf=now() + 10)

    assert verify_access_token(hs(claims), HS).identity.user_id == 42


REFUSED_CLAIMS = {
    "expired": {"exp": now() - 3600, "iat": now() - 7200},
    "not yet valid (nbf in the future)": {"nbf": now() + 3600},
    "issued in the future (iat)": {"iat": now() + 3600},
    "non-integer iat": {"iat": "yesterday"},
    "non-integer exp": {"exp": "tomorrow"},
    "refresh token used as access token": {"token_type": "refresh"},
    "token_type of another case": {"token_type": "ACCESS"},
    "token_type not a string": {"token_type": ["access"]},
    "no exp": {"exp": _DROP},
    "no user": {"user_id": _DROP},
    "user_id zero": {"user_id": 0},
    "user_id negative": {"user_id": -5},
    "user_id negative string": {"user_id": "-5"},
    "user_id float": {"user_id": 4.2},
    "user_id bool": {"user_id": True},
    "user_id with underscore": {"user_id": "4_2"},
    "user_id with spaces": {"user_id": " 42 "},
    "user_id in Arabic-Indic digits": {"user_id": "\u0664\u0662"},
    "user_id not a number": {"user_id": "admin"},
    "user_id a list": {"user_id": [42]},
    "user_id too large": {"user_id": 2**60},
    "user_id and sub disagree": {"user_id": 42, "sub": "43"},
    "unknown role": {"role": "superadmin"},
    "role of another case": {"role": "Admin"},
    "role a list": {"role": ["admin"]},
    "role an object": {"role": {"admin": True}},
    "role null": {"role": None},
}


@pytest.mark.parametrize("overrides", REFUSED_CLAIMS.values(), ids=REFUSED_CLAIMS.keys())
def test_bad_claims_are_refused(overrides: dict[str, Any]) -> None:
    token = hs(simplejwt_claims(**overrides))

    with pytest.raises(InvalidToken):
        verify_access_token(token, HS)


def test_a_wrong_signature_is_refused() -> None:
    with pytest.raises(InvalidToken):
        verify_access_token(hs(simplejwt_claims(), secret="another-secret-of-the-same-length-0123456789xy"), HS)


def test_a_tampered_payload_is_refused() -> None:
    header, _, signature = hs(simplejwt_claims()).split(".")
    promoted = b64(json.dumps(simplejwt_claims(role="admin")).encode())

    with pytest.raises(InvalidToken):
        verify_access_token(f"{header}.{promoted}.{signature}", HS)


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_alg_none_is_refused(alg: str) -> None:
    token = forged({"alg": alg, "typ": "JWT"}, simplejwt_claims(role="admin"))

    with pytest.raises(InvalidToken):
        verify_access_token(token, HS)


def test_alg_none_is_refused_even_if_configured() -> None:
    settings = AuthSettings(mode="hs256", secret=SecretStr(SECRET), algorithms=("none", "HS256"))
    token = forged({"alg": "none"}, simplejwt_claims(role="admin"))

    assert allowed_algorithms(settings) == ["HS256"]
    with pytest.raises(InvalidToken):
        verify_access_token(token, settings)


def test_a_configuration_without_a_usable_algorithm_fails_loudly() -> None:
    for algorithms in (("none",), ("RS256",)):
        with pytest.raises(ConfigurationError):
            verify_access_token(
                hs(simplejwt_claims()), AuthSettings(mode="hs256", secret=SecretStr(SECRET), algorithms=algorithms)
            )


def test_an_hs256_token_in_an_rs256_only_configuration_is_refused() -> None:
    settings = AuthSettings(mode="hs256", secret=SecretStr(SECRET), algorithms=("HS512",))

    with pytest.raises(InvalidToken):
        verify_access_token(hs(simplejwt_claims()), settings)


def test_a_secret_shorter_than_the_hash_is_refused() -> None:
    """PyJWT's minimum key length is enforced: a 5-byte HS256 secret verifies nothing."""
    short = AuthSettings(mode="hs256", secret=SecretStr("short"), algorithms=("HS256",))
    with pytest.warns(jwt.warnings.InsecureKeyLengthWarning):
        token = jwt.encode(simplejwt_claims(), "short", algorithm="HS256")

    with pytest.raises(InvalidToken):
        verify_access_token(token, short)


GARBAGE = {
    "empty": "",
    "a word": "garbage",
    "three dots": "..",
    "three words": "a.b.c",
    "non-ascii": "\u00e9.\u00e9.\u00e9",
    "header only": b64(b'{"alg":"HS256"}'),
    "json header not an object": f"{b64(b'[]')}.{b64(b'{}')}.",
    "too large": "a" * (MAX_TOKEN_CHARS + 1),
}


@pytest.mark.parametrize("token", GARBAGE.values(), ids=GARBAGE.keys())
def test_garbage_is_refused(token: str) -> None:
    with pytest.raises(InvalidToken):
        verify_access_token(token, HS)


def test_a_validly_signed_but_huge_token_is_refused_before_decoding() -> None:
    token = hs(simplejwt_claims(padding="x" * MAX_TOKEN_CHARS))

    with pytest.raises(InvalidToken, match="too large"):
        verify_access_token(token, HS)


# -- issuer and audience -----------------------------------------------------------------------------------

HS_ISS_AUD = AuthSettings(
    mode="hs256", secret=SecretStr(SECRET), algorithms=("HS256",), issuer=ISSUER, audience=AUDIENCE
)


def test_issuer_and_audience_are_accepted_when_they_match() -> None:
    token = hs(simplejwt_claims(iss=ISSUER, aud=AUDIENCE))

    assert verify_access_token(token, HS_ISS_AUD).identity.user_id == 42


@pytest.mark.parametrize(
    "overrides",
    [
        {"iss": "https://evil.example"},
        {"aud": "another-service"},
        {"aud": ["another-service"]},
        {"iss": _DROP},
        {"aud": _DROP},
    ],
    ids=["wrong issuer", "wrong audience", "wrong audience list", "no issuer", "no audience"],
)
def test_issuer_and_audience_are_checked_when_configured(overrides: dict[str, Any]) -> None:
    token = hs(simplejwt_claims(**{"iss": ISSUER, "aud": AUDIENCE, **overrides}))

    with pytest.raises(InvalidToken):
        verify_access_token(token, HS_ISS_AUD)


# -- JWKS (RS256 / ES256) ----------------------------------------------------------------------------------


class JwksServer:
    """A JWKS endpoint on 127.0.0.1:<free port>, counting its hits."""

    def __init__(self, keys: list[dict[str, Any]]) -> None:
        body = json.dumps({"keys": keys}).encode()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits += 1
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.hits = 0
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/.well-known/jwks.json"

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _jwk(public_key: Any, kid: str, alg: str) -> dict[str, Any]:
    algorithm = jwt.algorithms.RSAAlgorithm if alg.startswith("RS") else jwt.algorithms.ECAlgorithm
    return {**algorithm.to_jwk(public_key, as_dict=True), "kid": kid, "alg": alg, "use": "sig"}


@pytest.fixture(scope="module")
def keys() -> dict[str, Any]:
    return {
        "rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ec": ec.generate_private_key(ec.SECP256R1()),
        "stranger": rsa.generate_private_key(public_exponent=65537, key_size=2048),
    }


@pytest.fixture(scope="module")
def jwks(keys: dict[str, Any]) -> Iterator[JwksServer]:
    server = JwksServer(
        [_jwk(keys["rsa"].public_key(), "rsa-1", "RS256"), _jwk(keys["ec"].public_key(), "ec-1", "ES256")]
    )
    yield server
    server.stop()


def jwks_settings(server: JwksServer, algorithms: tuple[str, ...] = ("RS256", "ES256")) -> AuthSettings:
    return AuthSettings(mode="jwks", jwks_url=server.url, algorithms=algorithms, issuer=ISSUER, audience=AUDIENCE)


def signed(key: Any, alg: str, kid: str | None, **overrides: Any) -> str:
    headers = {"kid": kid} if kid else None
    return jwt.encode(simplejwt_claims(iss=ISSUER, aud=AUDIENCE, **overrides), key, algorithm=alg, headers=headers)


def test_rs256_and_es256_tokens_from_the_jwks_are_accepted(jwks: JwksServer, keys: dict[str, Any]) -> None:
    rs = verify_access_token(signed(keys["rsa"], "RS256", "rsa-1", user_id=5), jwks_settings(jwks))
    es = verify_access_token(signed(keys["ec"], "ES256", "ec-1", user_id=6, role="admin"), jwks_settings(jwks))

    assert (rs.identity.user_id, rs.identity.role) == (5, "student")
    assert (es.identity.user_id, es.identity.role) == (6, "admin")


def test_the_jwks_is_fetched_once_per_container(keys: dict[str, Any]) -> None:
    server = JwksServer([_jwk(keys["rsa"].public_key(), "rsa-1", "RS256")])
    try:
        for user_id in range(1, 6):
            verify_access_token(signed(keys["rsa"], "RS256", "rsa-1", user_id=user_id), jwks_settings(server))
        assert server.hits == 1
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("key_name", "alg", "kid"),
    [
        ("rsa", "RS256", "unknown-kid"),
        ("rsa", "RS256", None),
        ("stranger", "RS256", "rsa-1"),  # right kid, key not in the JWKS
        ("rsa", "RS256", "ec-1"),  # an RSA signature presented under the EC key's kid
        ("ec", "ES256", "rsa-1"),  # and the other way round
    ],
    ids=["unknown kid", "no kid", "foreign key", "RS256 under an ES256 kid", "ES256 under an RS256 kid"],
)
def test_keys_not_in_the_jwks_are_refused(
    jwks: JwksServer, keys: dict[str, Any], key_name: str, alg: str, kid: str | None
) -> None:
    with pytest.raises(InvalidToken):
        verify_access_token(signed(keys[key_name], alg, kid), jwks_settings(jwks))


def test_an_expired_rs256_token_is_refused(jwks: JwksServer, keys: dict[str, Any]) -> None:
    with pytest.raises(InvalidToken):
        verify_access_token(signed(keys["rsa"], "RS256", "rsa-1", exp=now() - 3600), jwks_settings(jwks))


def test_pyjwt_refuses_a_pem_public_key_as_an_hmac_secret(keys: dict[str, Any]) -> None:
    pem = (
        keys["rsa"]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )

    with pytest.raises(jwt.InvalidKeyError):
        jwt.encode(simplejwt_claims(), pem, algorithm="HS256")
    token = forged({"alg": "HS256", "typ": "JWT"}, simplejwt_claims(role="admin"), hmac_key=pem)
    with pytest.raises(jwt.InvalidKeyError):
        jwt.decode(token, pem, algorithms=["HS256"])
    # and so an HS256 deployment whose "secret" were a PEM would verify nothing
    with pytest.raises(InvalidToken):
        verify_access_token(token, AuthSettings(mode="hs256", secret=SecretStr(pem.decode()), algorithms=("HS256",)))


@pytest.mark.parametrize(
    "algorithms", [("RS256", "ES256"), ("HS256", "RS256", "ES256")], ids=["pinned", "HS256 configured"]
)
def test_algorithm_confusion_hs256_signed_with_the_rsa_public_key_is_refused(
    jwks: JwksServer, keys: dict[str, Any], algorithms: tuple[str, ...]
) -> None:
    """The classic attack: take the public key from the JWKS, sign HS256 with its PEM, claim admin."""
    public = keys["rsa"].public_key()
    claims = simplejwt_claims(iss=ISSUER, aud=AUDIENCE, role="admin")
    for encoding in (serialization.Encoding.PEM, serialization.Encoding.DER):
        key_bytes = public.public_bytes(encoding, serialization.PublicFormat.SubjectPublicKeyInfo)
        token = forged({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}, claims, hmac_key=key_bytes)

        with pytest.raises(InvalidToken):
            verify_access_token(token, jwks_settings(jwks, algorithms))
    assert "HS256" not in allowed_algorithms(jwks_settings(jwks, algorithms))


def test_alg_none_is_refused_in_jwks_mode(jwks: JwksServer) -> None:
    token = forged({"alg": "none", "kid": "rsa-1"}, simplejwt_claims(iss=ISSUER, aud=AUDIENCE, role="admin"))

    with pytest.raises(InvalidToken):
        verify_access_token(token, jwks_settings(jwks))


def test_an_unreachable_jwks_refuses_the_token(keys: dict[str, Any]) -> None:
    from local.stack import free_port

    settings = AuthSettings(mode="jwks", jwks_url=f"http://127.0.0.1:{free_port()}/jwks.json", algorithms=("RS256",))

    with pytest.raises(InvalidToken):
        verify_access_token(signed(keys["rsa"], "RS256", "rsa-1"), settings)


def test_jwks_mode_without_a_url_is_a_configuration_error(keys: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        verify_access_token(signed(keys["rsa"], "RS256", "rsa-1"), AuthSettings(mode="jwks", algorithms=("RS256",)))


# -- the authorizer Lambda ---------------------------------------------------------------------------------


@pytest.fixture
def authorizer(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The authorizer handler, configured for HS256 with SECRET; the environment and caches are restored."""
    monkeypatch.setenv("JWT_MODE", "hs256")
    monkeypatch.setenv("JWT_SECRET", SECRET)
    for name in ("JWT_SECRET_ARN", "JWT_JWKS_URL", "JWT_ALGORITHMS", "JWT_ISSUER", "JWT_AUDIENCE"):
        monkeypatch.delenv(name, raising=False)
    config.get_auth_settings.cache_clear()
    path = ROOT / "functions" / "authorizer" / "app.py"
    spec = importlib.util.spec_from_file_location("_security_test_authorizer", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module.lambda_handler
    config.get_auth_settings.cache_clear()


def authorize(handler: Any, authorization: str | None) -> dict[str, Any]:
    headers = {"Authorization": authorization} if authorization is not None else {}
    http = events.http_event("GET", "/api/payments/payments/", "GET /api/payments/payments/", headers, "", b"", None)
    return handler(events.authorizer_event(http), LambdaContext(function_name="AuthorizerFunction"))


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_the_authorizer_allows_a_valid_token_and_passes_the_identity(authorizer: Any, scheme: str) -> None:
    result = authorize(authorizer, f"{scheme} {hs(simplejwt_claims(user_id=7, role='teacher'))}")

    assert result == {"isAuthorized": True, "context": {"user_id": "7", "role": "teacher"}}


def test_the_authorizer_passes_the_default_role(authorizer: Any) -> None:
    token = hs({"sub": "42", "exp": now() + 300})

    assert authorize(authorizer, f"Bearer {token}")["context"] == {"user_id": "42", "role": "student"}


def _refused_headers() -> dict[str, str | None]:
    good = hs(simplejwt_claims())
    return {
        "no header": None,
        "empty header": "",
        "token without the Bearer prefix": good,
        "another scheme": f"Token {good}",
        "Basic credentials": "Basic dXNlcjpwYXNz",
        "Bearer without a token": "Bearer",
        "Bearer and spaces": "Bearer    ",
        "two tokens": f"Bearer {good} {good}",
        "Bearer glued to the token": f"Bearer{good}",
        "expired token": f"Bearer {hs(simplejwt_claims(exp=now() - 3600))}",
        "refresh token": f"Bearer {hs(simplejwt_claims(token_type='refresh'))}",
        "alg none": "Bearer " + forged({"alg": "none"}, simplejwt_claims(role="admin")),
        "huge header": "Bearer " + "a" * 20_000,
    }


REFUSED_HEADERS = _refused_headers()


@pytest.mark.parametrize("header", REFUSED_HEADERS.values(), ids=REFUSED_HEADERS.keys())
def test_the_authorizer_refuses(authorizer: Any, header: str | None) -> None:
    assert authorize(authorizer, header) == {"isAuthorized": False}


def test_the_authorizer_falls_back_to_the_identity_source(authorizer: Any) -> None:
    http = events.http_event("GET", "/api/payments/payments/", "GET /api/payments/payments/", {}, "", b"", None)
    event = events.authorizer_event(http)
    event["identitySource"] = [f"Bearer {hs(simplejwt_claims(user_id=9))}"]

    result = authorizer(event, LambdaContext(function_name="AuthorizerFunction"))

    assert result["context"]["user_id"] == "9"


def test_the_authorizer_never_logs_the_token(authorizer: Any) -> None:
    good = hs(simplejwt_claims())
    bad = [hs(simplejwt_claims(exp=now() - 3600)), hs(simplejwt_claims(), secret="x" * 48), good + "tampered"]

    with capture_logs() as logs:
        authorize(authorizer, f"Bearer {good}")
        for token in bad:
            authorize(authorizer, f"Bearer {token}")

    everything = logs.emitted.getvalue() + "".join(text for _, text in logs.raw_texts())
    assert "Token refused" in everything  # the refusals were logged...
    for token in [good, *bad]:
        for segment in token.split("."):
            assert segment not in everything  # ...but no part of any token


def test_a_misconfigured_authorizer_fails_closed(authorizer: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """JWKS mode without a URL: the authorizer raises (API Gateway answers 500), it never allows."""
    monkeypatch.setenv("JWT_MODE", "jwks")
    config.get_auth_settings.cache_clear()

    with pytest.raises(ConfigurationError):
        authorize(authorizer, f"Bearer {hs(simplejwt_claims())}")
