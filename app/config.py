"""One Settings object, read from the environment with the BANGBAN_ prefix."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal, Self

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER = "change-me"

# Settings that must be real in production: (setting name, shortest accepted, what it is for).
# Our own keys must be long; WeChat's Token may be as short as 3 characters.
_PRODUCTION_SECRETS = (
    ("secret_key", 16, "签名会话与令牌"),
    ("data_key", 16, "加密身份证号、电话等个人信息"),
    ("wechat_app_id", 8, "公众号 AppID"),
    ("wechat_app_secret", 16, "公众号 AppSecret"),
    ("wechat_token", 3, "公众号消息校验 Token"),
)


class ConfigError(RuntimeError):
    """The configuration cannot run in the chosen environment. Not a ValueError, so pydantic lets it
    through unwrapped and the one-line message reaches whoever asked for the settings."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BANGBAN_", env_file=".env", extra="ignore")

    # Production unless told otherwise: a deployment that forgets the setting still refuses placeholder
    # secrets, SQLite and the WeChat sandbox. `./dev run` and the tests say demo.
    env: Literal["demo", "production"] = "production"
    database_url: str = "sqlite:///./var/bangban.sqlite3"
    secret_key: str = PLACEHOLDER
    data_key: str = PLACEHOLDER
    public_base_url: str = "http://127.0.0.1:8000"
    case_prefix: str = "DJ"
    # The county bureau's supervision phone on every village's public notice (公开公示).
    county_supervision_phone: str = ""

    wechat_app_id: str = "wx0000000000demo"
    wechat_app_secret: str = PLACEHOLDER
    wechat_token: str = PLACEHOLDER
    wechat_aes_key: str = ""
    wechat_encrypt_mode: Literal["plaintext", "compatible", "safe"] = "plaintext"
    wechat_api_base: str = "https://api.weixin.qq.com"
    wechat_max_age: int = 300
    wechat_timeout: float = 5.0

    media_dir: str = "./var/media"
    template_catalog: str = ""
    worker_concurrency: int = 4
    worker_rate: float = 10.0
    worker_batch: int = 50
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

    @field_validator("public_base_url", "wechat_api_base")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @model_validator(mode="after")
    def _refuse_placeholders_in_production(self) -> Self:
        # Inside the settings, so every entry point (server, worker, each CLI command, migrations)
        # refuses the same way rather than each remembering to ask.
        self.check_for_production()
        return self

    def check_for_production(self) -> None:
        """Refuse a missing or placeholder secret, or SQLite, in production."""
        if self.env != "production":
            return
        for name, shortest, purpose in _PRODUCTION_SECRETS:
            value = getattr(self, name)
            if not value or value == PLACEHOLDER or len(value) < shortest:
                raise ConfigError(
                    f"生产环境缺少有效的 BANGBAN_{name.upper()}（{purpose}），请在环境变量中设置后再启动。"
                )
        if self.wechat_encrypt_mode != "plaintext" and len(self.wechat_aes_key) != 43:
            raise ConfigError(
                "生产环境使用加密模式时 BANGBAN_WECHAT_AES_KEY 必须是公众号后台的 43 位 EncodingAESKey。"
            )
        if self.is_sqlite:
            raise ConfigError("生产环境请把 BANGBAN_DATABASE_URL 设为 PostgreSQL 数据库。")


@lru_cache
def get_settings() -> Settings:
    return Settings()
