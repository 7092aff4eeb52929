// Minhu's service worker for the grid worker's phone pages (scope /grid). Written for this
// project. It keeps the pages and their assets so they open in a stairwell with no signal:
//   - pages under /grid: network first (fresh data when there is signal), the cached copy
//     when the network fails or takes longer than a few seconds;
//   - the assets: the cached copy at once, refreshed in the background;
//   - posts are never touched: the forms save into the offline queue (offline-queue.js),
//     which sends each item itself, exactly once, when the network returns.
// The cache's name carries a version made from the assets' contents (filled in by the
// server), so a new release installs a new worker and drops the old cache.
"use strict";
var VERSION = "minhu-phone-__VERSION__";
var SHELL = ["/grid", "/grid/visit", "/grid/finding", "/grid/findings"];
var ASSETS = ["/static/app.css", "/static/phone.css", "/static/phone.js", "/static/offline-queue.js"];
var NEVER = ["/grid/csrf"];
var PAGE_TIMEOUT_MS = 4000;

function keep(cache, request, response) {
  // Only a real page of this worker: never a login page reached by a redirect.
  if (response && response.ok && !response.redirected && response.type === "basic") {
    return cache.put(request, response.clone());
  }
  return Promise.resolve();
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(VERSION).then(function (cache) {
    return Promise.all(SHELL.concat(ASSETS).map(function (url) {
      return fetch(url, { credentials: "same-origin" })
        .then(function (r) { return keep(cache, url, r); })
        .catch(function () { /* cached on a later visit */ });
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) {
      return n.indexOf("minhu-phone-") === 0 && n !== VERSION;
    }).map(function (n) { return caches["delete"](n); }));
  }).then(function () { return self.clients.claim(); }));
});

function withTimeout(promise, ms) {
  return new Promise(function (resolve, reject) {
    var t = setTimeout(function () { reject(new Error("timeout")); }, ms);
    promise.then(function (v) { clearTimeout(t); resolve(v); }, function (e) { clearTimeout(t); reject(e); });
  });
}

function page(request) {
  return caches.open(VERSION).then(function (cache) {
    var fresh = fetch(request).then(function (r) {
      return keep(cache, request, r).then(function () { return r; });
    });
    return withTimeout(fresh, PAGE_TIMEOUT_MS).catch(function () {
      return cache.match(request, { ignoreSearch: true }).then(function (hit) {
        return hit || cache.match("/grid");
      }).then(function (hit) { return hit || fresh; });
    });
  });
}

function asset(request) {
  return caches.open(VERSION).then(function (cache) {
    return cache.match(request).then(function (hit) {
      var fresh = fetch(request).then(function (r) {
        return keep(cache, request, r).then(function () { return r; });
      });
      if (hit) { fresh.catch(function () {}); return hit; }
      return fresh;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || NEVER.indexOf(url.pathname) >= 0) { return; }
  if (ASSETS.indexOf(url.pathname) >= 0) {
    event.respondWith(asset(request));
  } else if (url.pathname === "/grid" || url.pathname.indexOf("/grid/") === 0) {
    event.respondWith(page(request));
  }
});

// Logging out clears the cached pages (they hold the worker's households); the queue of
// unsent records is kept in IndexedDB, not here.
self.addEventListener("message", function (event) {
  if (event.data === "logout") {
    event.waitUntil(caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf("minhu-phone-") === 0; })
        .map(function (n) { return caches["delete"](n); }));
    }));
  }
});
