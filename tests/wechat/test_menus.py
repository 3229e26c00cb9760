"""The menu file against WeChat's limits, and ``bangban menu …`` against the sandbox."""
# ruff: noqa: F811  (test arguments name the fixtures imported below)

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.sandbox.state import Fault, SandboxState
from app.wechat.menus import DEFAULT_MENU_PATH, MenuKey, check_menu, load_menu, render_menu
from tests.wechat.sandbox_server import (  # noqa: F401  (fixtures: conftest.py belongs to the callback tests)
    sandbox,
    sandbox_env,
    sandbox_server,
)

H5 = "http://testserver/h5/"


def default_menu() -> dict[str, Any]:
    """The menu as pushed for this deployment (view links filled in)."""
    return render_menu(copy.deepcopy(load_menu(DEFAULT_MENU_PATH)), "http://testserver")


def with_sub(top: int, sub: int, **fields: Any) -> dict[str, Any]:
    menu = default_menu()
    menu["button"][top]["sub_button"][sub] = fields
    return menu


def test_default_menu_meets_wechat_limits() -> None:
    assert check_menu(render_menu(default_menu(), "http://testserver"), h5_base=H5) == []


def test_default_menu_click_keys_are_the_ones_the_handlers_know() -> None:
    subs = [sub for button in default_menu()["button"] for sub in button["sub_button"]]
    keys = [sub["key"] for sub in subs if sub["type"] == "click"]

    assert keys and set(keys) <= set(MenuKey)
    assert len(keys) == len(set(keys))


def test_default_menu_pages_open_through_the_sign_in_entry() -> None:
    subs = [sub for button in default_menu()["button"] for sub in button["sub_button"]]
    urls = {sub["name"]: sub["url"] for sub in subs if sub["type"] == "view"}

    assert urls == {
        "我的办件": "http://testserver/h5/auth?next=%2Fh5%2Fcases",
        "帮办员工作台": "http://testserver/h5/auth?next=%2Fh5%2Fhelper",
        "我要投诉": "http://testserver/h5/auth?next=%2Fh5%2Fcomplain",
    }


def test_default_menu_has_the_three_groups() -> None:
    menu = default_menu()

    assert [button["name"] for button in menu["button"]] == ["帮办代办", "救助政策", "投诉监督"]
    assert [sub["name"] for sub in menu["button"][0]["sub_button"]] == [
        "我要委托", "我的办件", "办事指南", "帮办员公示", "帮办员工作台"
    ]


def four_top_buttons() -> dict[str, Any]:
    menu = default_menu()
    menu["button"].append({"type": "click", "name": "更多", "key": "MORE"})
    return menu


def six_sub_buttons() -> dict[str, Any]:
    menu = default_menu()
    menu["button"][1]["sub_button"].append({"type": "click", "name": "教育救助", "key": "POLICY_EDU"})
    return menu


def top_with_type() -> dict[str, Any]:
    menu = default_menu()
    menu["button"][2]["type"] = "click"
    return menu


def long_top_name() -> dict[str, Any]:
    menu = default_menu()
    menu["button"][0]["name"] = "帮办代办服务"
    return menu


def nested_sub() -> dict[str, Any]:
    menu = default_menu()
    menu["button"][2]["sub_button"][0]["sub_button"] = [{"type": "click", "name": "再下一级", "key": "DEEPER"}]
    return menu


GUIDE = "第1个菜单「帮办代办」的第3个子菜单「办事指南」："
LONG_NAME = "社会救助申请事项帮办代办工作实施方案试行说明"


@pytest.mark.parametrize(
    ("menu", "problem"),
    [
        (four_top_buttons(), "一级菜单有4个，最多3个"),
        ({"button": []}, "菜单至少要有1个一级菜单"),
        ({"menu": {}}, "菜单缺少 button 数组"),
        (six_sub_buttons(), "第2个菜单「救助政策」：子菜单有6个，最多5个"),
        (long_top_name(), "第1个菜单「帮办代办服务」：名称超过16字节（现为18字节）"),
        (with_sub(1, 2, type="click", name=LONG_NAME, key="POLICY_LINSHI"),
         f"第2个菜单「救助政策」的第3个子菜单「{LONG_NAME}」：名称超过60字节（现为66字节）"),
        (with_sub(0, 0, type="click", name="我要委托", key="K" * 129),
         "第1个菜单「帮办代办」的第1个子菜单「我要委托」：key 超过128字节"),
        (with_sub(0, 1, type="view", name="我的办件", url="http://testserver/h5/" + "a" * 1010),
         "第1个菜单「帮办代办」的第2个子菜单「我的办件」：网页链接超过1024字节"),
        (with_sub(0, 2, type="tap", name="办事指南", key="GUIDE"), GUIDE + "不支持的类型「tap」"),
        (with_sub(0, 2, name="办事指南", key="GUIDE"), GUIDE + "缺少类型（type）"),
        (with_sub(0, 2, type="click", name="办事指南"), GUIDE + "click 类型必须填写 key"),
        (with_sub(0, 2, type="view", name="办事指南"), GUIDE + "view 类型必须填写 url"),
        (with_sub(0, 2, type="media_id", name="办事指南"),
         GUIDE + "media_id 类型必须填写 media_id"),
        (with_sub(0, 2, type="article_id", name="办事指南"),
         GUIDE + "article_id 类型必须填写 article_id"),
        (with_sub(0, 2, type="miniprogram", name="办事指南", url="http://testserver/h5/guide", appid="wx1"),
         GUIDE + "miniprogram 类型必须填写 pagepath"),
        (with_sub(0, 2, type="click", key="GUIDE"), "第1个菜单「帮办代办」的第3个子菜单「（无名称）」：缺少名称"),
        (with_sub(0, 2, type="click", name="办事指南", key="ENTRUST"),
         GUIDE + "key「ENTRUST」与前面的菜单重复"),
        (with_sub(0, 2, type="view", name="办事指南", url="ftp://testserver/h5/guide"),
         GUIDE + "网页链接须以 http:// 或 https:// 开头"),
        (with_sub(0, 2, type="view", name="办事指南", url="https://example.com/guide"),
         GUIDE + f"网页链接须指向本系统的 H5 页面（{H5}…）"),
        (top_with_type(), "第3个菜单「投诉监督」：有子菜单的一级菜单不能设置类型（type）"),
        (nested_sub(), "第3个菜单「投诉监督」的第1个子菜单「我要投诉」：子菜单不能再有下级菜单"),
        ({"button": [{"name": "空菜单", "sub_button": []}]}, "第1个菜单「空菜单」：子菜单须有1到5个"),
    ],
)
def test_each_limit_is_reported_naming_the_button(menu: dict[str, Any], problem: str) -> None:
    assert problem in check_menu(menu, h5_base=H5)


def test_every_problem_is_reported_not_just_the_first() -> None:
    menu = four_top_buttons()
    menu["button"][0]["name"] = "帮办代办服务"

    assert len(check_menu(menu)) == 2


def test_known_button_types_pass_with_their_fields() -> None:
    menu = {"button": [
        {"type": "scancode_push", "name": "扫码", "key": "SCAN"},
        {"type": "location_select", "name": "位置", "key": "WHERE"},
        {"name": "更多", "sub_button": [
            {"type": "pic_photo_or_album", "name": "拍照上传材料", "key": "PHOTO"},
            {"type": "article_view_limited", "name": "政策原文", "article_id": "ARTICLE_1"},
            {"type": "miniprogram", "name": "小程序", "url": "http://testserver/h5/", "appid": "wx1", "pagepath": "p"},
        ]},
    ]}

    assert check_menu(menu) == []


def test_public_base_url_is_filled_in_at_push_time() -> None:
    menu = {"button": [{"type": "view", "name": "我的办件", "url": "{PUBLIC_BASE_URL}/h5/cases"}]}

    rendered = render_menu(menu, "https://bangban.example.cn/")

    assert rendered["button"][0]["url"] == "https://bangban.example.cn/h5/cases"
    assert menu["button"][0]["url"] == "{PUBLIC_BASE_URL}/h5/cases"


def write(tmp_path: Path, menu: Any) -> str:
    path = tmp_path / "menu.json"
    path.write_text(json.dumps(menu, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_menu_check_command_passes_the_default_menu(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["menu", "check", str(DEFAULT_MENU_PATH)]) == 0
    assert "符合微信的要求" in capsys.readouterr().out


def test_menu_check_command_lists_problems_and_exits_non_zero(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["menu", "check", write(tmp_path, long_top_name())])

    assert status != 0
    assert "第1个菜单「帮办代办服务」：名称超过16字节" in capsys.readouterr().out


def test_menu_check_command_reports_a_file_that_is_not_json(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{ button: ", encoding="utf-8")

    assert main(["menu", "check", str(path)]) != 0
    assert "不是有效的 JSON" in capsys.readouterr().out


def test_menu_push_show_delete_commands(sandbox_env: SandboxState, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["menu", "push"]) == 0
    assert sandbox_env.menu == render_menu(default_menu(), "http://testserver")

    assert main(["menu", "show"]) == 0
    shown = capsys.readouterr().out
    assert "\"我要委托\"" in shown and "\"ENTRUST\"" in shown

    assert main(["menu", "delete"]) == 0
    assert sandbox_env.menu is None
    assert main(["menu", "show"]) == 0
    assert "公众号当前没有自定义菜单" in capsys.readouterr().out


def test_menu_push_refuses_a_menu_with_problems(
    sandbox_env: SandboxState, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["menu", "push", write(tmp_path, four_top_buttons())]) != 0

    assert "菜单未推送" in capsys.readouterr().out
    assert sandbox_env.calls_to("/cgi-bin/menu/create") == []


def test_menu_push_reports_wechat_refusing(sandbox_env: SandboxState, capsys: pytest.CaptureFixture[str]) -> None:
    sandbox_env.add_fault(Fault("/cgi-bin/menu/create", errcode=45009))

    assert main(["menu", "push"]) != 0
    assert "调用微信接口失败" in capsys.readouterr().out
