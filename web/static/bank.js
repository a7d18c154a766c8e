/* The bank page: a statement upload and its import with progress bars, and the account picker.
   Progressive: without this script every form still posts as a plain HTML form. */
(function () {
  "use strict";

  var picker = document.querySelector("select[data-autosubmit]");
  if (picker) {
    picker.addEventListener("change", function () { picker.form.submit(); });
  }

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_m, k) { return values[k] === undefined ? "" : values[k]; });
  }

  function show(html, url) {
    // the answer is the next page (the preview, or the queue after the import's redirect): show it as the
    // browser would have, at its own address
    if (url && window.history && history.replaceState) {
      history.replaceState(null, "", url);
    }
    document.open();
    document.write(html);
    document.close();
  }

  function post(form, bar, status, hooks) {
    if (!window.XMLHttpRequest || !window.FormData) {
      return;
    }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      bar.hidden = false;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      if (hooks.sending) { hooks.sending(xhr); }
      xhr.onload = function () {
        if (hooks.done) { hooks.done(); }
        show(xhr.responseText, xhr.responseURL);
      };
      xhr.onerror = function () {
        if (hooks.done) { hooks.done(); }
        if (button) { button.disabled = false; }
        bar.hidden = true;
        status.textContent = form.dataset.failed;
      };
      if (hooks.start) { hooks.start(); }
      xhr.send(new FormData(form));
    });
  }

  var upload = document.getElementById("statement-upload");
  if (upload) {
    var ubar = document.getElementById("upload-progress");
    var ustatus = document.getElementById("upload-status");
    post(upload, ubar, ustatus, {
      sending: function (xhr) {
        xhr.upload.onprogress = function (e) {
          if (!e.lengthComputable) { return; }
          var pct = Math.round(100 * e.loaded / e.total);
          ubar.value = pct;
          ustatus.textContent = fill(upload.dataset.sending, { pct: pct });
        };
        xhr.upload.onload = function () {
          ubar.removeAttribute("value"); // the server reads every line now: an indeterminate bar
          ustatus.textContent = upload.dataset.checking;
        };
      }
    });
  }

  var confirm = document.getElementById("confirm-form");
  if (confirm) {
    var cbar = document.getElementById("import-progress");
    var cstatus = document.getElementById("import-status");
    var timer = null;
    var bytes = new Uint8Array(16);
    post(confirm, cbar, cstatus, {
      start: function () {
        window.crypto.getRandomValues(bytes);
        var id = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
        confirm.elements.progress_id.value = id;
        var url = confirm.dataset.progressUrl + "?id=" + id;
        timer = window.setInterval(function () {
          fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
            .then(function (r) { return r.ok ? r.json() : null; })
            .then(function (p) {
              if (!p || !p.total) { return; }
              cbar.max = p.total;
              cbar.value = p.done;
              cstatus.textContent = fill(confirm.dataset.working, { done: Math.floor(p.done / 2), total: p.total / 2 });
            })
            .catch(function () {});
        }, 400);
      },
      done: function () {
        if (timer) { window.clearInterval(timer); }
      }
    });
  }
}());
