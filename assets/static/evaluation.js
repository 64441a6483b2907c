// Final evaluation: keeps the "answered N of M" counter up to date as
// boxes are ticked, before the answers are saved. The page works without
// it: the server counts the saved answers on every page.
(function () {
  "use strict";
  var form = document.querySelector("form.evaluation-answers");
  var counter = document.querySelector(".answered-counter[data-format]");
  if (!form || !counter) {
    return;
  }
  var others = parseInt(counter.getAttribute("data-others"), 10) || 0;
  var current = document.querySelector(".evaluation-sections [aria-current] ~ .section-count[data-format]");
  function update() {
    var here = 0;
    form.querySelectorAll("fieldset.question").forEach(function (fs) {
      if (fs.querySelector("input[type=checkbox]:checked")) {
        here++;
      }
    });
    counter.textContent = counter.getAttribute("data-format").replace("{n}", String(others + here));
    if (current) {
      current.textContent = current.getAttribute("data-format").replace("{n}", String(here));
    }
  }
  form.addEventListener("change", update);
})();
