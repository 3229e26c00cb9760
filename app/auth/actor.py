"""Who is acting: resolved once per request by the channel (API key, WeChat openid, page session)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from app.models import Role


class ActorKind(enum.StrEnum):
    """What an actor may be in the workflow table (DESIGN §4 "who")."""

    RESIDENT = "resident"
    HELPER = "helper"
    SECRETARY = "secretary"
    STAFF = "staff"
    PLATFORM = "platform"  # the county's 一门受理 platform, acting for a resident through the API
    WORKER = "worker"


class Via(enum.StrEnum):
    """The channel an actor came in through; every audit entry names it."""

    API = "api"
    H5 = "h5"
    CHAT = "chat"
    CONSOLE = "console"
    WORKER = "worker"
    CLI = "cli"

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
    via: Via = Via.API
    staff_id: int | None = None  # the console's signed-in staff member

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


WORKER = Actor(kinds=frozenset({ActorKind.WORKER}), name="系统", via=Via.WORKER)
