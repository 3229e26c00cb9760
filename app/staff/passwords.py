"""Console passwords: argon2id hashes (argon2-cffi's recommended parameters) and the strength a new
password must have, worded for the staff member who types it."""

from __future__ import annotations

import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.errors import InvalidInput

MIN_LENGTH = 10
MAX_LENGTH = 128
_HASHER = PasswordHasher()
# Verified when the name matches nobody, so a wrong name takes as long to refuse as a wrong password.
_DUMMY_HASH = _HASHER.hash("bangban-console-no-such-member")

RULES = (f"密码至少 {MIN_LENGTH} 位，至少包含字母、数字、符号中的两类，不能含有姓名或电话号码，"
         "也不能是同一个字符或连续的数字、字母。")


def _kinds(password: str) -> int:
    letters = any(c.isalpha() for c in password)
    digits = any(c.isdigit() for c in password)
    symbols = any(not c.isalnum() for c in password)
    return letters + digits + symbols


def _is_run(password: str) -> bool:
    """One character repeated, or a stretch of the digits or the alphabet ("1234567890", "abcdefghij")."""
    lowered = password.lower()
    if len(set(lowered)) <= 2:
        return True
    return any(lowered in (run + run) for run in (string.digits, string.ascii_lowercase))


def check_strength(password: str, *, name: str, phone: str | None = None) -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput("password", f"密码太短：至少 {MIN_LENGTH} 位。{RULES}")
    if len(password) > MAX_LENGTH:
        raise InvalidInput("password", f"密码太长：不超过 {MAX_LENGTH} 位。")
    if any(c.isspace() for c in password) or not password.isprintable():
        raise InvalidInput("password", "密码不能含有空格、换行或其他看不见的字符。")
    if _kinds(password) < 2:
        raise InvalidInput("password", f"密码太简单：至少包含字母、数字、符号中的两类。{RULES}")
    if _is_run(password):
        raise InvalidInput("password", f"密码太简单：不能是同一个字符或连续的数字、字母。{RULES}")
    lowered = password.lower()
    if name and name.lower() in lowered:
        raise InvalidInput("password", "密码不能含有您的姓名。")
    digits = "".join(c for c in (phone or "") if c.isdigit())
    if len(digits) >= 7 and digits[-7:] in password:
        raise InvalidInput("password", "密码不能含有您的电话号码。")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; a member without a password matches nothing (the check still costs as
    much as a real one)."""
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _HASHER.check_needs_rehash(password_hash)
