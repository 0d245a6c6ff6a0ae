"""A model's whole lifecycle through the client against a real server (started by the test command: see
tests/Governance.Api.Tests/PythonClientTests.cs): people sign in with the device flow, pipelines with client credentials."""

from __future__ import annotations

import json
import tempfile
import unittest
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from governance_client import Client, InvalidInput, Refused, verify_attestation
from governance_client.hashing import sha256_file

from .people import URL, server_configured, signed_in


@unittest.skipUnless(server_configured(), "GOVERNANCE_TEST_URL and GOVERNANCE_TEST_CREDENTIALS name no test server")
class LifecycleTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.folder = tempfile.mkdtemp(prefix="governance-client-tests-")
        cls.owner = signed_in("olivia", cls.folder)
        cls.validator = signed_in("victor", cls.folder)
        cls.rita = signed_in("rita", cls.folder)
        cls.ravi = signed_in("ravi", cls.folder)
        admin = signed_in("adam", cls.folder)
        suffix = uuid.uuid4().hex[:8]
        cls.training = cls._client(admin, f"py-train-{suffix}", ["ModelOwner"], ["models:write", "approvals:read"])
        cls.deploying = cls._client(admin, f"py-deploy-{suffix}", ["DeploymentPipeline"], ["approvals:read", "deployments:write"])

    @staticmethod
    def _client(admin: Client, client_id: str, roles: list[str], scopes: list[str]) -> Client:
        made = admin.request(
            "POST", "admin/clients", {"clientId": client_id, "displayName": client_id, "scopes": scopes, "roles": roles}, expect=(201,)
        )
        return Client(URL, client_id, made["clientSecret"])

    def _sign_off(self, officer: Client, approval: dict, digest: str) -> None:
        officer.request(
            "POST",
            f"models/{approval['modelId']}/versions/{approval['version']}/approvals/{approval['id']}/sign-offs",
            {
                "artifactDigest": digest,
                "environment": approval["environment"],
                "rationale": "Validated; within appetite",
                "conditions": [],
                "expiresAt": (datetime.now(timezone.utc) + timedelta(days=90)).isoformat(),
            },
            "ledger:write",
        )

    def test_registration_to_a_recorded_deployment_then_revocation(self) -> None:
        work = Path(self.folder)
        model = f"py-credit-{uuid.uuid4().hex[:8]}"
        (work / "train.csv").write_text("age,amount,default\n30,1000,0\n45,5000,1\n")
        (work / "holdout.csv").write_text("age,amount,default\n52,2500,0\n")
        (work / "model").mkdir()
        (work / "model" / "model.json").write_text('{"trees": []}')
        (work / "model" / "features.txt").write_text("age\namount\n")

        self.owner.register_model(model, "Credit (Python)", "Retail credit decisions", "High", ["EU", "DE"], "Annex III 5(b) creditworthiness assessment")
        with self.assertRaises(Refused) as machine_owner:
            self.training.register_model(model + "-x", "x", "x", "Low", ["EU"])
        self.assertEqual(403, machine_owner.exception.status)
        schema = {"age": "int", "amount": "int", "default": "int"}
        train = self.training.register_dataset(f"{model}-train", "1", [work / "train.csv"], 2, schema)
        holdout = self.training.register_dataset(f"{model}-holdout", "1", [work / "holdout.csv"], 1, schema)

        def register() -> dict:
            return self.training.register_version(
                model, "1.0.0", work / "model", f"s3://models/{model}/1.0.0/", "Other", train, holdout, "0123456789abcdef", {"auc": 0.77}
            )

        with self.assertRaises(Refused) as not_yet:  # the owner has not named the pipeline a delegate yet
            register()
        self.assertEqual(403, not_yet.exception.status)
        self.owner.add_delegate(model, f"client:{self.training.client_id}")
        registered = register()
        digest = registered["artifactDigest"]
        self.assertEqual(2, len(registered["artifactFiles"]))
        self.training.submit_for_validation(model, "1.0.0", "First version", report=work / "train.csv")
        with self.assertRaises(Refused):  # the owner may not validate their own model
            self.owner.record_validation(model, "1.0.0", "Passed", "Mine is fine")
        self.validator.record_validation(
            model, "1.0.0", "Passed", "Sound", [{"id": "F-1", "severity": "Low", "title": "Thin holdout", "description": None, "status": "Accepted"}]
        )
        approval = self.training.request_approval(model, "1.0.0", "production", "Retail credit decisions up to EUR 50,000")
        self.assertTrue(approval.pending)
        self.assertEqual(2, approval.required_approvals)
        waited = self.deploying.wait_for_approval(approval.id, timeout=1, interval=1)
        self.assertTrue(waited.pending)
        self._sign_off(self.rita, approval.raw, digest)
        self._sign_off(self.ravi, approval.raw, digest)
        granted = self.deploying.wait_for_approval(approval.id, timeout=30, interval=1)
        self.assertTrue(granted.granted, granted)

        check = self.deploying.check_approval(model, "1.0.0", "production", artifact=work / "model")
        self.assertTrue(check.allowed)
        self.assertEqual(approval.id, check.approval_id)
        envelope, keys = self.deploying.attestation(approval.id), self.deploying.attestation_keys()
        verified = verify_attestation(envelope, digest, "production", keys, model, "1.0.0")
        self.assertTrue(verified.verified, verified.message)
        self.assertEqual(approval.id, verified.predicate["approvalId"])
        self.assertEqual("environment_mismatch", verify_attestation(envelope, digest, "staging", keys).code)
        self.assertEqual("digest_mismatch", verify_attestation(envelope, sha256_file(work / "train.csv")[0], "production", keys).code)
        tampered = json.loads(envelope)
        statement = json.loads(__import__("base64").b64decode(tampered["payload"]))
        statement["predicate"]["environment"] = "staging"
        tampered["payload"] = __import__("base64").b64encode(json.dumps(statement).encode()).decode()
        self.assertEqual("signature_invalid", verify_attestation(json.dumps(tampered), digest, "staging", keys).code)

        started = self.deploying.start_deployment(model, "1.0.0", "production", "run-1", artifact=work / "model")
        self.deploying.complete_deployment(model, "production", started["deploymentId"])
        slot = self.deploying.environment_slot(model, "production")
        self.assertEqual("1.0.0", slot["live"]["deployment"]["version"])

        self.rita.revoke_approval(approval.id, "Drift beyond the validated range")
        self.assertEqual("Revoked", self.deploying.approval(approval.id).status)
        self.assertFalse(self.deploying.check_approval(model, "1.0.0", "production", digest=digest).allowed)
        with self.assertRaises(Refused):
            self.deploying.record_deployment(model, "1.0.0", "production", "run-2", digest=digest)
        self.assertEqual("Revoked", self.owner.version(model, "1.0.0")["status"])

    def test_who_am_i_for_a_person_and_a_machine_client(self) -> None:
        me = self.owner.whoami()
        self.assertTrue(me.subject_id.startswith("user:"))
        self.assertIn("ModelOwner", me.roles)
        machine = self.deploying.whoami()
        self.assertEqual(f"client:{self.deploying.client_id}", machine.subject_id)
        self.assertEqual(["approvals:read", "deployments:write"], sorted(machine.scopes))

    def test_bad_input_is_refused_with_the_ledgers_field_names(self) -> None:
        with self.assertRaises(InvalidInput) as refused:
            self.owner.register_model("Not A Slug", "x", "x", "Low", ["EU"])
        self.assertEqual(400, refused.exception.status)
        self.assertIn("modelId", str(refused.exception))


if __name__ == "__main__":
    unittest.main()
