"""The sandbox's front page: what it is, and where to look at what it received."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

INSPECTIONS = (
    ("/_sandbox/templates", "收到的模板消息", "帮办代办发给群众和帮办员的每一条通知。"),
    ("/_sandbox/calls", "收到的全部接口调用", "每次调用的接口、参数和回答的错误码。"),
    ("/_sandbox/qrcodes", "生成的带参数二维码", "村（社区）公示牌、帮办员绑定码和工作台登录码。"),
)

router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def home(request: Request) -> HTMLResponse:
    # Mounted in the demo app at /sandbox: links start from where it is mounted.
    root = request.scope.get("root_path", "")
    items = "".join(
        f'<li><a href="{root}{path}">{label}</a>（<code>{path}</code>）：{what}</li>'
        for path, label, what in INSPECTIONS
    )
    docs = ('<p>帮办代办自己的接口见 <a href="/api/docs">接口文档</a>（<code>/api/docs</code>）。</p>'
            if root else "")
    return HTMLResponse(
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>微信接口沙箱</title></head>"
        '<body style="font-size:18px;line-height:1.6;padding:16px;max-width:48em">'
        "<h1>微信接口沙箱</h1>"
        "<p>这是演示和测试用的离线沙箱，代替微信的服务器：帮办代办按微信的格式向它申请接口凭证、发送模板消息、"
        "设置菜单、生成二维码、完成网页授权，它像微信一样回答并记下收到的一切。"
        "它不连接互联网，不会发出真实的微信消息，无需公众号。</p>"
        f"<h2>查看沙箱收到了什么</h2><ul>{items}</ul>"
        "<p>这些记录只保存在本进程内存中，服务重启后清空。</p>"
        f"{docs}</body></html>"
    )
