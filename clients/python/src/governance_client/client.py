"""The ledger over HTTP (``/api/v1``): authentication and one method per step of a model's lifecycle.

Machine clients (pipelines) authenticate with OAuth 2.0 client credentials (RFC 6749 §4.4) and ask for the scope each call
needs; people sign in with the device authorization grant (RFC 8628), like ``governance login``, and share its token file
(``$GOVERNANCE_CONFIG_DIR/tokens.json``, by default ``~/.config/governance/tokens.json``, mode 0600). Refusals are raised
as the :mod:`governance_client.errors` classes, which carry the ledger's problem code.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .errors import GovernanceError, InvalidInput, LedgerUnavailable, Refused
from .hashing import ListedFile, artifact_digest, manifest_digest, sha256_file

CLI_CLIENT_ID = "governance-cli"
PERSON_SCOPES = "openid offline_access ledger:read ledger:write approvals:read"
MODELS_WRITE = "models:write"
APPROVALS_READ = "approvals:read"
DEPLOYMENTS_WRITE = "deployments:write"


def _parse_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


@dataclass(frozen=True)
class ApprovalCheck:
    """The answer to the pipelines' question: may ``digest`` of model/version go to ``environment`` now?"""

    allowed: bool
    approval_id: str | None
    expires_at: datetime | None
    reasons: list[dict[str, Any]]
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Approval:
    """One approval case: ``status`` is Pending, Approved, Rejected, Revoked or Suspended."""

    id: str
    model_id: str
    version: str
    environment: str
    artifact_digest: str
    status: str
    required_approvals: int
    sign_offs: int
    expires_at: datetime | None
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_json(cls, a: dict[str, Any]) -> Approval:
        return cls(
            a["id"],
            a["modelId"],
            a["version"],
            a["environment"],
            a["artifactDigest"],
            a["status"],
            a["requiredApprovals"],
            len(a.get("signOffs", [])),
            _parse_time(a.get("expiresAt")),
            a,
        )

    @property
    def granted(self) -> bool:
        """Approved and not expired: it allows a deployment now."""
        return self.status == "Approved" and self.expires_at is not None and self.expires_at > datetime.now(timezone.utc)

    @property
    def pending(self) -> bool:
        return self.status == "Pending"


@dataclass(frozen=True)
class Me:
    """Who the ledger takes the caller to be."""

    subject_id: str
    role: str
    client_id: str | None
    roles: list[str]
    scopes: list[str]


class TokenCache:
    """A person's tokens per server, in the CLI's file format (shared with ``governance login``)."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        folder = os.environ.get("GOVERNANCE_CONFIG_DIR") or os.path.join(os.path.expanduser("~"), ".config", "governance")
        self.path = Path(path) if path else Path(folder) / "tokens.json"

    def _all(self) -> dict[str, Any]:
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def get(self, server: str) -> dict[str, Any] | None:
        return self._all().get(server)

    def put(self, server: str, access_token: str, refresh_token: str | None, expires_in: int) -> None:
        entries = self._all()
        expires = datetime.fromtimestamp(time.time() + expires_in, timezone.utc).isoformat()
        entries[server] = {"AccessToken": access_token, "RefreshToken": refresh_token, "ExpiresAt": expires}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.touch(mode=0o600, exist_ok=True)
        os.chmod(self.path, 0o600)
        self.path.write_text(json.dumps(entries))

    def remove(self, server: str) -> bool:
        entries = self._all()
        if entries.pop(server, None) is None:
            return False
        self.path.write_text(json.dumps(entries))
        return True


class Client:
    """A connection to the ledger at ``url``: as machine client ``client_id`` (client credentials) if given, otherwise as
    the person signed in with :meth:`login` (or ``governance login``)."""

    def __init__(
        self,
        url: str,
        client_id: str | None = None,
        client_secret: str | None = None,
        tokens: TokenCache | None = None,
        correlation_id: str | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.url = url.rstrip("/") + "/"
        self.client_id = client_id
        self._secret = client_secret
        self.tokens = tokens or TokenCache()
        self.correlation_id = correlation_id
        self.timeout = timeout
        self._client_tokens: dict[str, tuple[str, float]] = {}

    @classmethod
    def from_env(cls) -> Client:
        """From ``GOVERNANCE_URL`` (default http://127.0.0.1:5080), ``GOVERNANCE_CLIENT_ID`` and ``GOVERNANCE_CLIENT_SECRET``
        (a person's login when unset); the correlation id is the CI run (``GITHUB_RUN_ID`` or ``CI_PIPELINE_ID``)."""
        return cls(
            os.environ.get("GOVERNANCE_URL", "http://127.0.0.1:5080"),
            os.environ.get("GOVERNANCE_CLIENT_ID") or None,
            os.environ.get("GOVERNANCE_CLIENT_SECRET") or None,
            correlation_id=os.environ.get("GITHUB_RUN_ID") or os.environ.get("CI_PIPELINE_ID"),
        )

    # --- transport ---------------------------------------------------------------------------------------------------

    def _raw(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, bytes, str]:
        request = urllib.request.Request(self.url + path, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, response.read(), response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            return e.code, e.read(), e.headers.get("Content-Type", "")
        except (urllib.error.URLError, OSError) as e:
            raise LedgerUnavailable("ledger_unreachable", f"The ledger at {self.url} could not be reached: {e}") from e

    def _form(self, path: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        status, body, _ = self._raw(
            "POST", path, urllib.parse.urlencode(form).encode(), {"Content-Type": "application/x-www-form-urlencoded"}
        )
        if status >= 500 or status == 429:
            raise LedgerUnavailable("token_endpoint_failed", f"The token endpoint answered {status}.", status)
        return status, json.loads(body or b"{}")

    def _token(self, scope: str) -> str:
        if self.client_id:
            cached = self._client_tokens.get(scope)
            if cached and cached[1] > time.time() + 30:
                return cached[0]
            _, answer = self._form(
                "connect/token",
                {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self._secret or "", "scope": scope},
            )
            if "access_token" not in answer:
                raise LedgerUnavailable(
                    answer.get("error", "token_refused"),
                    f"The token endpoint refused client '{self.client_id}': {answer.get('error_description') or answer.get('error')}",
                )
            self._client_tokens[scope] = (answer["access_token"], time.time() + answer.get("expires_in", 60))
            return answer["access_token"]
        entry = self.tokens.get(self.url)
        if entry is None:
            raise LedgerUnavailable(
                "not_signed_in", "Not signed in: call Client.login() (or run 'governance login'), or give a client id and secret."
            )
        if _parse_time(entry["ExpiresAt"]).timestamp() - time.time() > 30:
            return entry["AccessToken"]
        if not entry.get("RefreshToken"):
            raise LedgerUnavailable("login_expired", "The login has expired: sign in again.")
        _, answer = self._form(
            "connect/token", {"grant_type": "refresh_token", "client_id": CLI_CLIENT_ID, "refresh_token": entry["RefreshToken"]}
        )
        if "access_token" not in answer:
            raise LedgerUnavailable("login_expired", "The login has expired: sign in again.")
        self.tokens.put(self.url, answer["access_token"], answer.get("refresh_token") or entry["RefreshToken"], answer.get("expires_in", 900))
        return answer["access_token"]

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        scope: str = "ledger:read",
        expect: tuple[int, ...] = (200,),
        idempotency_key: str | None = None,
    ) -> Any:
        """One call to ``/api/v1/{path}``; returns the JSON answer, or raises the refusal as its error class (400/404
        InvalidInput, 401/5xx LedgerUnavailable, 403/409 Refused). ``scope`` is what a machine client asks for."""
        headers = {"Authorization": "Bearer " + self._token(scope), "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        if self.correlation_id:
            headers["X-Correlation-Id"] = self.correlation_id
        status, raw, content_type = self._raw(method, "api/v1/" + path, data, headers)
        answer = json.loads(raw) if raw and "json" in content_type else None
        if status in expect:
            return answer
        problem = answer if isinstance(answer, dict) else {}
        code = problem.get("code") or ("unauthorized" if status == 401 else "refused")
        errors = problem.get("errors")
        message = f"{status} {code}: {problem.get('detail') or problem.get('title') or raw[:200].decode(errors='replace')}"
        if isinstance(errors, dict):
            message += " (" + "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in errors.items()) + ")"
        kind: type[GovernanceError] = (
            InvalidInput if status in (400, 404) else Refused if status in (403, 409) else LedgerUnavailable
        )
        raise kind(code, message, status, problem or None)

    def _person_only(self, step: str) -> None:
        """Refuses, before anything is sent, a step only a person may take (machines report; people decide)."""
        if self.client_id:
            raise Refused(
                "access.person_required",
                f"{step} is a person's decision: sign in with login() (machine client '{self.client_id}' cannot).",
                403,
            )

    @staticmethod
    def _key(*parts: Any) -> str:
        return "py-" + hashlib.sha256("\x1f".join(json.dumps(p, sort_keys=True, default=str) for p in parts).encode()).hexdigest()[:32]

    @staticmethod
    def _q(value: str) -> str:
        return urllib.parse.quote(value, safe="")

    def _version_path(self, model: str, version: str) -> str:
        return f"models/{self._q(model)}/versions/{self._q(version)}"

    # --- who ------------------------------------------------------------------------------------------------------------

    def login(self, show: Callable[[str], None] = print, timeout: float = 300) -> None:
        """Signs a person in with the device flow: ``show`` gets the line with the link and code to confirm in a browser;
        the tokens are kept in :attr:`tokens`. Raises LedgerUnavailable when refused or not confirmed within ``timeout``."""
        status, started = self._form("connect/device", {"client_id": CLI_CLIENT_ID, "scope": PERSON_SCOPES})
        if status != 200:
            raise LedgerUnavailable("device_refused", f"The ledger refused the device sign-in: {started}")
        link = started.get("verification_uri_complete") or started["verification_uri"]
        show(f"To sign in, open {link} and confirm the code {started['user_code']}")
        interval = started.get("interval", 5)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(interval)
            _, answer = self._form(
                "connect/token",
                {"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "client_id": CLI_CLIENT_ID, "device_code": started["device_code"]},
            )
            if "access_token" in answer:
                self.tokens.put(self.url, answer["access_token"], answer.get("refresh_token"), answer.get("expires_in", 900))
                return
            if answer.get("error") == "slow_down":
                interval += 5
            elif answer.get("error") != "authorization_pending":
                raise LedgerUnavailable(answer.get("error", "device_refused"), f"The sign-in did not complete: {answer}")
        raise LedgerUnavailable("login_timeout", f"No confirmation within {timeout:.0f} s.")

    def logout(self) -> bool:
        """Forgets this machine's sign-in to the server; False if nobody was signed in."""
        return self.tokens.remove(self.url)

    def whoami(self) -> Me:
        """Who the ledger takes the caller to be (a machine client asks with each machine scope it may hold)."""
        scope = "ledger:read"
        if self.client_id:
            held = []
            for s in (MODELS_WRITE, APPROVALS_READ, DEPLOYMENTS_WRITE, "loads:write"):
                try:
                    self._token(s)
                    held.append(s)
                except LedgerUnavailable as e:
                    # A scope the client was not given: invalid_scope (RFC 6749), or invalid_request as OpenIddict answers.
                    if e.code not in ("invalid_scope", "invalid_request"):
                        raise
            if not held:
                raise Refused("no_scope", f"Client '{self.client_id}' holds no machine scope.")
            scope = " ".join(held)
        me = self.request("GET", "me", scope=scope)
        actor = me["actor"]
        return Me(actor["subjectId"], actor["role"], actor.get("clientId"), me["roles"], me["scopes"])

    # --- inventory ------------------------------------------------------------------------------------------------------

    def register_model(
        self,
        model_id: str,
        name: str,
        business_purpose: str,
        risk_tier: str,
        jurisdictions: list[str],
        eu_ai_act_category: str | None = None,
        reason: str | None = None,
    ) -> dict[str, Any]:
        """Enters a model in the inventory; the signed-in person becomes its owner (a machine client is refused)."""
        self._person_only("Owning a model")
        body = {
            "modelId": model_id,
            "name": name,
            "businessPurpose": business_purpose,
            "riskTier": risk_tier,
            "euAiActCategory": eu_ai_act_category,
            "jurisdictions": jurisdictions,
            "reason": reason,
        }
        return self.request("POST", "models", body, "ledger:write", (201,), self._key("model", body))

    def add_delegate(self, model_id: str, delegate_id: str, reason: str | None = None) -> dict[str, Any]:
        """The owner names a delegate (``client:<id>`` for a pipeline, ``user:<id>`` for a person) holding ModelOwner."""
        self._person_only("Naming a delegate")
        return self.request(
            "POST",
            f"models/{self._q(model_id)}/delegates",
            {"delegateId": delegate_id, "reason": reason},
            "ledger:write",
            (200,),
            self._key("delegate", model_id, delegate_id),
        )

    def model(self, model_id: str) -> dict[str, Any]:
        """A model's inventory entry (people only)."""
        return self.request("GET", f"inventory/{self._q(model_id)}")

    def models(self, **filters: str) -> list[dict[str, Any]]:
        """The inventory, filtered by ``riskTier``, ``status``, ``environment``, ``owner`` (people only)."""
        query = urllib.parse.urlencode({k: v for k, v in filters.items() if v is not None})
        return self.request("GET", "inventory" + (f"?{query}" if query else ""))

    # --- datasets and versions ------------------------------------------------------------------------------------------

    def register_dataset(
        self,
        name: str,
        version: str,
        files: list[str | os.PathLike[str]],
        row_count: int,
        schema: dict[str, str],
        contains_personal_data: bool = False,
        legal_basis: str | None = None,
        description: str | None = None,
    ) -> str:
        """Hashes each file (SHA-256, size), registers the dataset version and returns its manifest digest, the id versions
        name it by. ``schema`` maps column names to types, in order."""
        listed = []
        for f in files:
            digest, size = sha256_file(f)
            listed.append(ListedFile(Path(f).name, digest, size))
        manifest = manifest_digest(listed)
        body = {
            "name": name,
            "version": version,
            "description": description,
            "files": [{"path": f.path, "sha256": f.sha256, "sizeBytes": f.size} for f in listed],
            "manifestDigest": manifest,
            "rowCount": row_count,
            "schema": [{"name": k, "type": v} for k, v in schema.items()],
            "containsPersonalData": contains_personal_data,
            "legalBasis": legal_basis,
        }
        self.request("POST", "datasets", body, MODELS_WRITE, (201,), self._key("dataset", name, version, manifest))
        return manifest

    def register_version(
        self,
        model_id: str,
        version: str,
        artifact: str | os.PathLike[str],
        artifact_uri: str,
        artifact_format: str,
        training_dataset: str,
        validation_dataset: str,
        code_commit: str,
        metrics: dict[str, float] | None = None,
        hyperparameters: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Registers a model version from its artifact file, or a model directory (its manifest and files); returns the
        version. ``artifact_format`` is MlNetZip, Onnx or Other; datasets by manifest digest."""
        digest, size, files = artifact_digest(artifact)
        body = {
            "version": version,
            "artifactUri": artifact_uri,
            "artifactDigest": digest,
            "artifactSizeBytes": size,
            "artifactFiles": None if files is None else [{"path": f.path, "sha256": f.sha256, "sizeBytes": f.size} for f in files],
            "format": artifact_format,
            "trainingDatasetDigest": training_dataset,
            "validationDatasetDigest": validation_dataset,
            "metrics": metrics or {},
            "hyperparameters": hyperparameters or {},
            "codeCommit": code_commit,
        }
        return self.request(
            "POST", f"models/{self._q(model_id)}/versions", body, MODELS_WRITE, (201,), self._key("version", model_id, version, digest)
        )

    def version(self, model_id: str, version: str) -> dict[str, Any]:
        """A version's whole record (people only)."""
        return self.request("GET", self._version_path(model_id, version))

    # --- validation -----------------------------------------------------------------------------------------------------

    def submit_for_validation(
        self,
        model_id: str,
        version: str,
        summary: str | None = None,
        report_uri: str | None = None,
        report: str | os.PathLike[str] | None = None,
        reason: str | None = None,
    ) -> dict[str, Any]:
        """Hands a version to independent validation (the owner or a delegate); ``report`` is hashed into reportDigest."""
        body = {
            "summary": summary,
            "reportUri": report_uri,
            "reportDigest": sha256_file(report)[0] if report else None,
            "reason": reason,
        }
        return self.request(
            "POST",
            self._version_path(model_id, version) + "/validation-submissions",
            body,
            MODELS_WRITE,
            (200,),
            self._key("validation-submit", model_id, version, body),
        )

    def record_validation(
        self, model_id: str, version: str, outcome: str, opinion: str, findings: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """The independent validator's outcome (Passed, PassedWithConditions, Failed), opinion and findings (each ``id``,
        ``severity``, ``title``, ``description``, ``status``). A person who is not the model's owner or delegate."""
        self._person_only("Recording a validation outcome")
        body = {"outcome": outcome, "opinion": opinion, "findings": findings or []}
        return self.request(
            "POST", self._version_path(model_id, version) + "/validation", body, "ledger:write", (200,), self._key("validation", model_id, version, body)
        )

    # --- approvals ------------------------------------------------------------------------------------------------------

    def request_approval(
        self,
        model_id: str,
        version: str,
        environment: str,
        intended_use: str,
        reason: str | None = None,
        monitoring_plan: dict[str, Any] | None = None,
        decision_policy: dict[str, Any] | None = None,
    ) -> Approval:
        """Asks risk officers to approve the version's artifact for ``environment`` (the owner or a delegate), optionally
        with the post-market monitoring plan and the decision policy the approval is to cover (the JSON shapes of
        docs/monitoring-plan.md); the officers sign them with the approval."""
        body: dict[str, Any] = {"environment": environment, "intendedUse": intended_use, "reason": reason}
        if monitoring_plan is not None:
            body["monitoringPlan"] = monitoring_plan
        if decision_policy is not None:
            body["decisionPolicy"] = decision_policy
        return Approval.from_json(
            self.request(
                "POST",
                self._version_path(model_id, version) + "/approvals",
                body,
                MODELS_WRITE,
                (201,),
                self._key("approval-request", model_id, version, body),
            )
        )

    def approval(self, approval_id: str) -> Approval:
        """An approval as it stands now."""
        return Approval.from_json(self.request("GET", f"approvals/{self._q(approval_id)}", scope=APPROVALS_READ))

    def wait_for_approval(self, approval_id: str, timeout: float = 3600, interval: float = 10) -> Approval:
        """Asks every ``interval`` seconds until the approval is decided or ``timeout`` runs out; returns it as it stands
        (``granted``, or ``pending`` at the timeout, or Rejected/Revoked/Suspended)."""
        deadline = time.monotonic() + timeout
        while True:
            approval = self.approval(approval_id)
            left = deadline - time.monotonic()
            if not approval.pending or left <= 0:
                return approval
            time.sleep(min(interval, left))

    def check_approval(
        self,
        model_id: str,
        version: str,
        environment: str,
        artifact: str | os.PathLike[str] | None = None,
        digest: str | None = None,
    ) -> ApprovalCheck:
        """The pipelines' question for an artifact file or directory (hashed here) or a digest."""
        if (artifact is None) == (digest is None):
            raise InvalidInput("digest_or_artifact", "Give exactly one of artifact or digest.")
        sha = digest or artifact_digest(artifact)[0]  # type: ignore[arg-type]
        query = urllib.parse.urlencode({"model": model_id, "version": version, "digest": sha, "environment": environment})
        a = self.request("GET", f"approvals/check?{query}", scope=APPROVALS_READ)
        return ApprovalCheck(a["allowed"], a.get("approvalId"), _parse_time(a.get("expiresAt")), a.get("reasons", []), a)

    def revoke_approval(self, approval_id: str, reason: str) -> dict[str, Any]:
        """A risk officer revokes a granted approval (a person)."""
        self._person_only("Revoking an approval")
        a = self.approval(approval_id)
        return self.request(
            "POST",
            self._version_path(a.model_id, a.version) + f"/approvals/{self._q(approval_id)}/revocation",
            {"reason": reason},
            "ledger:write",
            (200,),
            self._key("approval-revoke", approval_id),
        )

    def attestation(self, approval_id: str) -> bytes:
        """The DSSE envelope of a granted approval, as the ledger sent it."""
        headers = {"Authorization": "Bearer " + self._token(APPROVALS_READ), "Accept": "application/json"}
        status, raw, _ = self._raw("GET", f"api/v1/approvals/{self._q(approval_id)}/attestation", None, headers)
        if status != 200:
            raise (InvalidInput if status in (400, 404) else Refused if status in (403, 409) else LedgerUnavailable)(
                "attestation_unavailable", f"{status}: {raw[:300].decode(errors='replace')}", status
            )
        return raw

    def attestation_keys(self) -> dict[str, Any]:
        """The ledger's attestation keys (JWKS with status, nbf, exp), for offline verification (no token needed)."""
        status, raw, _ = self._raw("GET", "api/v1/attestation-keys", None, {"Accept": "application/json"})
        if status != 200:
            raise LedgerUnavailable("keys_unavailable", f"GET attestation-keys answered {status}", status)
        return json.loads(raw)

    # --- deployments ----------------------------------------------------------------------------------------------------

    def _deployment_body(self, environment: str, run_id: str, artifact: Any, digest: str | None) -> dict[str, Any]:
        if (artifact is None) == (digest is None):
            raise InvalidInput("digest_or_artifact", "Give exactly one of artifact or digest.")
        return {"environment": environment, "pipelineRunId": run_id, "artifactDigest": digest or artifact_digest(artifact)[0]}

    def record_deployment(
        self, model_id: str, version: str, environment: str, run_id: str, artifact: Any = None, digest: str | None = None
    ) -> dict[str, Any]:
        """Records a deployment (start and complete at once); without an active approval the ledger refuses and records it
        (raised as Refused)."""
        body = self._deployment_body(environment, run_id, artifact, digest)
        return self.request(
            "POST", self._version_path(model_id, version) + "/deployments", body, DEPLOYMENTS_WRITE, (201,), self._key("deployment", model_id, version, body)
        )

    def start_deployment(
        self, model_id: str, version: str, environment: str, run_id: str, artifact: Any = None, digest: str | None = None
    ) -> dict[str, Any]:
        """Starts a deployment (the approval check is recorded with it); returns it with its ``deploymentId``."""
        body = self._deployment_body(environment, run_id, artifact, digest)
        return self.request(
            "POST",
            self._version_path(model_id, version) + "/deployments/start",
            body,
            DEPLOYMENTS_WRITE,
            (201,),
            self._key("deployment-start", model_id, version, body),
        )

    def complete_deployment(self, model_id: str, environment: str, deployment_id: str, reason: str | None = None) -> dict[str, Any]:
        """The rollout finished: the version becomes the environment's live one."""
        return self.request(
            "POST",
            f"models/{self._q(model_id)}/environments/{self._q(environment)}/deployments/{self._q(deployment_id)}/completion",
            {"reason": reason},
            DEPLOYMENTS_WRITE,
            (200,),
            self._key("deployment-complete", model_id, environment, deployment_id),
        )

    def fail_deployment(self, model_id: str, environment: str, deployment_id: str, reason: str) -> dict[str, Any]:
        """The rollout failed: the environment keeps what it had."""
        return self.request(
            "POST",
            f"models/{self._q(model_id)}/environments/{self._q(environment)}/deployments/{self._q(deployment_id)}/failure",
            {"reason": reason},
            DEPLOYMENTS_WRITE,
            (200,),
            self._key("deployment-fail", model_id, environment, deployment_id),
        )

    def environment_slot(self, model_id: str, environment: str) -> dict[str, Any]:
        """A model's slot in an environment: live, canary, shadow and their history."""
        return self.request("GET", f"models/{self._q(model_id)}/environments/{self._q(environment)}", scope=APPROVALS_READ)
