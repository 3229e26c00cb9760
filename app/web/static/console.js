/* The console's sign-in page: while a WeChat login code is shown, ask every few seconds whether it was
   scanned and confirmed; once it is, the server has set the session and the page goes on. */
(function () {
  "use strict";

  var box = document.querySelector("[data-qr-poll]");
  if (!box) {
    return;
  }
  var status = box.querySelector("[data-qr-status]");
  var renew = box.querySelector("[data-qr-renew]");
  var every = Math.max(1, Number(box.dataset.every || "2")) * 1000;
  var url = box.dataset.qrPoll + "?next=" + encodeURIComponent(box.dataset.next || "/console/");
  var said = {
    scanned: "已扫码，请在微信里回复 1 确认登录。",
    expired: "二维码已过期或已使用，请换一个二维码。"
  };

  function stop(text) {
    status.textContent = text;
    box.classList.add("is-done");
    if (renew) {
      renew.hidden = false;
    }
  }

  function poll() {
    fetch(url, {credentials: "same-origin", cache: "no-store"})
      .then(function (response) { return response.ok ? response.json() : {state: "waiting"}; })
      .then(function (answer) {
        if (answer.state === "signed_in") {
          status.textContent = "已确认，正在进入工作台…";
          window.location.assign(answer.next || "/console/");
          return;
        }
        if (answer.state === "expired") {
          stop(said.expired);
          return;
        }
        if (said[answer.state]) {
          status.textContent = said[answer.state];
        }
        window.setTimeout(poll, every);
      })
      .catch(function () { window.setTimeout(poll, every); });
  }

  window.setTimeout(poll, every);
})();
