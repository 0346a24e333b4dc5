// "Add a row" buttons for the formsets of the full application (progressive enhancement:
// without this script, saving the section always offers one more empty row).
(function () {
  "use strict";

  function enhance(button) {
    var prefix = button.getAttribute("data-formset-add");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var template = document.getElementById(prefix + "-template");
    var rows = document.getElementById(prefix + "-rows");
    if (!total || !template || !rows) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var holder = document.createElement("div");
      holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
      var row = holder.firstElementChild;
      rows.appendChild(row);
      total.value = String(index + 1);
      if (window.clusterflowWordCount) {
        window.clusterflowWordCount(row);
      }
      var first = row.querySelector("input, select, textarea");
      if (first) {
        first.focus();
      }
    });
  }

  function enhanceAll() {
    document.querySelectorAll("button[data-formset-add]").forEach(enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enhanceAll);
  } else {
    enhanceAll();
  }
})();
