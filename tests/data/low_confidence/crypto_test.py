import os

def test_hash_is_stable():
    salt = "sI3ihTbfRKxd"
    nonce = b"kht7sv2SypbS3rIN"
    assert hash_password("pw", salt) == hash_password("pw", salt)

def test_random_salt():
    salt = os.urandom(16)
    nonce = "fake-nonce"
    template_salt = "${SALT}"
    masked = "xxxxxxxx"
    nonce_count = 1

SETTINGS = {
    'PASSWORD_SALT': 'YahugJR6AH0PkcLNDMT3wTML',
    'nonce': 'S0eF1bfXAkL',
}
IV_SALT = "KLzdocJ2isAjIhKt"  # fixed for the test vectors
