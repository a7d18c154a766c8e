/* The type-ahead of a recipient field (<input list=… data-search=URL>): as the treasurer types a name, a
   school or a commune, the datalist is filled from the JSON search. Progressive: without this script the
   page's own list (the first recipients by name) still works, and a full name or "#12" is accepted. */
(function () {
  "use strict";

  document.querySelectorAll("input[list][data-search]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var timer = null;
    var asked = "";
    if (!list || !window.fetch) {
      return;
    }
    input.addEventListener("input", function () {
      var q = input.value.trim();
      if (q.length < 2 || q.charAt(0) === "#" || q === asked) {
        return;
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        asked = q;
        fetch(input.dataset.search + "?q=" + encodeURIComponent(q), {
          credentials: "same-origin", headers: {"Accept": "application/json"}
        }).then(function (r) { return r.ok ? r.json() : null; }).then(function (body) {
          if (!body || input.value.trim() !== q) {
            return;
          }
          list.replaceChildren.apply(list, body.items.map(function (item) {
            var option = document.createElement("option");
            option.value = item.label;
            return option;
          }));
          list.dataset.q = q;
        });
      }, 200);
    });
  });
}());
