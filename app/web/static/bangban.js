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
  document.addEventListener("change", function (event) {
    if (event.target.name === "for_whom") { syncFamily(); }
    if (event.target.type === "file") {
      var field = event.target.closest(".field");
      var note = field && field.querySelector("[data-file-count]");
      if (note) {
        var n = event.target.files ? event.target.files.length : 0;
        note.textContent = n ? "已选 " + n + " 张照片" : "";
      }
    }
  });
  syncFamily();
})();
