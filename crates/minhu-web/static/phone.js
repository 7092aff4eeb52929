// The grid worker's phone pages: the service worker, the queue's status line, and the
// visit and finding forms saving into the offline queue. Written for this project. Every
// word shown comes from the page (data attributes filled from the text catalogue).
(function () {
  "use strict";
  var Q = window.MinhuQueue;

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/grid" }).catch(function () {});
  }

  function fill(template, name, value) { return (template || "").split("{" + name + "}").join(String(value)); }
  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  // --- The status line: "已保存，待同步 N 条" / "已同步", and what the server refused ---
  var status = $("#sync-status");
  var refused = $("#sync-refused");
  function showStatus(items, st) {
    if (!status) { return; }
    var pending = items.filter(function (i) { return i.state === "pending"; }).length;
    var d = status.dataset;
    var text = pending > 0 ? fill(d.pending, "n", pending) : d.synced;
    if (pending > 0 && st.login) { text += " " + d.login; }
    else if (pending > 0 && (st.offline || !navigator.onLine)) { text += " " + d.offline; }
    else if (pending > 0 && st.syncing) { text += " " + d.syncing; }
    status.textContent = text;
    status.dataset.pendingCount = String(pending);
    status.className = "sync " + (pending > 0 ? "sync-pending" : "sync-done");
    showRefused(items.filter(function (i) { return i.state === "rejected"; }));
  }
  function showRefused(items) {
    if (!refused) { return; }
    var d = refused.dataset;
    refused.hidden = items.length === 0;
    refused.textContent = "";
    if (items.length === 0) { return; }
    var p = document.createElement("p");
    p.textContent = d.title;
    refused.appendChild(p);
    var ul = document.createElement("ul");
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "refused-item";
      li.dataset.key = item.client_key;
      var what = document.createElement("strong");
      what.textContent = (item.kind === "visit" ? d.visit : d.finding) + " · " + new Date(item.saved_at).toLocaleString();
      var msg = document.createElement("span");
      msg.className = "refused-message";
      msg.textContent = item.error ? item.error.message : "";
      li.appendChild(what);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(msg);
      [["retry", d.retry], ["discard", d.discard]].forEach(function (b) {
        var btn = document.createElement("button");
        btn.type = "button";
        btn.className = "secondary refused-" + b[0];
        btn.textContent = b[1];
        btn.addEventListener("click", function () {
          (b[0] === "retry" ? Q.retry(item.client_key) : Q.remove(item.client_key)).then(Q.sync);
        });
        li.appendChild(btn);
      });
      ul.appendChild(li);
    });
    refused.appendChild(ul);
  }
  if (Q && status) {
    Q.onchange(showStatus);
    Q.sync();
  } else if (status) {
    status.textContent = status.dataset.nostorage;
  }

  // --- Photos: scaled down on the phone (at most 1600 px, JPEG) before they are queued ---
  function photo(file) {
    return new Promise(function (resolve) {
      var reader = new FileReader();
      reader.onload = function () {
        var img = new Image();
        img.onload = function () {
          var scale = Math.min(1, 1600 / Math.max(img.width, img.height));
          var canvas = document.createElement("canvas");
          canvas.width = Math.round(img.width * scale);
          canvas.height = Math.round(img.height * scale);
          canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
          var data = canvas.toDataURL("image/jpeg", 0.8);
          resolve({ name: file.name.replace(/\.[^.]*$/, "") + ".jpg", content_base64: data.split(",")[1] });
        };
        img.onerror = function () { resolve(null); };
        img.src = reader.result;
      };
      reader.onerror = function () { resolve(null); };
      reader.readAsDataURL(file);
    });
  }
  function photos(form) {
    var input = $("input[type=file]", form);
    var files = input && input.files ? Array.prototype.slice.call(input.files, 0, 4) : [];
    return Promise.all(files.map(photo)).then(function (list) { return list.filter(Boolean); });
  }

  // --- Required fields, checked before saving (the server checks everything again) ---
  function missing(form) {
    var empty = $all("[data-required]", form).filter(function (el) {
      if (el.type === "radio") { return !$("input[name='" + el.name + "']:checked", form); }
      return !el.value.trim();
    });
    return empty.length ? empty[0] : null;
  }
  function say(form, text, bad) {
    var out = $(".form-message", form);
    if (out) { out.textContent = text; out.className = "form-message " + (bad ? "error" : "flash"); }
  }

  function value(form, name) {
    var el = $("[name='" + name + "']", form);
    return el ? el.value.trim() : "";
  }
  function number(v) { return v === "" ? null : Number(v); }
  function checked(root, name) {
    var el = $("input[name='" + name + "']:checked", root);
    return el ? el.value : "";
  }

  // --- The visit form: the household, the kind, notes, photos, findings ---
  var findings = $("#findings");
  var template = $("#finding-template");
  var rows = 0;
  function addFinding() {
    rows += 1;
    var row = template.content.firstElementChild.cloneNode(true);
    $all("[data-name]", row).forEach(function (el) {
      el.name = el.dataset.name + "-" + rows;
      if (el.id) { el.id = el.id + "-" + rows; }
    });
    $all("label[for]", row).forEach(function (l) { l.htmlFor = l.htmlFor + "-" + rows; });
    $(".remove-finding", row).addEventListener("click", function () { row.remove(); });
    findings.appendChild(row);
  }
  var add = $("#add-finding");
  if (add && findings && template) { add.addEventListener("click", addFinding); }

  function findingOf(row) {
    var get = function (name) { var el = $("[data-name='" + name + "']", row); return el ? el.value.trim() : ""; };
    var outcome = $("[data-name='outcome']:checked", row);
    return {
      client_key: crypto.randomUUID(), "class": get("class"), text: get("text"),
      outcome: outcome ? outcome.value : ""
    };
  }

  function saveForm(form, kind, build) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var empty = missing(form);
      if (empty) {
        say(form, fill(form.dataset.required, "field", empty.dataset.label || empty.name), true);
        empty.focus();
        return;
      }
      if (!Q) { say(form, status ? status.dataset.nostorage : "", true); return; }
      photos(form).then(function (list) {
        var body = build(form);
        if (list.length) { body.photos = list; }
        return Q.save(kind, form.dataset.url, body);
      }).then(function () {
        form.reset();
        if (findings) { findings.textContent = ""; }
        say(form, form.dataset.saved, false);
        window.scrollTo(0, 0);
      });
    });
  }

  var visit = $("#visit-form");
  if (visit) {
    var pick = $("#household_id");
    var wanted = new URLSearchParams(location.search).get("household");
    if (pick && wanted) { pick.value = wanted; }
    var filter = $("#household-filter");
    if (filter && pick) {
      filter.addEventListener("input", function () {
        var q = filter.value.trim();
        $all("option", pick).forEach(function (o) { o.hidden = q !== "" && o.value !== "" && o.textContent.indexOf(q) < 0; });
      });
    }
    saveForm(visit, "visit", function (form) {
      var body = {
        grid: value(form, "grid"), patrol_id: number(value(form, "patrol_id")),
        household_id: number(value(form, "household_id")), kind: value(form, "kind"),
        visited_at: new Date().toISOString(), duration_minutes: number(value(form, "duration_minutes")),
        notes: value(form, "notes"),
        findings: $all(".finding-row", form).map(findingOf)
      };
      return body;
    });
  }

  var finding = $("#finding-form");
  if (finding) {
    saveForm(finding, "finding", function (form) {
      return {
        grid: value(form, "grid"), patrol_id: number(value(form, "patrol_id")),
        "class": value(form, "class"), text: value(form, "text"), location: value(form, "location") || null,
        outcome: checked(form, "outcome"), found_at: new Date().toISOString()
      };
    });
  }

  // --- Logging out drops the cached pages of this worker (the unsent queue stays) ---
  $all("form.phone-logout").forEach(function (f) {
    f.addEventListener("submit", function () {
      if (window.caches) {
        caches.keys().then(function (names) {
          names.filter(function (n) { return n.indexOf("minhu-phone-") === 0; }).forEach(function (n) { caches["delete"](n); });
        });
      }
    });
  });

  $all(".print-button").forEach(function (b) { b.addEventListener("click", function () { window.print(); }); });
})();
