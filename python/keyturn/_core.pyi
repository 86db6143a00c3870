"""Types of the private Rust module ``keyturn._core`` (checked by ``python -m mypy.stubtest``)."""

from collections.abc import Mapping, Sequence
from typing import Any, Literal, final

from keyturn.errors import TokenError
from keyturn.signer import Signer

__all__ = [
    "MAX_TOKEN_BYTES",
    "CompiledVerifier",
    "HmacKey",
    "SigningKey",
    "VerifyingKey",
    "__version__",
    "constant_time_eq",
    "ed25519_backend",
    "encode",
    "sha256",
    "unverified_parts",
]
__version__: str
#: Default cap on a compact token's length, checked before any parsing.
MAX_TOKEN_BYTES: int

@final
class VerifyingKey:
    """A public key (Ed25519, RSA or EC) that passed the import rules, bound to its algorithms.

    Ed25519 keys that are small-order, non-canonical or mixed-order are refused; RSA moduli
    below ``min_rsa_bits`` (2048 unless lowered, never below 1024), even moduli and exponents
    outside odd 3 <= e < 2^32 are refused; EC points must lie on their named curve.
    """

    @staticmethod
    def from_bytes(data: bytes, kid: str | None = None) -> VerifyingKey: ...
    @staticmethod
    def from_jwk(jwk: Mapping[str, Any] | str, *, min_rsa_bits: int = 2048) -> VerifyingKey: ...
    @staticmethod
    def from_pem(
        pem: bytes | str, kid: str | None = None, *, min_rsa_bits: int = 2048
    ) -> VerifyingKey: ...
    @staticmethod
    def from_der(
        der: bytes, kid: str | None = None, *, min_rsa_bits: int = 2048
    ) -> VerifyingKey: ...
    @property
    def kid(self) -> str: ...
    @property
    def kty(self) -> str: ...
    @property
    def alg(self) -> str | None: ...
    @property
    def algorithms(self) -> tuple[str, ...]: ...
    def to_bytes(self) -> bytes: ...
    def to_jwk(self) -> dict[str, Any]: ...
    def to_pem(self) -> bytes: ...
    def thumbprint(self) -> str: ...
    def verify(self, signature: bytes, message: bytes, alg: str | None = None) -> None: ...
    def with_kid(self, kid: str) -> VerifyingKey: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class SigningKey:
    """A private key (Ed25519, RSA or EC); zeroized on drop, never shown by repr/str."""

    @staticmethod
    def generate(
        kid: str | None = None, *, alg: str | None = None, bits: int = 3072
    ) -> SigningKey: ...
    @staticmethod
    def from_seed(seed: bytes, kid: str | None = None) -> SigningKey: ...
    @staticmethod
    def from_jwk(jwk: Mapping[str, Any] | str) -> SigningKey: ...
    @staticmethod
    def from_pem(pem: bytes | str, kid: str | None = None) -> SigningKey: ...
    @staticmethod
    def from_der(der: bytes, kid: str | None = None) -> SigningKey: ...
    @property
    def kid(self) -> str: ...
    @property
    def kty(self) -> str: ...
    @property
    def alg(self) -> str: ...
    @property
    def algorithms(self) -> tuple[str, ...]: ...
    @property
    def public_key(self) -> VerifyingKey: ...
    def to_jwk(self, private: bool = False) -> dict[str, Any]: ...
    def to_pem(self) -> bytes: ...
    def sign(self, message: bytes, alg: str | None = None) -> bytes: ...
    def with_kid(self, kid: str) -> SigningKey: ...

@final
class HmacKey:
    """A shared secret for HS256/384/512; usable only for the HS algorithms its length allows."""

    def __new__(cls, secret: bytes | str, kid: str | None = None) -> HmacKey: ...
    @property
    def kid(self) -> str | None: ...
    @property
    def alg(self) -> str: ...
    @property
    def algorithms(self) -> tuple[str, ...]: ...
    def sign(self, message: bytes, alg: str = "HS256") -> bytes: ...

@final
class CompiledVerifier:
    """A verification policy compiled once; ``verify`` then runs entirely in Rust."""

    def __new__(
        cls,
        keys: VerifyingKey | HmacKey | Sequence[VerifyingKey | HmacKey],
        *,
        algorithms: Sequence[str],
        issuer: Sequence[str] | None = None,
        audience: Sequence[str] | None = None,
        leeway: float = 0.0,
        require: Sequence[str] | None = None,
        typ: str | None = None,
        max_age: float | None = None,
        max_token_bytes: int = ...,
        cache_size: int = 0,
    ) -> CompiledVerifier: ...
    @property
    def cache_stats(self) -> tuple[int, int, int, int] | None:
        """``(hits, misses, entries, capacity)`` of the verified-token cache, None without one."""
    @property
    def kids(self) -> list[str | None]: ...
    def verify(self, token: str | bytes, now: float | None = None) -> dict[str, Any]: ...
    def verify_complete(
        self, token: str | bytes, now: float | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]: ...
    def verify_many(
        self, tokens: Sequence[str | bytes], now: float | None = None
    ) -> list[dict[str, Any] | TokenError]: ...

def encode(
    claims: Mapping[str, Any],
    key: SigningKey | HmacKey | Signer,
    alg: str | None = None,
    headers: Mapping[str, Any] | None = None,
) -> str: ...
def unverified_parts(token: str | bytes) -> tuple[dict[str, Any], dict[str, Any]]: ...
def sha256(data: bytes) -> bytes: ...
def constant_time_eq(a: bytes, b: bytes) -> bool: ...
def ed25519_backend() -> Literal["avx512ifma", "avx2", "serial"]:
    """The curve arithmetic Ed25519 verification runs on in this process."""
