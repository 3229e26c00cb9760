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


def mask_id_number(value: str | None) -> str:
    """The first six characters (the place of registration) and the last four: enough for an auditor to tell two
    people apart, never the birth date."""
    if not value:
        return ""
    return f"{value[:6]}{'*' * (len(value) - 10)}{value[-4:]}" if len(value) > 10 else "*" * len(value)


# -- encryption at rest -----------------------------------------------------------------------------
#
# A value is ``<key id>.<Fernet token>``. The key id (8 hex characters derived from the key, which it does
# not reveal) says which key wrote the value, so during a rotation values under the old and the new key sit
# side by side: new writes use BANGBAN_DATA_KEY, reads pick the key the value names among it and
# BANGBAN_DATA_KEY_PREVIOUS, and ``bangban data rotate-key`` rewrites, batch by batch, what is not yet under
# the current key. Values written before key ids existed are bare Fernet tokens: read with either key.

_KEY_ID = re.compile(r"^([0-9a-f]{8})\.(gAAAAA[A-Za-z0-9_=-]+)$")


@lru_cache
def _fernet(data_key: str) -> Fernet:
    digest = hashlib.sha256(b"bangban-data-encryption:" + data_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


@lru_cache
def key_id(data_key: str) -> str:
    return hmac.new(data_key.encode(), b"bangban-data-key-id", hashlib.sha256).hexdigest()[:8]


def keys() -> tuple[str, ...]:
    """The data keys values may be under: the current one first, then the previous one during a rotation."""
    settings = get_settings()
    previous = settings.data_key_previous
    return (settings.data_key, previous) if previous and previous != settings.data_key else (settings.data_key,)


def current_key_id() -> str:
    return key_id(get_settings().data_key)


def encrypt_with(data_key: str, plain: str) -> str:
    return f"{key_id(data_key)}.{_fernet(data_key).encrypt(plain.encode()).decode()}"


def encrypt(plain: str) -> str:
    return encrypt_with(get_settings().data_key, plain)


def written_with(token: str) -> str | None:
    """The key id a stored value names; None for a value from before key ids."""
    match = _KEY_ID.match(token)
    return match.group(1) if match else None


def decrypt_with(candidates: tuple[str, ...], token: str) -> str:
    match = _KEY_ID.match(token)
    if match is not None:
        wanted, body = match.groups()
        usable = [key for key in candidates if key_id(key) == wanted]
    else:
        body, usable = token, list(candidates)
    for data_key in usable:
        try:
            return _fernet(data_key).decrypt(body.encode()).decode()
        except InvalidToken:
            continue
    # Fail loudly, never return ciphertext.
    raise RuntimeError("个人信息无法解密：写入它的密钥既不是 BANGBAN_DATA_KEY，也不是 BANGBAN_DATA_KEY_PREVIOUS")


def decrypt(token: str) -> str:
    return decrypt_with(keys(), token)


def _lookup_hash_with(data_key: str, value: str) -> str:
    key = hashlib.sha256(b"bangban-lookup:" + data_key.encode()).digest()
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()


def lookup_hash(value: str) -> str:
    """Keyed hash so an encrypted value can still be found by equality."""
    return _lookup_hash_with(get_settings().data_key, value)
