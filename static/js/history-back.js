// "Go back" links (data-history-back) return to the previous page; without script, or with no
// previous page in this tab, they follow their href. A file rather than a javascript: URL, which
// the Content-Security-Policy refuses.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-history-back]");
    if (link && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
})();
