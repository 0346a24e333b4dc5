// Live word count under each textarea that has a word limit (progressive enhancement:
// the server shows the limit and enforces it; this only counts as the applicant types).
(function () {
  "use strict";

  function countWords(text) {
    var trimmed = text.trim();
    return trimmed === "" ? 0 : trimmed.split(/\s+/).length;
  }

  function format(template, count, limit) {
    return template.replace("%(count)s", String(count)).replace("%(limit)s", String(limit));
  }

  function enhance(area) {
    var limit = parseInt(area.getAttribute("data-word-limit"), 10);
    if (!limit || area.getAttribute("data-word-counted")) {
      return;
    }
    area.setAttribute("data-word-counted", "1");
    var counter = document.createElement("p");
    counter.id = (area.id || area.name) + "-word-count";
    counter.className = "form-text mb-0";
    counter.setAttribute("aria-live", "polite");
    area.insertAdjacentElement("afterend", counter);
    var described = area.getAttribute("aria-describedby");
    area.setAttribute("aria-describedby", described ? described + " " + counter.id : counter.id);
    var countText = area.getAttribute("data-word-count-text") || "%(count)s / %(limit)s";
    var overText = area.getAttribute("data-word-over-text") || countText;
    var timer = null;

    function update() {
      var count = countWords(area.value);
      var over = count > limit;
      counter.textContent = format(over ? overText : countText, count, limit);
      counter.classList.toggle("text-danger", over);
      counter.classList.toggle("fw-bold", over);
    }

    area.addEventListener("input", function () {
      // Announce after a pause, not at each keystroke.
      window.clearTimeout(timer);
      timer = window.setTimeout(update, 400);
    });
    update();
  }

  function enhanceAll(root) {
    (root || document).querySelectorAll("textarea[data-word-limit]").forEach(enhance);
  }

  // Rows added later (see formset-rows.js) are counted too.
  window.clusterflowWordCount = enhanceAll;

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      enhanceAll();
    });
  } else {
    enhanceAll();
  }
})();
