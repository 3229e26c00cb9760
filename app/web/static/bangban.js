/* Small helps on top of pages that work without scripts. */
(function () {
  "use strict";

  // A form is sent once: an unsteady double tap must not file two entrustments.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.sending === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.sending = "1";
    var button = event.submitter || form.querySelector("button[type=submit]");
    if (button) {
      button.dataset.label = button.textContent;
      button.textContent = "正在提交，请稍候…";
      window.setTimeout(function () { button.disabled = true; }, 0);
    }
  });

  // The family member's name and relation show only when the entrustment is for a family member.
  function syncFamily() {
    var chosen = document.querySelector("input[name=for_whom]:checked");
    var fields = document.querySelector("[data-family-fields]");
    if (fields) {
      fields.hidden = !chosen || chosen.value !== "family";
    }
  }
  // Say at once how many photos were chosen and which the server will refuse (it checks again).
  function describePhotos(input) {
    var field = input.closest(".field");
    var note = field && field.querySelector("[data-file-count]");
    if (!note) { return; }
    var files = Array.prototype.slice.call(input.files || []);
    var maxBytes = Number(input.dataset.maxBytes || 0);
    var maxCount = Number(input.dataset.maxCount || 0);
    var types = (input.accept || "").split(",");
    var big = files.filter(function (f) { return maxBytes && f.size > maxBytes; }).length;
    var other = files.filter(function (f) { return f.type && types.indexOf(f.type) < 0; }).length;
    var problem = "";
    if (maxCount && files.length > maxCount) {
      problem = "一次最多 " + maxCount + " 张，请少选几张。";
    } else if (big) {
      problem = "其中 " + big + " 张太大（超过 " + Math.round(maxBytes / 1048576) + "MB），请重新拍，"
        + "或选照片时不要勾选“原图”。";
    } else if (other) {
      problem = "其中 " + other + " 个不是照片，只能选 JPG、PNG 或 WebP 格式的照片。";
    }
    note.textContent = files.length ? "已选 " + files.length + " 张照片。" + problem : "";
    note.classList.toggle("field-error", problem !== "");
  }

  document.addEventListener("change", function (event) {
    if (event.target.name === "for_whom") { syncFamily(); }
    if (event.target.type === "file") { describePhotos(event.target); }
  });
  syncFamily();

  // A refused form: the banner on top says what is wrong; bring the field to put right into view.
  var wrong = document.querySelector("form .field-error");
  if (wrong) {
    (wrong.closest(".field, .group") || wrong).scrollIntoView({block: "center"});
  }

  // A signature drawn with a finger on the helper's phone is sent as a picture with the form.
  Array.prototype.forEach.call(document.querySelectorAll("canvas[data-signature]"), function (canvas) {
    var pad = canvas.closest(".signature-pad");
    var field = pad.querySelector("input[name=signature]");
    var context = canvas.getContext("2d");
    var drawing = false;
    var drawn = false;
    context.lineWidth = 4;
    context.lineCap = "round";
    function point(event) {
      var box = canvas.getBoundingClientRect();
      return [(event.clientX - box.left) * canvas.width / box.width, (event.clientY - box.top) * canvas.height / box.height];
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      var at = point(event);
      context.beginPath();
      context.moveTo(at[0], at[1]);
      canvas.setPointerCapture(event.pointerId);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      var at = point(event);
      context.lineTo(at[0], at[1]);
      context.stroke();
      drawn = true;
    });
    canvas.addEventListener("pointerup", function () { drawing = false; });
    pad.querySelector("[data-signature-clear]").addEventListener("click", function () {
      context.clearRect(0, 0, canvas.width, canvas.height);
      drawn = false;
      field.value = "";
    });
    canvas.closest("form").addEventListener("submit", function () {
      field.value = drawn ? canvas.toDataURL("image/png") : "";
    }, true);
  });
})();
