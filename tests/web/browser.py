"""Debian's Chromium driven by Playwright as a phone inside WeChat, and the age-friendly measurements
(《互联网网站适老化通用设计规范》 as DESIGN §5 states them) taken on a rendered page."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, Request, sync_playwright

from app.sandbox.control import OPENID_COOKIE

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--lang=zh-CN"]
WECHAT_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Mobile/15E148 MicroMessenger/8.0.50(0x1800322d) NetType/WIFI Language/zh_CN")
PHONE = {"width": 375, "height": 667}
NARROW_PHONE = {"width": 320, "height": 568}
SCREENSHOTS = os.environ.get("H5_SCREENSHOTS")  # a directory: keep a picture of every page visited


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the page tests drive Debian's Chromium. "
                    "Install it with `apt-get install -y chromium fonts-noto-cjk` (CI does).", pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def phone(browser: Browser, *, viewport: dict[str, int] = PHONE) -> BrowserContext:
    """A fresh phone: WeChat's user agent, Chinese, its own cookie jar."""
    context = browser.new_context(viewport=viewport, user_agent=WECHAT_UA, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    context.set_default_timeout(15_000)
    context.on("dialog", _refuse_pop_up)
    context.on("request", _note_foreign)
    return context


# What any phone met that DESIGN §5 rules out (tests/web/conftest.py checks both after every test):
# pop-ups (alert, confirm, prompt), and anything fetched from elsewhere than this machine (a CDN).
POP_UPS: list[str] = []
FOREIGN_REQUESTS: list[str] = []


def _refuse_pop_up(dialog: Dialog) -> None:
    POP_UPS.append(f"{dialog.type}: {dialog.message}")
    dialog.dismiss()


def _note_foreign(request: Request) -> None:
    parts = urlsplit(request.url)
    if parts.scheme in ("http", "https") and parts.hostname not in ("127.0.0.1", "localhost"):
        FOREIGN_REQUESTS.append(request.url)


def signed_in_page(browser: Browser, url: str, sandbox_url: str, openid: str, *,
                   viewport: dict[str, int] = PHONE) -> Page:
    """A phone whose WeChat knows it as ``openid``: the sandbox's authorisation page lets it through at once."""
    context = phone(browser, viewport=viewport)
    context.add_cookies([{"name": OPENID_COOKIE, "value": openid, "url": sandbox_url}])
    return context.new_page()


def snap(page: Page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


_MEASURE = """
(minTap) => {
  const visible = (el) => {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return style.visibility !== 'hidden' && style.display !== 'none' && box.width > 0 && box.height > 0;
  };
  const parse = (text) => {
    const parts = text.match(/[\\d.]+/g).map(Number);
    return {rgb: parts.slice(0, 3), alpha: parts.length > 3 ? parts[3] : 1};
  };
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if (colour.alpha > 0.5) return colour.rgb;
    }
    return [255, 255, 255];
  };
  const texts = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (['SCRIPT', 'STYLE', 'OPTION'].includes(el.tagName) || !visible(el)) continue;
    const own = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent.trim()).join('');
    if (!own) continue;
    const style = getComputedStyle(el);
    const size = parseFloat(style.fontSize);
    const lineHeight = style.lineHeight === 'normal' ? size * 1.2 : parseFloat(style.lineHeight);
    const [hi, lo] = [luminance(parse(style.color).rgb), luminance(background(el))].sort((a, b) => b - a);
    texts.push({text: own.slice(0, 30), size, ratio: lineHeight / size,
                contrast: (hi + 0.05) / (lo + 0.05), large: size > 18});
  }
  const targets = [];
  const tappable = 'a, button, summary, label.choice, label.file-pick, input[type=submit], select, '
    + 'input[type=text], input[type=tel], input[type=date], input[type=datetime-local]';
  for (const el of document.querySelectorAll(tappable)) {
    if (!visible(el)) continue;
    const box = el.getBoundingClientRect();
    if (box.width < minTap - 0.5 || box.height < minTap - 0.5) {
      targets.push({text: el.textContent.trim().slice(0, 30), width: box.width, height: box.height});
    }
  }
  return {
    texts,
    smallTargets: targets,
    scrollWidth: Math.max(document.documentElement.scrollWidth, window.innerWidth),
    latin: [document.title, document.body.innerText,
            ...[...document.querySelectorAll('[alt], [aria-label], [placeholder], [title]')].map(
              (el) => ['alt', 'aria-label', 'placeholder', 'title'].map((a) => el.getAttribute(a) || '').join(' '))]
      .join(' ').match(/[A-Za-z]{3,}/g) || [],
  };
}
"""

# Latin words a Chinese page may still show: image formats and the units of their size limit.
ALLOWED_LATIN = {"JPG", "PNG", "WebP"}


def age_friendly_problems(page: Page, *, min_tap: int) -> list[str]:
    """What on the page breaks the rules: text under 18 px, line height under 1.3, contrast under 4.5:1
    (3:1 for text above 18 px), tap targets under ``min_tap`` px, horizontal scrolling, English words."""
    found: dict[str, Any] = page.evaluate(_MEASURE, min_tap)
    problems: list[str] = []
    for text in found["texts"]:
        if text["size"] < 18:
            problems.append(f"text under 18px ({text['size']}px): {text['text']}")
        if text["ratio"] < 1.3:
            problems.append(f"line height under 1.3 ({text['ratio']:.2f}): {text['text']}")
        if text["contrast"] < (3.0 if text["large"] else 4.5):
            problems.append(f"contrast {text['contrast']:.2f}:1: {text['text']}")
    for target in found["smallTargets"]:
        problems.append(f"tap target {target['width']:.0f}×{target['height']:.0f}px: {target['text']}")
    # A phone widens its layout viewport to fit content that is too wide, so the phone's own width is the measure.
    width = (page.viewport_size or {"width": 0})["width"]
    if found["scrollWidth"] > width:
        problems.append(f"scrolls sideways: {found['scrollWidth']}px content on a {width}px phone")
    problems.extend(f"not Chinese: {word}" for word in found["latin"] if word not in ALLOWED_LATIN)
    return problems
