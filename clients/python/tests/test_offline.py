"""What the client computes without a server: DSSE envelope verification (the DSSE project's own vectors), manifest
digests, webhook signatures."""

from __future__ import annotations

import base64
import json
import os
import tempfile
import unittest
from pathlib import Path

from governance_client import VerificationFailed, manifest_digest, pae, verify_envelope, verify_webhook
from governance_client.attestation import Ed25519Key
from governance_client.hashing import ListedFile, artifact_digest

VECTORS = Path(os.environ.get("GOVERNANCE_TEST_VECTORS", Path(__file__).resolve().parents[3] / ".." / "shared" / "vectors"))


@unittest.skipUnless((VECTORS / "dsse" / "vectors.json").exists(), "the DSSE vectors (../shared/vectors) are not here")
class DsseVectorTests(unittest.TestCase):
    def test_every_dsse_vector_gives_its_expected_result_with_the_pae_rebuilt_from_the_envelope(self) -> None:
        suite = json.loads((VECTORS / "dsse" / "vectors.json").read_text())
        keys = {k: Ed25519Key(k, bytes.fromhex(v["public"])) for k, v in suite["keys"].items()}
        checked = 0
        for v in suite["vectors"]:
            with self.subTest(v["id"]):
                result = verify_envelope(
                    json.dumps(v["envelope"]), v["supportedPayloadTypes"], [keys[k] for k in v["trustedKeys"]], v["threshold"]
                )
                self.assertEqual(v["expect"] == "accept", result.verified, f"{v['id']}: {result.code} {result.message}")
                checked += 1
        self.assertGreater(checked, 5)

    def test_pae_is_the_dsse_v1_encoding(self) -> None:
        v = json.loads((VECTORS / "dsse" / "vectors.json").read_text())["vectors"][0]
        payload = base64.b64decode(v["envelope"]["payload"])
        self.assertEqual(bytes.fromhex(v["pae"]), pae(v["envelope"]["payloadType"], payload))


class ManifestTests(unittest.TestCase):
    def test_the_manifest_digest_is_sha256_of_the_jcs_of_the_sorted_files(self) -> None:
        # Computed by hand: sha256 of {"files":[{"path":"a.csv","sha256":"<64 x 'a'>","size":1},{"path":"b.csv",...}]}
        import hashlib

        a = ListedFile("a.csv", "sha256:" + "A" * 64, 1)
        b = ListedFile("b.csv", "sha256:" + "b" * 64, 22)
        canonical = '{"files":[{"path":"a.csv","sha256":"' + "a" * 64 + '","size":1},{"path":"b.csv","sha256":"' + "b" * 64 + '","size":22}]}'
        expected = "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
        self.assertEqual(expected, manifest_digest([b, a]))

    def test_a_model_directory_with_a_symbolic_link_is_refused(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            Path(d, "model.json").write_text("{}")
            os.symlink("/etc/hostname", Path(d, "link"))
            with self.assertRaises(Exception) as refused:
                artifact_digest(d)
            self.assertEqual("artifact_symlink", refused.exception.code)


class WebhookTests(unittest.TestCase):
    # The example of the Standard Webhooks specification (secret, id, timestamp, body and the signature it gives).
    SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    HEADERS = {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }
    BODY = b'{"test": 2432232314}'

    def test_the_specifications_example_verifies(self) -> None:
        self.assertEqual("msg_p5jXN8AQM9LWM0D4loKWxJek", verify_webhook(self.SECRET, self.HEADERS, self.BODY, now=1614265330))

    def test_a_changed_body_another_secret_or_an_old_timestamp_is_refused(self) -> None:
        cases = [
            (self.SECRET, self.BODY + b" ", 1614265330, "webhook_signature_invalid"),
            ("whsec_" + base64.b64encode(b"another key").decode(), self.BODY, 1614265330, "webhook_signature_invalid"),
            (self.SECRET, self.BODY, 1614265330 + 301, "webhook_timestamp_outside_window"),
        ]
        for secret, body, now, code in cases:
            with self.subTest(code), self.assertRaises(VerificationFailed) as refused:
                verify_webhook(secret, self.HEADERS, body, now=now)
            self.assertEqual(code, refused.exception.code)


if __name__ == "__main__":
    unittest.main()
