"""Errors of the Governance client, one class per way a call can end, mirroring the CLI's exit codes."""

from __future__ import annotations

from typing import Any


class GovernanceError(Exception):
    """A call did not do what was asked.

    ``code`` is the ledger's machine-readable code (an RFC 9457 problem's ``code``, such as
    ``segregation_of_duties.owner_cannot_validate``) or the client's own (``ledger_unreachable``);
    ``status`` the HTTP status when the ledger answered; ``details`` the problem document.
    """

    exit_code = 1

    def __init__(self, code: str, message: str, status: int | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.details = details


class InvalidInput(GovernanceError):
    """Bad input (400) or something unknown (404): nothing was recorded. CLI exit code 1."""

    exit_code = 1


class LedgerUnavailable(GovernanceError):
    """The ledger could not be reached, failed (5xx), or refused the credentials (401). CLI exit code 2."""

    exit_code = 2


class Refused(GovernanceError):
    """The ledger said no: forbidden (403), a state conflict (409), or a refusal it recorded. CLI exit code 3."""

    exit_code = 3


class VerificationFailed(GovernanceError):
    """Offline verification of an attestation failed; ``code`` names why (``signature_invalid``, ``digest_mismatch``...).
    CLI exit code 4."""

    exit_code = 4


class MissingDependency(GovernanceError):
    """An optional package is needed for this call and is not installed (``cryptography`` for offline verification)."""

    exit_code = 1
