"""SM3 digests (GB/T 32905), the national standard hash, for attachments and tamper-evident filings."""

import json

from cryptography.hazmat.primitives import hashes


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def sm3_file(handle, chunk: int = 1 << 20) -> str:
    digest = hashes.Hash(hashes.SM3())
    for block in iter(lambda: handle.read(chunk), b""):
        digest.update(block)
    return digest.finalize().hex()


def canonical_json(value) -> bytes:
    """The one byte form of structured content that digests are computed over: sorted keys, no spaces."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()
