"""Plain helpers that create the rows a test needs (no factory framework)."""

from __future__ import annotations

import itertools
from datetime import datetime

from sqlalchemy.orm import Session

from app.auth.actor import ROLE_KINDS, Actor, ActorKind
from app.entrustments import service
from app.entrustments.schemas import SubmitIn
from app.models import (
    AssistanceCategory,
    Channel,
    Entrustment,
    Helper,
    HelperCategory,
    Matter,
    Region,
    RegionLevel,
    Resident,
    Role,
    ServiceKind,
)
from app.staff.apikeys import create_key

_seq = itertools.count(1)


def create_region(session: Session, level: RegionLevel, name: str, code: str,
                  parent: Region | None = None) -> Region:
    region = Region(code=code, name=name, level=level, parent_id=parent.id if parent else None)
    session.add(region)
    session.flush()
    region.path = (parent.path if parent else "/") + f"{region.id}/"
    session.flush()
    return region


def create_tree(session: Session) -> dict[str, Region]:
    """垫江县 → 桂溪街道 (两村) and 澄溪镇 (一村)."""
    county = create_region(session, RegionLevel.COUNTY, "垫江县", "500231000000")
    guixi = create_region(session, RegionLevel.TOWNSHIP, "桂溪街道", "500231001000", county)
    chengxi = create_region(session, RegionLevel.TOWNSHIP, "澄溪镇", "500231110000", county)
    return {
        "county": county,
        "guixi": guixi,
        "chengxi": chengxi,
        "guibei": create_region(session, RegionLevel.VILLAGE, "桂北社区", "500231001001", guixi),
        "mingyue": create_region(session, RegionLevel.VILLAGE, "明月社区", "500231001002", guixi),
        "chengxi_village": create_region(session, RegionLevel.VILLAGE, "澄溪村", "500231110001", chengxi),
    }


def create_matter(session: Session, code: str = "linshi-zhengwu", *, time_limit_days: int = 10,
                  category: AssistanceCategory = AssistanceCategory.TEMPORARY) -> Matter:
    matter = Matter(
        code=code, name="临时救助申请", category=category, service_kind=ServiceKind.GOVERNMENT,
        conditions="因突发事件导致基本生活暂时出现严重困难", materials=[
            {"name": "申请书", "form": "原件", "copies": 1, "issuer": "申请人"},
            {"name": "身份证", "form": "复印件", "copies": 1, "issuer": "公安机关"},
        ], steps=["申请", "审核", "审批"], time_limit_days=time_limit_days, acceptance_days=1,
        progress_interval_days=3, lead_department="乡镇（街道）社会事务办公室", co_departments=[],
        catalog_version="test",
    )
    session.add(matter)
    session.flush()
    return matter


def create_helper(session: Session, village: Region, name: str = "王芳", *, openid: str | None = "auto",
                  is_secretary: bool = False, active: bool = True) -> Helper:
    n = next(_seq)
    helper = Helper(
        village_id=village.id, name=name, phone=f"1380000{n:04d}", category=HelperCategory.GRID_WORKER,
        openid=f"o-helper-{n}" if openid == "auto" else openid, is_secretary=is_secretary, active=active,
    )
    session.add(helper)
    session.flush()
    return helper


def create_resident(session: Session, village: Region, name: str = "李大妈",
                    openid: str | None = "auto") -> Resident:
    n = next(_seq)
    resident = Resident(openid=f"o-resident-{n}" if openid == "auto" else openid, name=name,
                        phone="13800138000", village_id=village.id, subscribed=True)
    session.add(resident)
    session.flush()
    return resident


def helper_actor(helper: Helper) -> Actor:
    return Actor(kinds=frozenset({ActorKind.HELPER}), name=helper.name, role=Role.HELPER,
                 helper_id=helper.id)


def resident_actor(resident: Resident) -> Actor:
    return Actor(kinds=frozenset({ActorKind.RESIDENT}), name=resident.name, resident_id=resident.id,
                 openid=resident.openid)


def staff_actor(role: Role, area: Region | None = None) -> Actor:
    return Actor(kinds=ROLE_KINDS[role], name=f"{role.value}-staff", role=role,
                 area_id=area.id if area else None)


def submit_as_resident(session: Session, resident: Resident, village: Region, matter: Matter,
                       **overrides: object) -> Entrustment:
    data = {
        "village_code": village.code, "matter_code": matter.code, "resident_name": resident.name,
        "contact_phone": "13800138000", "description": "老伴住院，家里急需帮助", "channel": Channel.WECHAT,
        **overrides,
    }
    return service.submit(session, resident_actor(resident), SubmitIn.model_validate(data))


def api_key(session: Session, role: str, *, area: Region | None = None, helper: Helper | None = None) -> str:
    _, plain = create_key(session, name=f"{role}-key", role=role, area_code=area.code if area else None,
                          helper_id=helper.id if helper else None)
    return plain


def china_time(text: str) -> datetime:
    from app.clock import CHINA

    return datetime.fromisoformat(text).replace(tzinfo=CHINA)
