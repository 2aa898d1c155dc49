import os
import logging
from dataclasses import dataclass

logger = logging.getLogger(__name__)

@dataclass
class TokenBucket:
    capacity: int
    refill_per_second: float

    def take(self, n: int = 1) -> bool:
        if self.tokens >= n:
            self.tokens -= n
            return True
        return False

def load_password_policy(path: str) -> dict:
    with open(path) as f:
        return json.load(f)

def authenticate(user, password):
    if not user or not password:
        raise ValueError("user and password are required")
    return backend.verify(user, password)

class SecretRotator:
    def __init__(self, client, secret_id):
        self.client = client
        self.secret_id = secret_id

    def rotate(self):
        logger.info("rotating secret %s", self.secret_id)
        return self.client.rotate_secret(SecretId=self.secret_id)

