"""The sandbox's front page: a WeChat phone in the browser (``static/phone.js``) to be any demo person and
talk to the account through its real callback, and links to what the sandbox received."""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.config import get_settings
from app.demo_people import DEMO_PEOPLE

STATIC_DIR = Path(__file__).with_name("static")
INSPECTIONS = (
    ("/_sandbox/templates", "收到的模板消息", "帮办代办发给群众和帮办员的每一条通知。"),
    ("/_sandbox/calls", "收到的全部接口调用", "每次调用的接口、参数和回答的错误码。"),
    ("/_sandbox/qrcodes", "生成的带参数二维码", "村（社区）公示牌、帮办员绑定码和工作台登录码。"),
)

router = APIRouter()


def _person_options(chosen: str) -> str:
    options = [
        f'<option value="{html.escape(p.openid)}" data-try="{html.escape(p.try_this)}"'
        f'{" selected" if p.openid == chosen else ""}>{html.escape(p.label)}</option>'
        for p in DEMO_PEOPLE
    ]
    if chosen and all(p.openid != chosen for p in DEMO_PEOPLE):
        escaped = html.escape(chosen)
        options.append(f'<option value="{escaped}" data-try="" selected>其他：{escaped}</option>')
    return "".join(options)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def home(request: Request) -> HTMLResponse:
    # Mounted in the demo app at /sandbox: links start from where it is mounted.
    root = request.scope.get("root_path", "")
    chosen = request.query_params.get("as", "")[:64]
    items = "".join(
        f'<li><a href="{root}{path}">{label}</a>（<code>{path}</code>）：{what}</li>'
        for path, label, what in INSPECTIONS
    )
    docs = ('<p>帮办代办自己的接口见 <a href="/api/docs">接口文档</a>（<code>/api/docs</code>）。</p>'
            if root else "")
    return HTMLResponse(_PAGE.format(
        root=html.escape(root), options=_person_options(chosen), items=items, docs=docs,
        elsewhere=_elsewhere(request, root),
    ), headers={"Cache-Control": "no-store"})


def _elsewhere(request: Request, root: str) -> str:
    """A warning when the phone is opened at another address than the service's public one: the pages its
    cards open live there, and the sign-in it hands over (a cookie) would be left at this address. Only where
    the sandbox is mounted in the app (the demo): alone, it is never at the app's address."""
    public = get_settings().public_base_url
    parts = urlsplit(public)
    if not root or (request.url.scheme, request.url.netloc) == (parts.scheme, parts.netloc):
        return ""
    phone = html.escape(f"{public}{root}/")
    return (f'<p id="elsewhere" class="elsewhere">这个手机要从服务的地址打开，网页才认得出是谁：'
            f'请改用 <a href="{phone}">{phone}</a>。</p>')


_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>微信接口沙箱</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{root}/_sandbox/static/phone.css">
</head><body data-root="{root}">
<main class="desk">
{elsewhere}
<section class="who" aria-label="选择扮演的人">
  <label for="person">我是</label>
  <select id="person">{options}</select>
  <div class="other">
    <input id="openid" placeholder="或填任意 openid" maxlength="64" autocomplete="off" aria-label="其他 openid">
    <button id="switch" type="button">换成此人</button>
  </div>
  <p id="try" class="try"></p>
</section>
<section class="phone" aria-label="手机">
  <header class="bar">
    <span class="account">帮办代办</span>
    <span class="tools">
      <button id="photo" type="button">发图片</button>
      <input id="photo-file" type="file" accept="image/jpeg,image/png" hidden>
      <button id="scan" type="button" aria-label="扫一扫">扫一扫</button>
    </span>
  </header>
  <div id="chat" class="chat" aria-live="polite"></div>
  <div id="codes" class="codes" hidden>
    <div class="codes-head"><span>选择要扫的二维码</span><button id="codes-close" type="button">关闭</button></div>
    <div id="code-list"></div>
  </div>
  <div id="viewer" class="viewer" hidden>
    <div class="viewer-head"><button id="back" type="button">‹ 返回</button><span id="viewer-title"></span></div>
    <iframe id="h5" title="公众号网页" src="about:blank"></iframe>
  </div>
  <div class="compose">
    <button id="voice" type="button" title="把输入的文字当作语音发送（识别结果）">语音</button>
    <input id="text" placeholder="输入消息" maxlength="600" autocomplete="off" aria-label="消息">
    <button id="send" type="button">发送</button>
  </div>
  <p id="problem" class="problem" role="status"></p>
  <nav id="menu" class="menu" aria-label="公众号菜单"></nav>
</section>
<section class="about">
<h1>微信接口沙箱</h1>
<p>这是演示和测试用的离线沙箱，代替微信的服务器：帮办代办按微信的格式向它申请接口凭证、发送模板消息、
设置菜单、生成二维码、完成网页授权，它像微信一样回答并记下收到的一切。它不连接互联网，不会发出真实的微信消息，
无需公众号。</p>
<p>上面的手机像微信一样把消息签名、加密后发到公众号的回调地址，再解密公众号的回复；帮办代办发的模板消息以卡片出现，
点开在手机里打开网页，并按微信网页授权认出当前这个人。换人后，网页也换成新的人。</p>
<h2>查看沙箱收到了什么</h2><ul>{items}</ul>
<p>这些记录只保存在本进程内存中，服务重启后清空。</p>
{docs}</section>
</main>
<script src="{root}/_sandbox/static/phone.js"></script>
</body></html>
"""
