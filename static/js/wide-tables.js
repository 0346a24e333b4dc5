// A table wider than the window scrolls sideways inside its own region, never the page: each
// table of the main content sits in a .table-responsive region (wrapped here when its template
// did not), which the keyboard can reach (tabindex) and a screen reader names (its caption).
(function () {
  "use strict";

  var count = 0;

  function label(region, table) {
    if (!region.hasAttribute("role")) region.setAttribute("role", "region");
    if (!region.hasAttribute("tabindex")) region.setAttribute("tabindex", "0");
    if (region.hasAttribute("aria-label") || region.hasAttribute("aria-labelledby")) return;
    var caption = table.querySelector("caption");
    if (caption) {
      if (!caption.id) caption.id = "table-caption-" + ++count;
      region.setAttribute("aria-labelledby", caption.id);
    } else {
      var heading = region.closest("section") && region.closest("section").querySelector("h1, h2, h3, h4");
      region.setAttribute("aria-label", heading ? heading.textContent.trim() : document.title);
    }
  }

  function contain() {
    document.querySelectorAll("main table").forEach(function (table) {
      var region = table.closest(".table-responsive");
      if (!region) {
        region = document.createElement("div");
        region.className = "table-responsive";
        table.parentNode.insertBefore(region, table);
        region.appendChild(table);
      }
      label(region, table);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", contain);
  else contain();
})();
