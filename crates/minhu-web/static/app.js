// Small enhancements; every page works without this file.
(function () {
  "use strict";
  // Print button on the walls.
  document.querySelectorAll(".print-button").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
  // "Use my location" on the resident form (fills lat/lon; the server finds the grid).
  var locate = document.querySelector(".locate-button");
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      var status = document.querySelector(".locate-status");
      navigator.geolocation.getCurrentPosition(function (pos) {
        document.getElementById("lat").value = pos.coords.latitude.toFixed(6);
        document.getElementById("lon").value = pos.coords.longitude.toFixed(6);
        if (status) status.textContent = "✓";
      }, function () { if (status) status.textContent = "×"; });
    });
  }
  // Intake hints: suggested categories and possible duplicates while typing.
  var content = document.querySelector("textarea[data-hints]");
  var hints = document.getElementById("hints");
  if (content && hints) {
    var timer = null;
    var ask = function () {
      var place = document.getElementById("jurisdiction");
      var url = content.getAttribute("data-hints") + "?content=" + encodeURIComponent(content.value) +
        "&jurisdiction=" + encodeURIComponent(place ? place.value : "");
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { hints.innerHTML = html; });
    };
    content.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 400);
    });
    hints.addEventListener("click", function (e) {
      var t = e.target;
      if (t && t.classList.contains("use-category")) {
        document.getElementById("category").value = t.getAttribute("data-category");
      }
    });
  }
})();
