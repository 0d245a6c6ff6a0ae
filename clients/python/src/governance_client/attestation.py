"""Offline verification of the ledger's signed approvals.

An approval's attestation is an in-toto Statement v1 in a DSSE envelope
(https://github.com/secure-systems-lab/dsse/blob/master/envelope.md), signed ES256 (ECDSA P-256 with SHA-256, signature in
ASN.1 DER) over the DSSE pre-authentication encoding ``PAE(type, body) = "DSSEv1" SP len(type) SP type SP len(body) SP
body``. The trusted keys are the ledger's JWKS (``GET /api/v1/attestation-keys``), each with our members ``status``,
``nbf`` and ``exp`` (the key's signing window, NumericDate). The checks and refusal codes are those of the ledger's own
verifier (``src/Governance.Attestations/AttestationVerifier.cs``), so a pipeline in Python refuses what the CLI refuses.

Signature checks need the ``cryptography`` package (Debian: ``python3-cryptography``); without it the functions that
check signatures raise :class:`MissingDependency` naming it.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from .errors import MissingDependency

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
# Version 3 adds the approved decision policy (``decisionPolicy``) and monitoring plan (``monitoringPlan``); 2 and 1 still verify.
PREDICATE_TYPES = (
    "urn:governance:predicate:model-approval:v3",
    "urn:governance:predicate:model-approval:v2",
    "urn:governance:predicate:model-approval:v1",
)
CLOCK_SKEW = timedelta(minutes=5)


def pae(payload_type: str, payload: bytes) -> bytes:
    """The DSSE v1 pre-authentication encoding: the bytes a signature covers (lengths in bytes, decimal ASCII)."""
    type_bytes = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(type_bytes), type_bytes, len(payload), payload)


def _b64decode(text: str) -> bytes | None:
    """Standard or URL-safe base64, padded or not (DSSE allows both alphabets); None if it is neither."""
    try:
        cleaned = text.replace("-", "+").replace("_", "/")
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def _cryptography() -> Any:
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519
    except ImportError as e:  # pragma: no cover - depends on the installation
        raise MissingDependency(
            "missing_dependency",
            "Verifying signatures needs the 'cryptography' package: pip install 'governance-client[verify]' "
            "(Debian: apt install python3-cryptography).",
        ) from e
    return InvalidSignature, hashes, ec, ed25519


class VerificationKey(Protocol):
    """A trusted key: its key id and whether a signature over some bytes verifies with it."""

    key_id: str

    def verify(self, message: bytes, signature: bytes) -> bool: ...


@dataclass
class Es256Key:
    """An ES256 (ECDSA P-256, SHA-256) public key from a JWK; signatures are ASN.1 DER."""

    key_id: str
    public_key: Any

    @classmethod
    def from_jwk(cls, jwk: dict[str, Any]) -> Es256Key | None:
        """The key of an EC P-256 JWK (RFC 7518 §6.2), or None for any other kind of key."""
        _, _, ec, _ = _cryptography()
        if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
            return None
        x, y = _b64decode(jwk.get("x", "")), _b64decode(jwk.get("y", ""))
        if x is None or y is None or len(x) != 32 or len(y) != 32:
            return None
        try:
            numbers = ec.EllipticCurvePublicNumbers(int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1())
            return cls(jwk.get("kid", ""), numbers.public_key())
        except ValueError:
            return None

    def verify(self, message: bytes, signature: bytes) -> bool:
        invalid, hashes, ec, _ = _cryptography()
        try:
            self.public_key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
            return True
        except (invalid, ValueError):
            return False


@dataclass
class Ed25519Key:
    """An Ed25519 public key (RFC 8032), raw 32 bytes; DSSE's own test vectors use these."""

    key_id: str
    raw: bytes

    def verify(self, message: bytes, signature: bytes) -> bool:
        invalid, _, _, ed25519 = _cryptography()
        try:
            ed25519.Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, message)
            return True
        except (invalid, ValueError):
            return False


@dataclass(frozen=True)
class EnvelopeVerification:
    """The outcome of checking a DSSE envelope: ``code`` is ``verified`` or why not; ``payload`` and ``key_ids`` once
    verified."""

    verified: bool
    code: str
    message: str
    payload: bytes | None = None
    key_ids: tuple[str, ...] = ()


def verify_envelope(
    envelope_json: bytes | str,
    supported_payload_types: list[str] | tuple[str, ...],
    trusted: list[VerificationKey],
    threshold: int = 1,
) -> EnvelopeVerification:
    """Checks a DSSE envelope against trusted keys: ``threshold`` distinct trusted keys must each verify a signature over
    the PAE rebuilt from the envelope (never a PAE carried alongside). A signature without ``keyid`` is tried against every
    trusted key. Codes: ``envelope_malformed``, ``payload_type_unsupported``, ``signature_unknown_key``,
    ``signature_invalid``, ``signature_threshold_unmet``."""
    if threshold < 1:
        raise ValueError("threshold must be 1 or more")
    try:
        envelope = json.loads(envelope_json)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        return EnvelopeVerification(False, "envelope_malformed", f"The envelope is not valid JSON: {e}")
    signatures = envelope.get("signatures") if isinstance(envelope, dict) else None
    if (
        not isinstance(envelope, dict)
        or not isinstance(envelope.get("payloadType"), str)
        or not isinstance(envelope.get("payload"), str)
        or not isinstance(signatures, list)
        or not signatures
        or any(not isinstance(s, dict) or not isinstance(s.get("sig"), str) for s in signatures)
    ):
        return EnvelopeVerification(False, "envelope_malformed", "The envelope lacks payloadType, payload, signatures or a sig.")
    if envelope["payloadType"] not in supported_payload_types:
        return EnvelopeVerification(
            False, "payload_type_unsupported", f"The payload type is '{envelope['payloadType']}', not one of {list(supported_payload_types)}."
        )
    payload = _b64decode(envelope["payload"])
    if payload is None:
        return EnvelopeVerification(False, "envelope_malformed", "The payload is not valid base64.")
    decoded = [(s.get("keyid") or "", _b64decode(s["sig"])) for s in signatures]
    if any(sig is None for _, sig in decoded):
        return EnvelopeVerification(False, "envelope_malformed", "A signature is not valid base64.")
    signed = pae(envelope["payloadType"], payload)
    accepted: list[VerificationKey] = []
    failed: list[str] = []
    unknown: list[str] = []
    for key_id, sig in decoded:
        if len(accepted) >= threshold:
            break
        candidates = trusted if not key_id else [k for k in trusted if k.key_id == key_id]
        signer = next((k for k in candidates if k.verify(signed, sig)), None)  # type: ignore[arg-type]
        if signer is None:
            (failed if candidates else unknown).append(key_id or "(no key id)")
        elif all(signer is not a for a in accepted):
            accepted.append(signer)
    if len(accepted) >= threshold:
        return EnvelopeVerification(True, "verified", "Signed by " + ", ".join(k.key_id for k in accepted) + ".", payload, tuple(k.key_id for k in accepted))
    if accepted:
        return EnvelopeVerification(
            False, "signature_threshold_unmet", f"Only {len(accepted)} distinct trusted key(s) signed, {threshold} are required."
        )
    if failed:
        return EnvelopeVerification(
            False,
            "signature_invalid",
            f"No signature verifies with the trusted keys it was checked against (signed by {', '.join(failed)}): "
            "the envelope was altered or signed by another key.",
        )
    return EnvelopeVerification(False, "signature_unknown_key", f"No signature is by a trusted key (signed by {', '.join(unknown)}).")


@dataclass(frozen=True)
class AttestationVerification:
    """The outcome of :func:`verify_attestation`: ``code`` is ``verified`` or the refusal's code (the CLI's codes);
    ``predicate`` the signed approval (approval id, model, version, environment, approvers, expiry...) once verified."""

    verified: bool
    code: str
    message: str
    predicate: dict[str, Any] = field(default_factory=dict)
    key_id: str | None = None


def _time(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _window_problem(jwk: dict[str, Any], issued_at: datetime, now: datetime) -> tuple[str, str] | None:
    """The signing key's window (``nbf`` inclusive, ``exp`` exclusive) against the statement's issue time."""
    kid = jwk.get("kid")
    if issued_at > now + CLOCK_SKEW:
        return "statement_from_future", f"The statement says it was issued at {issued_at}, later than now ({now})."
    status = jwk.get("status")
    if status not in ("current", "retired", "compromised"):
        return "key_status_unknown", f"Key {kid} has status '{status}', which this verifier does not know."
    nbf = jwk.get("nbf")
    if isinstance(nbf, int) and issued_at < datetime.fromtimestamp(nbf, timezone.utc):
        return "key_not_yet_valid", f"The statement says it was issued at {issued_at}, before key {kid} began signing."
    exp = jwk.get("exp")
    if not isinstance(exp, int):
        return None if status == "current" else (
            "key_window_unknown",
            f"Key {kid} is {status} but the key set gives no end to its window; fetch the ledger's current key set.",
        )
    end = datetime.fromtimestamp(exp, timezone.utc)
    if issued_at < end:
        return None
    if status == "compromised":
        return "key_compromised", f"Key {kid} is compromised since {end}; the statement says it was issued at {issued_at}."
    return "key_retired", f"Key {kid} was retired at {end}; the statement says it was issued at {issued_at}, after that."


def verify_attestation(
    envelope_json: bytes | str,
    artifact_digest: str,
    environment: str,
    keys: dict[str, Any],
    model: str | None = None,
    version: str | None = None,
    now: datetime | None = None,
) -> AttestationVerification:
    """Verifies, offline, that ``envelope_json`` is a signed approval of the artifact ``artifact_digest``
    (``sha256:<hex>``, a file's or a model directory's manifest digest) for ``environment`` (and ``model``, ``version``
    when given), by a key of the JWKS ``keys`` within its window, and not expired at ``now`` (default: the clock).

    Refusal codes: those of :func:`verify_envelope`, ``statement_malformed``, ``digest_mismatch``, ``model_mismatch``,
    ``environment_mismatch``, ``statement_from_future``, ``key_status_unknown``, ``key_not_yet_valid``,
    ``key_window_unknown``, ``key_retired``, ``key_compromised``, ``approval_expired``. Raises MissingDependency without
    the ``cryptography`` package. Revocation is not visible offline: ask the ledger (``Client.approval``) or check a
    signed status list.
    """
    now = now or datetime.now(timezone.utc)
    jwks = [k for k in keys.get("keys", []) if isinstance(k, dict)]
    trusted: list[VerificationKey] = [k for k in (Es256Key.from_jwk(j) for j in jwks) if k is not None]
    dsse = verify_envelope(envelope_json, [PAYLOAD_TYPE], trusted)
    if not dsse.verified:
        return AttestationVerification(False, dsse.code, dsse.message)
    key_id = dsse.key_ids[0]

    def refused(code: str, message: str) -> AttestationVerification:
        return AttestationVerification(False, code, message)

    try:
        statement = json.loads(dsse.payload or b"")
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        return refused("statement_malformed", f"The payload is not an in-toto statement: {e}")
    if (
        not isinstance(statement, dict)
        or statement.get("_type") != STATEMENT_TYPE
        or not isinstance(statement.get("subject"), list)
        or not statement["subject"]
        or not isinstance(statement.get("predicate"), dict)
    ):
        return refused("statement_malformed", "The payload is not an in-toto Statement v1 with a subject and a predicate.")
    if statement.get("predicateType") not in PREDICATE_TYPES:
        return refused("statement_malformed", f"The predicate type is '{statement.get('predicateType')}', not one of {PREDICATE_TYPES}.")
    approval = statement["predicate"]
    if any(not isinstance(approval.get(k), str) for k in ("environment", "model", "version", "approvalId")):
        return refused("statement_malformed", "The predicate lacks its model, version, environment or approval id.")
    expected_hex = artifact_digest.removeprefix("sha256:").lower()
    digests = [s.get("digest", {}).get("sha256", "") for s in statement["subject"] if isinstance(s, dict)]
    if not any(isinstance(d, str) and d.lower() == expected_hex for d in digests):
        return refused("digest_mismatch", f"The attestation covers {digests}, not this artifact (sha256:{expected_hex}).")
    if model is not None and approval["model"] != model:
        return refused("model_mismatch", f"The attestation is for model '{approval['model']}', not '{model}'.")
    if version is not None and approval["version"] != version:
        return refused("model_mismatch", f"The attestation is for version '{approval['version']}', not '{version}'.")
    if approval["environment"] != environment:
        return refused("environment_mismatch", f"The approval is for '{approval['environment']}', not '{environment}'.")
    issued_at = _time(approval.get("issuedAt")) or _time(approval.get("approvedAt"))
    expires_at = _time(approval.get("expiresAt"))
    if issued_at is None or expires_at is None:
        return refused("statement_malformed", "The predicate lacks its issue or expiry time.")
    problem = _window_problem(next(j for j in jwks if j.get("kid") == key_id), issued_at, now)
    if problem:
        return refused(*problem)
    if expires_at <= now:
        return refused("approval_expired", f"The approval expired on {expires_at}.")
    approvers = ", ".join(a.get("subjectId", "?") for a in approval.get("approvers", []) if isinstance(a, dict))
    return AttestationVerification(
        True,
        "verified",
        f"Approval {approval['approvalId']} by {approvers} verified with key {key_id}.",
        approval,
        key_id,
    )
