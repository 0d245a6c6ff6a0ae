"""governance-client: the Python client of the Governance ledger (standard library only; ``cryptography`` optional).

>>> from governance_client import Client
>>> gov = Client.from_env()                       # GOVERNANCE_URL, GOVERNANCE_CLIENT_ID, GOVERNANCE_CLIENT_SECRET
>>> gov.check_approval("credit-scoring-de", "1.1.0", "production", artifact="model.zip").allowed

See docs/python.md for a walkthrough from registration to a recorded deployment.
"""

from .attestation import AttestationVerification, pae, verify_attestation, verify_envelope
from .client import Approval, ApprovalCheck, Client, Me, TokenCache
from .errors import GovernanceError, InvalidInput, LedgerUnavailable, MissingDependency, Refused, VerificationFailed
from .hashing import ListedFile, artifact_digest, manifest_digest, sha256_file
from .webhooks import verify_webhook

__all__ = [
    "Approval",
    "ApprovalCheck",
    "AttestationVerification",
    "Client",
    "GovernanceError",
    "InvalidInput",
    "LedgerUnavailable",
    "ListedFile",
    "Me",
    "MissingDependency",
    "Refused",
    "TokenCache",
    "VerificationFailed",
    "artifact_digest",
    "manifest_digest",
    "pae",
    "sha256_file",
    "verify_attestation",
    "verify_envelope",
    "verify_webhook",
]
