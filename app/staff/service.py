"""Township task-force, county and oversight staff: they receive escalations, digests and quarterly
reminders, and sign in to the console (``app.staff.signin``) with the role registered here."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import audit, clock
from app.auth.actor import ROLE_KINDS, Actor, Via
from app.errors import InvalidInput
from app.models import Region, RegionLevel, Role, StaffMember
from app.privacy import normalize_phone, phone_is_valid
from app.regions import repository as regions
from app.staff import passwords, sessions

STAFF_ROLES = (Role.COUNTY_ADMIN, Role.TOWNSHIP_STAFF, Role.OVERSIGHT)
ROLE_LABELS = {Role.COUNTY_ADMIN: "县级管理员", Role.TOWNSHIP_STAFF: "乡镇（街道）工作专班",
               Role.OVERSIGHT: "监督（只读）"}
# The level of region each role is registered at.
_ROLE_LEVELS = {Role.COUNTY_ADMIN: RegionLevel.COUNTY, Role.TOWNSHIP_STAFF: RegionLevel.TOWNSHIP,
                Role.OVERSIGHT: RegionLevel.COUNTY}


def _role(value: str | Role | None, region: Region) -> Role:
    if value is None:
        return Role.COUNTY_ADMIN if region.level is RegionLevel.COUNTY else Role.TOWNSHIP_STAFF
    try:
        role = Role(value)
    except ValueError:
        role = None
    if role not in STAFF_ROLES:
        choices = "、".join(f"{r.value}（{ROLE_LABELS[r]}）" for r in STAFF_ROLES)
        raise InvalidInput("role", f"工作人员的角色只能是：{choices}。")
    assert role is not None
    if region.level is not _ROLE_LEVELS[role]:
        where = "县" if _ROLE_LEVELS[role] is RegionLevel.COUNTY else "乡镇（街道）"
        raise InvalidInput("area", f"{ROLE_LABELS[role]}要登记在{where}，「{region.name}」不是{where}。")
    return role


def add_member(session: Session, *, name: str, area_code: str, phone: str | None = None,
               title: str | None = None, openid: str | None = None, role: str | Role | None = None) -> StaffMember:
    region = regions.by_code(session, area_code)
    if region is None or region.level is RegionLevel.VILLAGE:
        raise InvalidInput("area", f"「{area_code}」不是乡镇（街道）或县的区域编码。")
    member_role = _role(role, region)
    if not name.strip() or len(name) > 32:
        raise InvalidInput("name", "姓名不能为空，且不超过 32 个字。")
    if phone is not None:
        phone = normalize_phone(phone)
        if not phone_is_valid(phone):
            raise InvalidInput("phone", "电话不是有效的手机号或固定电话。")
    if openid and session.scalar(select(StaffMember.id).where(StaffMember.openid == openid)) is not None:
        raise InvalidInput("openid", "这个微信 openid 已经登记给另一位工作人员。")
    member = StaffMember(region_id=region.id, name=name.strip(), phone=phone, title=title, openid=openid or None,
                         role=member_role)
    session.add(member)
    session.flush()
    return member


def members(session: Session, area_code: str | None = None) -> Sequence[tuple[StaffMember, Region]]:
    query = select(StaffMember, Region).join(Region, StaffMember.region_id == Region.id).order_by(
        Region.code, StaffMember.id)
    if area_code:
        query = query.where(Region.code == area_code)
    return session.execute(query).all()


def by_name(session: Session, name: str) -> StaffMember:
    """The active member called ``name``, or ``#<id>`` for one of several of the same name."""
    name = name.strip()
    if name.startswith("#") and name[1:].isdigit():
        member = session.get(StaffMember, int(name[1:]))
        if member is None or not member.active:
            raise InvalidInput("name", f"没有编号为 {name} 的在职工作人员。")
        return member
    found = session.scalars(select(StaffMember).where(StaffMember.name == name, StaffMember.active.is_(True))
                            .order_by(StaffMember.id)).all()
    if not found:
        raise InvalidInput("name", f"没有名叫「{name}」的在职工作人员，请先用 bangban staff add 登记。")
    if len(found) > 1:
        ids = "、".join(f"#{m.id}" for m in found)
        raise InvalidInput("name", f"有 {len(found)} 位工作人员名叫「{name}」（{ids}），"
                                   f"请用编号指定，例如 #{found[0].id}。")
    return found[0]


def set_password(session: Session, member: StaffMember, password: str, *, actor: Actor) -> None:
    """A new console password: checked for strength, stored as an argon2 hash. Sign-in is by name, so no two
    members with a password may share one. The lock-out is lifted and every console session ends."""
    passwords.check_strength(password, name=member.name, phone=member.phone)
    namesake = session.scalar(select(func.count()).select_from(StaffMember).where(
        StaffMember.name == member.name, StaffMember.id != member.id, StaffMember.password_hash.is_not(None),
        StaffMember.active.is_(True)))
    if namesake:
        raise InvalidInput("name", f"已有另一位名叫「{member.name}」的工作人员设置了密码；登录按姓名区分，"
                                   "请先把其中一位的姓名登记得能区分开（例如加上单位）。")
    member.password_hash = passwords.hash_password(password)
    member.password_changed_at = clock.now()
    member.failed_attempts = 0
    member.locked_until = None
    sessions.revoke_all(session, member)
    audit.record(session, actor, "set_password", "staff_member", member.id)
    session.flush()


def actor_for(member: StaffMember, *, via: Via = Via.CONSOLE) -> Actor:
    """What a signed-in member acts as: their role's kinds, limited to their region and what lies below it."""
    return Actor(kinds=ROLE_KINDS[member.role], name=member.name, role=member.role, area_id=member.region_id,
                 openid=member.openid, staff_id=member.id, via=via)
