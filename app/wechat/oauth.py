"""Web page authorisation (OAuth2, ``snsapi_base``): where to send a visitor to learn their openid.

WeChat redirects back to ``redirect_uri?code=CODE&state=STATE``; ``WeChatClient.oauth_exchange``
turns the code into the openid. The sandbox serves the authorisation page at the same origin as its
API, so any API base other than WeChat's own is taken to be a sandbox.
"""

from __future__ import annotations

from urllib.parse import urlencode

from app.config import Settings, get_settings

WECHAT_API_BASE = "https://api.weixin.qq.com"
WECHAT_OAUTH_BASE = "https://open.weixin.qq.com"


def authorize_url(redirect_uri: str, state: str = "", *, settings: Settings | None = None) -> str:
    settings = settings or get_settings()
    base = WECHAT_OAUTH_BASE if settings.wechat_api_base == WECHAT_API_BASE else settings.wechat_api_base
    query = urlencode(
        {
            "appid": settings.wechat_app_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": "snsapi_base",
            "state": state,
        }
    )
    # WeChat requires the parameters in this order and the fragment, or it shows an error page.
    return f"{base}/connect/oauth2/authorize?{query}#wechat_redirect"
