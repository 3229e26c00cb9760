"""``bangban staff``: register staff members with their console role, list them, set a console password."""

from __future__ import annotations

import argparse
import getpass
import sys

from app.errors import InvalidInput

ROLE_CHOICES = ["county_admin", "township_staff", "oversight"]


def _add(args: argparse.Namespace) -> int:
    from app.db import unit_of_work
    from app.staff.service import ROLE_LABELS, add_member

    with unit_of_work() as session:
        member = add_member(session, name=args.name, area_code=args.area, phone=args.phone, title=args.title,
                            openid=args.openid, role=args.role)
        bound = "已绑定微信，可扫码登录工作台" if member.openid else "未绑定微信，收不到提醒"
        print(f"已登记工作人员 #{member.id} {member.name}（{ROLE_LABELS[member.role]}，{bound}）。"
              f"设置工作台密码：bangban staff password {member.name}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from app.db import unit_of_work
    from app.privacy import mask_phone
    from app.staff.service import ROLE_LABELS, members

    with unit_of_work() as session:
        for member, region in members(session, args.area):
            bound = "已绑定微信" if member.openid else "未绑定微信"
            password = "已设密码" if member.password_hash else "未设密码"
            columns = [f"#{member.id}", region.name, member.name, mask_phone(member.phone), member.title or "", bound,
                       ROLE_LABELS.get(member.role, member.role.value), password]
            print("\t".join(columns))
    return 0


def read_new_password() -> str:
    """From the terminal, typed twice without echo; otherwise the first line of standard input."""
    if sys.stdin.isatty():
        first = getpass.getpass("新密码：")
        if getpass.getpass("再输入一次：") != first:
            raise InvalidInput("password", "两次输入的密码不一样，密码没有修改。")
        return first
    line = sys.stdin.readline()
    if not line:
        raise InvalidInput("password", "没有读到新密码：请在标准输入中提供一行密码。")
    return line.rstrip("\r\n")


def _password(args: argparse.Namespace) -> int:
    from app.auth.actor import ROLE_KINDS, Actor, Via
    from app.db import unit_of_work
    from app.models import Role
    from app.staff.service import by_name, set_password

    with unit_of_work() as session:
        member = by_name(session, args.name)
        password = read_new_password()
        actor = Actor(kinds=ROLE_KINDS[Role.COUNTY_ADMIN], name="命令行", role=Role.COUNTY_ADMIN, via=Via.CLI)
        set_password(session, member, password, actor=actor)
        print(f"已为 #{member.id} {member.name} 设置工作台密码；该账号在其他设备上的登录已全部退出。")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    staff = sub.add_parser("staff", help="乡镇工作专班、县民政局和监督人员")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    add = staff_sub.add_parser("add", help="登记一名工作人员：接收超期上报、周报和季度提醒，登录工作台")
    add.add_argument("--name", required=True)
    add.add_argument("--area", required=True, help="乡镇（街道）或县的区域编码")
    add.add_argument("--role", choices=ROLE_CHOICES,
                     help="county_admin 县级管理员（登记在县）、township_staff 乡镇工作专班（登记在乡镇）、"
                          "oversight 监督只读（登记在县）；不填按区域层级定")
    add.add_argument("--phone")
    add.add_argument("--title")
    add.add_argument("--openid", help="工作人员关注公众号后的 openid（用于提醒和扫码登录）")
    add.set_defaults(handler=_add)
    listing = staff_sub.add_parser("list", help="列出工作人员")
    listing.add_argument("--area")
    listing.set_defaults(handler=_list)
    password = staff_sub.add_parser(
        "password", help="设置工作台密码：从标准输入读取（在终端里输入两次，不显示）；同时退出该账号的全部登录")
    password.add_argument("name", metavar="NAME", help="姓名，同名时用 #编号（见 staff list）")
    password.set_defaults(handler=_password)
