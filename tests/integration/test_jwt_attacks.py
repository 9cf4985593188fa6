"""Hostile tokens against a real server: each one is a quick 401 problem with a Bearer challenge.

Tokens are built from JSON text by hand, so that what a careful library would refuse to produce
(repeated names, odd types, unknown `crit`, `alg: none`) reaches the server byte for byte.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes

from tests.support.api_server import TEST_SECRET, ApiServer, api_server

SECRET = TEST_SECRET.encode()
QUICK_SECONDS = 2.0
HS256 = '{"alg":"HS256","typ":"JWT"}'
KB_100 = 100 * 1024

pytestmark = pytest.mark.timeout(120)


# --- building tokens ---------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def text_segment(json_text: str) -> str:
    # surrogatepass: lets a lone "\ud800" written as a raw character through, as a hostile client would.
    return b64url(json_text.encode("utf-8", "surrogatepass"))


def hs256(header: str, payload: str, key: bytes = SECRET) -> str:
    """A compact JWS of exactly this header and payload text, HMAC-SHA256 signed with `key`."""
    signing_input = f"{text_segment(header)}.{text_segment(payload)}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": "attacker", "iat": now, "exp": now + 600, **overrides}


def claims_text(**overrides: Any) -> str:
    return json.dumps(claims(**overrides))


def honest_token() -> str:
    return hs256(HS256, claims_text())


@cache
def attacker_key(alg: str) -> PrivateKeyTypes:
    if alg == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def public_pem(alg: str) -> bytes:
    public: PublicKeyTypes = attacker_key(alg).public_key()
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_jwk(alg: str) -> dict[str, Any]:
    algorithm = jwt.algorithms.RSAAlgorithm if alg == "RS256" else jwt.algorithms.ECAlgorithm
    return {**algorithm.to_jwk(attacker_key(alg).public_key(), as_dict=True), "kid": "attacker", "alg": alg}


def asymmetric(alg: str, **header: Any) -> str:
    return jwt.encode(claims(), attacker_key(alg), algorithm=alg, headers=header)  # type: ignore[arg-type]


# --- the server and the checks ----------------------------------------------------------------


@pytest.fixture(scope="module")
def api(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with api_server(postgres_url, tmp_path_factory.mktemp("jwt-attacks")) as server:
        yield server


@dataclass
class Target:
    """The server under attack, and one client to it."""

    api: ApiServer
    http: httpx.Client

    def get(self, authorization: str | bytes, path: str = "/api/tasks") -> tuple[httpx.Response, float]:
        started = time.perf_counter()
        if isinstance(authorization, bytes):
            response = raw_get(self.api.base_url, path, authorization)
        else:
            response = self.http.get(path, headers={"Authorization": authorization})
        return response, time.perf_counter() - started

    def assert_rejects(self, token: str | bytes, *, allowed: tuple[int, ...] = (401,)) -> None:
        """A 401 problem with a Bearer challenge (or an allowed transport-level refusal), quickly."""
        authorization = b"Bearer " + token if isinstance(token, bytes) else f"Bearer {token}"
        response, elapsed = self.get(authorization)
        assert response.status_code in allowed, response.text
        assert elapsed < QUICK_SECONDS, f"took {elapsed:.2f} s"
        if response.status_code == 401:
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["status"] == 401
        assert "Traceback" not in self.api.log()


@pytest.fixture(scope="module")
def target(api: ApiServer) -> Iterator[Target]:
    with httpx.Client(base_url=api.base_url, timeout=10) as client:
        yield Target(api, client)


def raw_get(base_url: str, path: str, authorization: bytes) -> httpx.Response:
    """A GET written to the socket by hand: httpx refuses to send control characters in headers."""
    address = urlsplit(base_url)
    request = b"GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\nConnection: close\r\n\r\n" % (
        path.encode(),
        address.netloc.encode(),
        authorization,
    )
    with socket.create_connection((address.hostname, address.port), timeout=QUICK_SECONDS) as connection:
        connection.sendall(request)
        received = b"".join(iter(lambda: connection.recv(65536), b""))
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = [tuple(line.split(": ", 1)) for line in header_lines]
    return httpx.Response(int(status_line.split()[1]), headers=headers, content=body)


def test_the_honest_token_built_the_same_way_is_accepted(target: Target) -> None:
    """The control: the builder makes good tokens, so each 401 below is the attack's doing."""
    response, _ = target.get(f"Bearer {honest_token()}")
    assert response.status_code == 200, response.text


# --- alg: none and algorithm confusion -----------------------------------------------------------


@pytest.mark.parametrize("spelling", ["none", "None", "NONE", "nOnE"])
@pytest.mark.parametrize("signature", ["absent", "empty", "hmac-of-the-secret", "random"])
def test_alg_none_is_rejected(target: Target, spelling: str, signature: str) -> None:
    header = json.dumps({"alg": spelling, "typ": "JWT"})
    signed = hs256(header, claims_text())
    unsigned = signed.rsplit(".", 1)[0]
    token = {
        "absent": unsigned,
        "empty": f"{unsigned}.",
        "hmac-of-the-secret": signed,
        "random": f"{unsigned}.{b64url(secrets.token_bytes(32))}",
    }[signature]
    target.assert_rejects(token)


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_hs256_keyed_with_a_public_key_pem_is_rejected(target: Target, alg: str) -> None:
    target.assert_rejects(hs256(HS256, claims_text(), key=public_pem(alg)))


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_a_key_embedded_in_the_header_is_not_trusted(target: Target, alg: str) -> None:
    target.assert_rejects(asymmetric(alg, jwk=public_jwk(alg), kid="attacker"))


def test_an_hmac_key_embedded_in_the_header_is_not_trusted(target: Target) -> None:
    key = secrets.token_bytes(32)
    header = json.dumps({"alg": "HS256", "jwk": {"kty": "oct", "k": b64url(key)}})
    target.assert_rejects(hs256(header, claims_text(), key=key))


# --- keys fetched from where the token says --------------------------------------------------------


class KeyServer:
    """A local HTTP server that would hand out the attacker's keys, and counts who asks."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.hits.append(self.path)
                body = json.dumps({"keys": [public_jwk("RS256"), public_jwk("ES256")]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> KeyServer:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def key_server() -> Iterator[KeyServer]:
    with KeyServer() as server:
        yield server


def test_the_key_server_counts_hits(key_server: KeyServer) -> None:
    """The control: a fetch would be seen."""
    assert httpx.get(f"{key_server.url}/jwks.json").json()["keys"]
    assert key_server.hits == ["/jwks.json"]


@pytest.mark.parametrize("parameter", ["jku", "x5u"])
@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_a_key_url_in_the_header_is_never_fetched(
    target: Target, key_server: KeyServer, parameter: str, alg: str
) -> None:
    token = asymmetric(alg, kid="attacker", **{parameter: f"{key_server.url}/{parameter}"})
    target.assert_rejects(token)
    time.sleep(0.3)  # room for a fetch made in the background
    assert key_server.hits == []


# --- kid tricks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kid",
    [
        "../../dev/null",
        "/dev/null",
        "../../../../../../etc/passwd",
        "' OR 1=1 --",
        "x' UNION SELECT 'key' --",
    ],
)
@pytest.mark.parametrize(
    "key", [b"", b"key", b"\n", secrets.token_bytes(32)], ids=["empty", "key", "newline", "random"]
)
def test_kid_tricks_do_not_choose_the_key(target: Target, kid: str, key: bytes) -> None:
    header = json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid})
    target.assert_rejects(hs256(header, claims_text(), key=key))


# --- header and claim semantics, with the right secret ------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "HS256", "crit": ["x-unknown"], "x-unknown": True},
        {"alg": "HS256", "crit": ["exp"]},
        {"alg": "HS256", "crit": []},
        {"alg": "HS256", "crit": "x-unknown"},
        {"alg": "HS256", "crit": ["b64"], "b64": False},
    ],
    ids=["unknown-extension", "registered-name", "empty-list", "not-a-list", "b64-false"],
)
def test_crit_the_server_does_not_understand_is_rejected(target: Target, header: dict[str, Any]) -> None:
    """RFC 7515 4.1.11: a recipient that does not understand a critical extension must reject."""
    target.assert_rejects(hs256(json.dumps(header), claims_text()))


def test_the_same_extension_not_marked_critical_is_ignored(target: Target) -> None:
    """The control for the test above: it is `crit` that gets those tokens refused."""
    token = hs256(json.dumps({"alg": "HS256", "x-unknown": True}), claims_text())
    response, _ = target.get(f"Bearer {token}")
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("header", "payload"),
    [
        (HS256, '{"sub":"alice","sub":"mallory","exp":%(exp)d}'),
        (HS256, '{"sub":"alice","exp":%(exp)d,"exp":%(exp)d}'),
        ('{"alg":"none","alg":"HS256"}', '{"sub":"alice","exp":%(exp)d}'),
        ('{"alg":"HS256","alg":"HS256"}', '{"sub":"alice","exp":%(exp)d}'),
    ],
    ids=["sub", "exp", "alg-none-then-HS256", "alg-twice"],
)
def test_repeated_names_are_rejected(target: Target, header: str, payload: str) -> None:
    """Parsers disagree on which repeat wins (PyJWT: the last), so the only safe reading is none."""
    target.assert_rejects(hs256(header, payload % {"exp": time.time() + 600}))


@pytest.mark.parametrize(
    ("header", "payload"),
    [
        (HS256, "[]"),
        (HS256, '"attacker"'),
        (HS256, "42"),
        (HS256, "null"),
        (HS256, ""),
        (HS256, '{"sub":"attacker"'),
        (HS256, "[" * 3000),
        ("[]", claims_text()),
        ('"HS256"', claims_text()),
        ("null", claims_text()),
        ('{"alg":' * 1000, claims_text()),
    ],
    ids=[
        "payload-array",
        "payload-string",
        "payload-number",
        "payload-null",
        "payload-empty",
        "payload-truncated",
        "payload-deeply-nested",
        "header-array",
        "header-string",
        "header-null",
        "header-deeply-nested",
    ],
)
def test_json_that_is_not_an_object_is_rejected(target: Target, header: str, payload: str) -> None:
    target.assert_rejects(hs256(header, payload))


# Each takes a NumericDate ten minutes ahead, so that only the type can be what is wrong.
WRONGLY_TYPED_TIMES: dict[str, Callable[[int], dict[str, Any]]] = {
    "exp-string": lambda soon: {"exp": str(soon)},
    "exp-float-string": lambda soon: {"exp": f"{soon}.0"},
    "exp-list": lambda soon: {"exp": [soon]},
    "exp-null": lambda _: {"exp": None},
    "nbf-true": lambda _: {"nbf": True},
    "nbf-string": lambda soon: {"nbf": str(soon - 1200)},
    "iat-string": lambda _: {"iat": "now"},
    "iat-object": lambda soon: {"iat": {"seconds": soon - 600}},
}


@pytest.mark.parametrize("wrong", WRONGLY_TYPED_TIMES.values(), ids=WRONGLY_TYPED_TIMES.keys())
def test_time_claims_must_be_numbers(target: Target, wrong: Callable[[int], dict[str, Any]]) -> None:
    target.assert_rejects(hs256(HS256, claims_text(**wrong(int(time.time()) + 600))))


@pytest.mark.parametrize("exp", ["1e400", "-1e400", "NaN", "Infinity", "1" + "0" * 5000])
def test_absurd_numbers_are_rejected(target: Target, exp: str) -> None:
    target.assert_rejects(hs256(HS256, '{"sub":"attacker","exp":' + exp + "}"))


@pytest.mark.parametrize(
    "sub",
    [42, 4.2, ["alice"], {"id": "alice"}, True, None, "", "x" * 256, "a\x00b", "\ud800"],
    ids=["number", "float", "list", "object", "bool", "null", "empty", "too-long", "nul", "lone-surrogate"],
)
def test_a_subject_that_is_not_a_sane_string_is_rejected(target: Target, sub: object) -> None:
    target.assert_rejects(hs256(HS256, claims_text(sub=sub)))


def test_a_lone_surrogate_in_an_optional_claim_is_dropped(target: Target) -> None:
    token = hs256(HS256, claims_text(email="\ud800@example.com", name="Mallory"))
    response, _ = target.get(f"Bearer {token}", "/api/me")
    assert response.status_code == 200, response.text
    identity = {key: response.json()[key] for key in ("user_id", "email", "name")}
    assert identity == {"user_id": "attacker", "email": None, "name": "Mallory"}


# --- size and shape -------------------------------------------------------------------------


def test_a_100_kb_jose_header_is_refused_quickly(target: Target) -> None:
    header = json.dumps({"alg": "HS256", "kid": "k" * KB_100})
    target.assert_rejects(hs256(header, claims_text()), allowed=(401, 431))


@pytest.mark.parametrize("filler", ["a", "."], ids=["letters", "dots"])
def test_a_100_kb_authorization_header_is_refused_quickly(target: Target, filler: str) -> None:
    target.assert_rejects(filler * KB_100, allowed=(401, 431))


Mutation = Callable[[str, str, str], str]


def _mutations() -> dict[str, Mutation]:
    """Ways to damage a good token; each takes (header, payload, signature) segments."""

    def insert_into(index: int, text: str) -> Mutation:
        def mutate(*parts: str) -> str:
            damaged = list(parts)
            middle = len(damaged[index]) // 2
            damaged[index] = damaged[index][:middle] + text + damaged[index][middle:]
            return ".".join(damaged)

        return mutate

    def unused_bits_set(header: str, payload: str, signature: str) -> str:
        # 32 bytes -> 43 characters, the last carrying 2 unused bits: set one, the bytes stay the same.
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        last = alphabet[alphabet.index(signature[-1]) | 1]
        return f"{header}.{payload}.{signature[:-1]}{last}"

    return {
        "trailing-dot": lambda h, p, s: f"{h}.{p}.{s}.",
        "two-trailing-dots": lambda h, p, s: f"{h}.{p}.{s}..",
        "leading-dot": lambda h, p, s: f".{h}.{p}.{s}",
        "four-segments": lambda h, p, s: f"{h}.{p}.{s}.{s}",
        "empty-header": lambda _, p, s: f".{p}.{s}",
        "empty-payload": lambda h, _, s: f"{h}..{s}",
        "empty-signature": lambda h, p, _: f"{h}.{p}.",
        "only-dots": lambda *_: "..",
        "padding": lambda h, p, s: f"{h}.{p}.{s}=",
        "double-padding": lambda h, p, s: f"{h}.{p}.{s}==",
        "space-in-header": insert_into(0, " "),
        "tab-in-payload": insert_into(1, "\t"),
        "space-in-signature": insert_into(2, " "),
        "plus-in-signature": insert_into(2, "+"),
        "slash-in-payload": insert_into(1, "/"),
        "bang-in-signature": insert_into(2, "!"),
        "percent-in-header": insert_into(0, "%"),
        "non-canonical-signature": unused_bits_set,
        "nbsp-after": lambda h, p, s: f"{h}.{p}.{s}\xa0",
        "nel-after": lambda h, p, s: f"{h}.{p}.{s}\x85",
        "latin-1-letter-inside": insert_into(1, "\xe9"),
    }


MUTATIONS = _mutations()


@pytest.mark.parametrize("mutate", MUTATIONS.values(), ids=MUTATIONS.keys())
def test_a_damaged_token_is_rejected(target: Target, mutate: Mutation) -> None:
    header, payload, signature = honest_token().split(".")
    damaged = mutate(header, payload, signature)
    # Latin-1 bytes: how a client puts a non-ASCII character such as U+00A0 on the wire.
    target.assert_rejects(damaged.encode("latin-1"))


@pytest.mark.parametrize("control", [b"\x0b", b"\x0c", b"\x1f", b"\x7f"], ids=["VT", "FF", "US", "DEL"])
def test_a_control_character_after_the_token_is_refused(target: Target, control: bytes) -> None:
    """The HTTP parser may refuse the request first (400); what reaches us must be a 401."""
    target.assert_rejects(honest_token().encode() + control, allowed=(400, 401))


@pytest.mark.parametrize("padding", [b" ", b"\t", b"  \t "], ids=["space", "tab", "mixed"])
def test_http_optional_whitespace_around_the_value_is_not_part_of_the_token(
    target: Target, padding: bytes
) -> None:
    """RFC 9110 5.5: a field value excludes surrounding SP/HTAB, so the token itself is intact."""
    response, _ = target.get(b"Bearer " + padding + honest_token().encode() + padding)
    assert response.status_code == 200, response.text
