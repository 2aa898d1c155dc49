# A password hasher's tests pass the word "password" first and a salt or an
# encoded form after it: neither is the value of a key.
class PepperedHasherTests(TestCase):
    def test_encode_then_verify(self):
        encoded = self.hasher.encode("password", "pepper")
        self.assertTrue(self.hasher.verify("password", encoded))
        self.hasher.harden_runtime("password", "stored")
        self.assertFalse(check_password("password", "unusable"))
