"""Personal identifiers (ID card numbers, phone numbers): SM4-GCM at rest, keyed SM3 digests for exact search,
masked display, GB 11643 validation.

The key is the setting ``DUIKOU_PII_KEY`` (32 hex characters = 16 bytes, from the environment). Without it a
per-installation key is made once and kept under var/ (like the secret key); no key is ever in the repository.
Nothing here logs a value.
"""

import os
import re
import secrets
import unicodedata
from functools import cache

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError

NONCE = 12
TAG = 16


def _read_key(*, create: bool) -> bytes | None:
    value = settings.DUIKOU_PII_KEY.strip()
    if not value:
        path = settings.VAR_DIR / "pii_key"
        if not path.exists():
            if not create:
                return None
            path.write_text(secrets.token_hex(16))
            path.chmod(0o600)
        value = path.read_text().strip()
    try:
        key = bytes.fromhex(value)
    except ValueError:
        key = b""
    if len(key) != 16:
        raise ImproperlyConfigured("DUIKOU_PII_KEY 须为 32 位十六进制字符（16 字节 SM4 密钥）")
    return key


@cache
def _master_key() -> bytes:
    return _read_key(create=True)


def key_fingerprint() -> str | None:
    """A one-way fingerprint of the configured key (HMAC-SM3 of a fixed label under it), None while no key has
    been made: a backup records it, so that a restore under another key is refused. Makes no key."""
    key = _read_key(create=False)
    if key is None:
        return None
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(b"duikou/pii/key-fingerprint")
    return mac.finalize().hex()[:32]


def _derive(label: bytes) -> bytes:
    """Separate subkeys for encryption and for search digests, so one never serves as the other."""
    mac = hmac.HMAC(_master_key(), hashes.SM3())
    mac.update(label)
    return mac.finalize()


@cache
def _enc_key() -> bytes:
    return _derive(b"duikou/pii/sm4-gcm")[:16]


@cache
def _digest_key() -> bytes:
    return _derive(b"duikou/pii/hmac-sm3")


def encrypt(value: str) -> bytes:
    """nonce (12) + ciphertext + tag (16)."""
    nonce = os.urandom(NONCE)
    encryptor = Cipher(algorithms.SM4(_enc_key()), modes.GCM(nonce)).encryptor()
    body = encryptor.update(value.encode()) + encryptor.finalize()
    return nonce + body + encryptor.tag


def decrypt(blob: bytes) -> str:
    blob = bytes(blob)
    nonce, body, tag = blob[:NONCE], blob[NONCE:-TAG], blob[-TAG:]
    decryptor = Cipher(algorithms.SM4(_enc_key()), modes.GCM(nonce, tag)).decryptor()
    return (decryptor.update(body) + decryptor.finalize()).decode()


def digest(value: str) -> str:
    """Keyed SM3 (HMAC-SM3) of the normalised value: equal values match, the digest reveals nothing without the key."""
    mac = hmac.HMAC(_digest_key(), hashes.SM3())
    mac.update(value.strip().upper().encode())
    return mac.finalize().hex()


def mask_id(value: str) -> str:
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}" if len(value) > 8 else "*" * len(value)


def mask_phone(value: str) -> str:
    return f"{value[:3]}****{value[-4:]}" if len(value) >= 7 else "*" * len(value)


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def _plain(value: str) -> str:
    """What a person typed, in plain characters: full-width digits and letters (４１１５２６…, Ｘ) as their ASCII
    forms (NFKC), without any space (a full-width one included)."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", value or ""))


def looks_like_id_number(value: str) -> bool:
    """Whether a search term holds (most of) an ID number, so that it must not travel in a URL."""
    return re.search(r"\d{15}", _plain(value)) is not None


def normalise_id_number(value: str) -> str:
    """The ID number in canonical form, or a ValidationError saying what is wrong (without echoing the number)."""
    value = _plain(value).upper()
    if not re.fullmatch(r"\d{17}[\dX]", value, re.ASCII):
        raise ValidationError("身份证号码格式不正确：应为 18 位，前 17 位为数字，最后一位为数字或 X", code="id_format")
    if id_check_digit(value[:17]) != value[17]:
        raise ValidationError("身份证号码校验位不正确（GB 11643），请核对后重新输入", code="id_check")
    return value


def normalise_phone(value: str) -> str:
    value = _plain(value).replace("-", "")
    if not re.fullmatch(r"1\d{10}|0\d{9,11}", value, re.ASCII):
        raise ValidationError("电话号码格式不正确：手机号应为 11 位数字，固定电话含区号", code="phone_format")
    return value


def normalise_identifiers(id_number: str, phone: str = "") -> tuple[str, str]:
    """A person's ID number and phone ("" for none) in canonical form; a ValidationError names the field that is
    wrong ("id_number" or "phone")."""
    try:
        id_number = normalise_id_number(id_number)
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages}) from None
    return id_number, normalise_phone_field(phone)


def normalise_phone_field(phone: str) -> str:
    """A phone number in canonical form, "" for none; a ValidationError names the "phone" field."""
    try:
        return normalise_phone(phone) if phone else ""
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from None


def id_number_columns(id_number: str, digest_value: str | None = None) -> dict:
    """What a model with protected identifiers stores of a normalised ID number: ciphertext, keyed digest
    (``digest_value`` when the caller has computed it already) and masked form."""
    return {
        "id_number_enc": encrypt(id_number),
        "id_number_digest": digest_value or digest(id_number),
        "id_number_masked": mask_id(id_number),
    }


def phone_columns(phone: str) -> dict:
    """What such a model stores of a normalised phone number; all empty for none."""
    return {
        "phone_enc": encrypt(phone) if phone else None,
        "phone_digest": digest(phone) if phone else "",
        "phone_masked": mask_phone(phone) if phone else "",
    }


def mask_name(value: str) -> str:
    """A person's name as a report may show it: the surname, the rest starred (张三丰 → 张**)."""
    value = (value or "").strip()
    return value[:1] + "*" * (len(value) - 1) if value else ""
