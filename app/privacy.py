"""Personal data: validation (GB 11643 ID numbers, mainland phones), encryption at rest,
keyed lookup hashes and masking."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import date
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken

from app.config import get_settings

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
MOBILE_PATTERN = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_PATTERN = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def id_number_is_valid(value: str) -> bool:
    """GB 11643-1999: 17 digits, a valid birth date, and the ISO 7064 MOD 11-2 check character."""
    value = value.strip().upper()
    if not _ID_PATTERN.match(value):
        return False
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17]


def normalize_phone(value: str) -> str:
    return re.sub(r"[\s()（）]", "", value).replace("+86", "", 1)


def phone_is_valid(value: str) -> bool:
    value = normalize_phone(value)
    return bool(MOBILE_PATTERN.match(value) or LANDLINE_PATTERN.match(value))


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    if MOBILE_PATTERN.match(value):
        return f"{value[:3]}****{value[-4:]}"
    return value[:-4] + "****" if len(value) > 4 else "****"


@lru_cache
def _fernet(data_key: str) -> Fernet:
    digest = hashlib.sha256(b"bangban-data-encryption:" + data_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(plain: str) -> str:
    return _fernet(get_settings().data_key).encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(get_settings().data_key).decrypt(token.encode()).decode()
    except InvalidToken as exc:  # wrong BANGBAN_DATA_KEY: fail loudly, never return ciphertext
        raise RuntimeError("个人信息无法解密：BANGBAN_DATA_KEY 与加密时不一致") from exc


def lookup_hash(value: str) -> str:
    """Keyed hash so an encrypted value can still be found by equality."""
    key = hashlib.sha256(b"bangban-lookup:" + get_settings().data_key.encode()).digest()
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()
