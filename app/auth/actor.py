"""Who is acting: resolved once per request by the channel (API key, WeChat openid, page session)."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.entrustments.workflow import ActorKind
from app.models import Role

ROLE_KINDS: dict[Role, frozenset[ActorKind]] = {
    Role.COUNTY_ADMIN: frozenset({ActorKind.STAFF, ActorKind.PLATFORM}),
    Role.TOWNSHIP_STAFF: frozenset({ActorKind.STAFF}),
    Role.VILLAGE_SECRETARY: frozenset({ActorKind.SECRETARY}),
    Role.HELPER: frozenset({ActorKind.HELPER}),
    Role.OVERSIGHT: frozenset(),
}


@dataclass(frozen=True)
class Actor:
    kinds: frozenset[ActorKind]
    name: str
    role: Role | None = None
    area_id: int | None = None  # region the actor may see; None with a staff role: everywhere
    helper_id: int | None = None
    resident_id: int | None = None
    openid: str | None = None
    api_key_id: int | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def primary_kind(self) -> str:
        for kind in (ActorKind.HELPER, ActorKind.RESIDENT, ActorKind.STAFF, ActorKind.PLATFORM,
                     ActorKind.SECRETARY, ActorKind.WORKER):
            if kind in self.kinds:
                return kind.value
        return self.role.value if self.role else "unknown"

    @property
    def label(self) -> str:
        return f"{self.primary_kind}:{self.name}"

    @property
    def is_read_only(self) -> bool:
        return not self.kinds


WORKER = Actor(kinds=frozenset({ActorKind.WORKER}), name="系统")
