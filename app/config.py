"""One Settings object, read from the environment with the BANGBAN_ prefix."""

from __future__ import annotations

import ipaddress
import sys
from functools import lru_cache
from typing import Literal, NoReturn, Self
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PLACEHOLDER = "change-me"
WECHAT_API_BASE = "https://api.weixin.qq.com"
# WeChat's own hosts (api, api2, sh.api, ...): a demo must never reach them.
_WECHAT_DOMAIN = "weixin.qq.com"
_SANDBOX_PATH = "/sandbox"

# Settings that must be real in production: (setting name, shortest accepted, fewest distinct characters,
# what it is for in Chinese, in English). Our own keys must be long and random; WeChat's Token may be as
# short as 3 characters.
_PRODUCTION_SECRETS = (
    ("secret_key", 32, 8, "签名会话与令牌", "signs page sessions and tokens"),
    ("data_key", 32, 8, "加密身份证号、电话等个人信息", "encrypts ID numbers and phones"),
    ("wechat_app_id", 8, 4, "公众号 AppID", "the official account's AppID"),
    ("wechat_app_secret", 16, 8, "公众号 AppSecret", "the official account's AppSecret"),
    ("wechat_token", 3, 3, "公众号消息校验 Token", "the callback Token"),
)
# Keys that must differ from one another: one leaked value must not open the others.
_DISTINCT_SECRETS = ("secret_key", "data_key", "data_key_previous", "wechat_app_secret", "wechat_aes_key",
                     "metrics_token")
# Words that mark a value copied from an example or a tutorial, whatever its case and punctuation.
_PLACEHOLDER_WORDS = ("changeme", "changethis", "placeholder", "yoursecret", "password", "example", "demo")


class ConfigError(RuntimeError):
    """The configuration cannot run in the chosen environment. Not a ValueError, so pydantic lets it
    through unwrapped and the one-line message reaches whoever asked for the settings.

    Its text is one line, Chinese then English, naming the variable to fix: an operator reads it in a
    terminal or a container log."""

    def __init__(self, chinese: str, english: str) -> None:
        super().__init__(f"配置错误：{chinese} Configuration error: {english}")


def refuse_to_start(error: ConfigError) -> NoReturn:
    """For entry points that have no error handling of their own (the ASGI app, migrations): the one line,
    no traceback, exit status 2."""
    print(error, file=sys.stderr)
    raise SystemExit(2)


def _variable(name: str) -> str:
    return f"BANGBAN_{name.upper()}"


def _weakness(value: str, shortest: int, fewest_distinct: int) -> tuple[str, str] | None:
    """Why a secret is not good enough, in Chinese and English; None when it is."""
    if not value:
        return "未设置", "is not set"
    normalised = "".join(c for c in value.lower() if c.isalnum())
    if value == PLACEHOLDER or any(word in normalised for word in _PLACEHOLDER_WORDS):
        return "仍是示例占位值", "is still a placeholder"
    if len(value) < shortest:
        return f"太短（至少 {shortest} 个字符）", f"is too short (at least {shortest} characters)"
    # A value made of one short unit repeated ("abab...", "0123456789abcdef" twice) is as weak as the unit.
    if len(set(value)) < fewest_distinct or value in (value + value)[1:-1]:
        return "太简单（字符重复，不像随机生成的）", "is too simple (repeated characters, not random)"
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.startswith("/"):  # a Unix socket is on this machine too
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BANGBAN_", env_file=".env", extra="ignore")

    # Production unless told otherwise: a deployment that forgets the setting still refuses placeholder
    # secrets, SQLite and the WeChat sandbox. `./dev run` and the tests say demo.
    env: Literal["demo", "production"] = "production"
    database_url: str = "sqlite:///./var/bangban.sqlite3"
    secret_key: str = PLACEHOLDER
    data_key: str = PLACEHOLDER
    # During a data-key rotation (README, 个人信息): the key older values were written with.
    data_key_previous: str = ""
    public_base_url: str = "http://127.0.0.1:8000"
    case_prefix: str = "DJ"
    # The county bureau's supervision phone on every village's public notice (公开公示).
    county_supervision_phone: str = ""

    wechat_app_id: str = "wx0000000000demo"
    wechat_app_secret: str = PLACEHOLDER
    wechat_token: str = PLACEHOLDER
    wechat_aes_key: str = ""
    wechat_encrypt_mode: Literal["plaintext", "compatible", "safe"] = "plaintext"
    # Empty: WeChat's own host in production, this service's sandbox in the demo.
    wechat_api_base: str = ""
    # Plaintext and compatible callbacks are refused in production unless this says the risk is accepted
    # (README, configuration): their signature does not cover the message body.
    wechat_allow_unsafe_mode: bool = False
    wechat_max_age: int = 300
    wechat_timeout: float = 5.0

    media_dir: str = "./var/media"
    template_catalog: str = ""
    # Sends in flight and a ceiling a second (README, configuration): WeChat limits template messages by
    # a daily quota (100,000 for most accounts), not by a documented rate a second.
    worker_concurrency: int = 48
    worker_rate: float = 800.0
    worker_batch: int = 100
    worker_interval: float = 5.0
    worker_max_attempts: int = 8
    worker_lease: float = 60.0
    archive_after_days: int = 15
    # The plan asks for the quarterly report (附件2) before 6/25, 9/25 and 12/25; a county that also
    # collects one before 3/25 turns this on.
    quarterly_report_march: bool = False
    # The staff console (/console/): a session ends after this many minutes without a request, and at the
    # latest this many hours after signing in.
    console_idle_minutes: int = 30
    console_session_hours: int = 12
    # Logs (JSON lines on stderr) and /metrics: without a token only loopback may scrape (docs/OPERATIONS.md).
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    metrics_token: str = ""

    # Retention (README, 个人信息): what is no longer needed is deleted by the worker's sweeps.
    retain_inbound_days: int = 7  # callback retry records (message ids and the replies sent)
    retain_dialogue_state_hours: int = 24  # expired chat dialogues, kept to say "you were interrupted"
    retain_closed_case_photos_days: int = 90  # loose photos of archived or terminated cases; 0 keeps them
    upload_orphan_hours: int = 24  # files of interrupted uploads (no row names them)

    # Limits on what one sender may put in (README, 限额). Windows slide: "per hour" is the last 60 minutes.
    limit_entrustments_per_hour: int = 5  # a resident's new cases, any channel
    limit_entrustments_per_day: int = 10
    limit_helper_entrustments_per_hour: int = 20  # cases a helper registers (phone, visit, paper)
    limit_helper_entrustments_per_day: int = 60
    limit_photos_per_hour: int = 40  # photos a resident uploads
    limit_helper_photos_per_hour: int = 120
    limit_chat_messages_per_minute: int = 30  # messages and menu clicks one WeChat user sends
    case_photo_quota_mb: int = 100  # all photos of one case together
    # Messages one process handles at once: they share its interpreter, so on a busy core a few threads
    # finish a burst sooner, and with far less spread, than one thread per pooled connection (bench/callback.py).
    callback_threads: int = Field(default=4, ge=1, le=20)

    @field_validator("public_base_url", "wechat_api_base")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @model_validator(mode="after")
    def _refuse_unsafe_settings(self) -> Self:
        # Inside the settings, so every entry point (server, worker, each CLI command, migrations)
        # refuses the same way rather than each remembering to ask.
        if not self.wechat_api_base:
            self.wechat_api_base = (self.public_base_url + _SANDBOX_PATH) if self.env == "demo" else WECHAT_API_BASE
        self._check_database_url()
        if self.env == "demo":
            self.check_for_demo()
        else:
            self.check_for_production()
        return self

    def _check_database_url(self) -> None:
        if not self.database_url:
            raise ConfigError("BANGBAN_DATABASE_URL 未设置（例如 postgresql+psycopg://用户:密码@主机/库名）。",
                              "BANGBAN_DATABASE_URL is not set.")
        try:
            make_url(self.database_url)
        except ArgumentError:
            raise ConfigError("BANGBAN_DATABASE_URL 不是有效的数据库地址（例如 postgresql+psycopg://用户:密码@主机/库名）。",
                              "BANGBAN_DATABASE_URL is not a valid database URL.") from None

    def check_for_demo(self) -> None:
        """The demo holds made-up people and public keys: keep it off shared databases and off WeChat."""
        url = make_url(self.database_url)
        hosts = [url.host or "", *(str(h) for h in _as_list(url.query.get("host")))]
        if not self.is_sqlite and not all(_is_loopback(host) for host in hosts if host):
            raise ConfigError("演示模式（BANGBAN_ENV=demo）的 BANGBAN_DATABASE_URL 只能是 SQLite 或本机的数据库。",
                              "in demo mode (BANGBAN_ENV=demo) BANGBAN_DATABASE_URL must be SQLite or a database "
                              "on this machine (loopback).")
        host = (urlsplit(self.wechat_api_base).hostname or "").lower()
        if host == _WECHAT_DOMAIN or host.endswith("." + _WECHAT_DOMAIN):
            raise ConfigError("演示模式（BANGBAN_ENV=demo）不能连接微信的正式接口，请把 BANGBAN_WECHAT_API_BASE "
                              "留空或指向沙箱。",
                              "demo mode (BANGBAN_ENV=demo) must not call WeChat's real API; leave "
                              "BANGBAN_WECHAT_API_BASE empty or point it at the sandbox.")

    def check_for_production(self) -> None:
        """Refuse a missing, placeholder, weak or reused secret, SQLite, or an unauthenticated callback mode."""
        for name, shortest, fewest_distinct, purpose, purpose_en in _PRODUCTION_SECRETS:
            weakness = _weakness(getattr(self, name), shortest, fewest_distinct)
            if weakness is not None:
                raise ConfigError(
                    f"生产环境的 {_variable(name)}（{purpose}）{weakness[0]}，请按 .env.example 的说明生成后再启动。",
                    f"{_variable(name)} ({purpose_en}) {weakness[1]} in production; generate one as .env.example "
                    "explains.")
        if self.wechat_encrypt_mode != "plaintext":
            weak_aes = _weakness(self.wechat_aes_key, 43, 8)
            if len(self.wechat_aes_key) != 43 or weak_aes is not None:
                raise ConfigError(
                    "生产环境使用加密模式时 BANGBAN_WECHAT_AES_KEY 必须是公众号后台随机生成的 43 位 EncodingAESKey。",
                    "BANGBAN_WECHAT_AES_KEY must be the account's randomly generated 43-character EncodingAESKey.")
        in_use = [name for name in _DISTINCT_SECRETS if getattr(self, name)
                  and (name != "wechat_aes_key" or self.wechat_encrypt_mode != "plaintext")]
        for i, first in enumerate(in_use):
            for second in in_use[i + 1:]:
                if getattr(self, first) == getattr(self, second):
                    raise ConfigError(
                        f"{_variable(second)} 与 {_variable(first)} 相同，每个密钥必须各自随机生成。",
                        f"{_variable(second)} is the same as {_variable(first)}; generate each key separately.")
        if self.wechat_encrypt_mode != "safe" and not self.wechat_allow_unsafe_mode:
            raise ConfigError(
                f"生产环境的 BANGBAN_WECHAT_ENCRYPT_MODE={self.wechat_encrypt_mode} 不校验消息内容，请在公众号后台改用"
                "安全模式并设为 safe；确需暂用时设置 BANGBAN_WECHAT_ALLOW_UNSAFE_MODE=1（见 README）。",
                f"BANGBAN_WECHAT_ENCRYPT_MODE={self.wechat_encrypt_mode} does not authenticate message bodies in "
                "production; switch the account to safe mode, or set BANGBAN_WECHAT_ALLOW_UNSAFE_MODE=1 (see README).")
        if not self.public_base_url:
            raise ConfigError("生产环境的 BANGBAN_PUBLIC_BASE_URL 未设置，请填本服务对外的 https 地址。",
                              "BANGBAN_PUBLIC_BASE_URL (this service's public https address) is not set in production.")
        if self.is_sqlite:
            raise ConfigError("生产环境请把 BANGBAN_DATABASE_URL 设为 PostgreSQL 数据库。",
                              "BANGBAN_DATABASE_URL must be a PostgreSQL database in production.")


def _as_list(value: object) -> tuple[object, ...]:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, tuple) else (value,)


@lru_cache
def get_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        # A value of the wrong kind (BANGBAN_ENV=prod, BANGBAN_WORKER_RATE=fast): the same one line as any
        # other configuration error. pydantic's message, never the value, which may be a secret.
        error = exc.errors()[0]
        variable = _variable(str(error["loc"][0])) if error["loc"] else "BANGBAN_*"
        raise ConfigError(f"{variable} 的值无效，请对照 .env.example 修改。",
                          f"{variable} is invalid: {error['msg']}.") from None
