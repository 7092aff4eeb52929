// Minhu's offline queue for the grid worker's phone pages. Written for this project.
//
// A saved form becomes an item in IndexedDB ("minhu-offline", store "items") with its
// idempotency key (client_key = crypto.randomUUID(), made when the form is saved) and stays
// there until the server has answered it:
//   2xx            -> synced: removed (the server keeps the first copy of a key, so a repeat
//                     after a lost answer gets 200 with the same body and makes nothing new);
//   network error,
//   5xx            -> kept, retried with backoff (1 s, 2 s, 4 s ... at most 60 s) and whenever
//                     the browser says it is online again;
//   401 / login    -> kept, waits for the worker to log in again;
//   other 4xx      -> kept as "rejected" with the server's message, shown to the worker and
//                     never retried unless the worker asks.
// One sync runs at a time per browser (Web Locks where the browser has them).
(function () {
  "use strict";
  var DB = "minhu-offline", STORE = "items";
  var listeners = [];
  var timer = null;
  var state = { syncing: false, offline: false, login: false };

  function open() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB, 1);
      req.onupgradeneeded = function () {
        var db = req.result;
        if (!db.objectStoreNames.contains(STORE)) {
          db.createObjectStore(STORE, { keyPath: "client_key" }).createIndex("saved_at", "saved_at");
        }
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function tx(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var result = work(t.objectStore(STORE));
        t.oncomplete = function () { db.close(); resolve(result && result.result !== undefined ? result.result : result); };
        t.onerror = function () { db.close(); reject(t.error); };
        t.onabort = function () { db.close(); reject(t.error); };
      });
    });
  }

  function all() {
    return tx("readonly", function (s) { return s.index("saved_at").getAll(); });
  }
  function put(item) { return tx("readwrite", function (s) { s.put(item); }); }
  function remove(key) { return tx("readwrite", function (s) { s["delete"](key); }); }

  function notify() {
    return all().then(function (items) {
      listeners.forEach(function (f) { f(items, state); });
      return items;
    });
  }

  // Saves a form's record: `body` gets its client_key here, once, so every retry of this
  // item carries the same key.
  function save(kind, url, body) {
    var key = crypto.randomUUID();
    body.client_key = key;
    var item = {
      client_key: key, kind: kind, url: url, body: body,
      saved_at: Date.now(), state: "pending", attempts: 0, next_try_at: 0, error: null
    };
    return put(item).then(function () { notify(); sync(); return item; });
  }

  // A fresh CSRF token for this sync: the cookie may have changed since the page was cached.
  function token() {
    return fetch("/grid/csrf", { credentials: "same-origin", cache: "no-store" }).then(function (r) {
      if (r.status === 401 || r.redirected) { throw { login: true }; }
      if (!r.ok) { throw { transient: true }; }
      return r.json();
    }).then(function (j) { return j.csrf; });
  }

  function backoff(item) {
    item.attempts += 1;
    var wait = Math.min(60000, 1000 * Math.pow(2, item.attempts - 1));
    item.next_try_at = Date.now() + wait;
    return wait;
  }

  function later(ms) {
    clearTimeout(timer);
    timer = setTimeout(sync, ms);
  }

  // Sends one item; resolves to "done", "rejected", "login" or "retry".
  function send(item, csrf) {
    return fetch(item.url, {
      method: "POST", credentials: "same-origin", cache: "no-store", redirect: "follow",
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify(item.body)
    }).then(function (r) {
      if (r.ok && !r.redirected) { return remove(item.client_key).then(function () { return "done"; }); }
      if (r.status === 401 || r.redirected) { return "login"; }
      if (r.status >= 500) { backoff(item); return put(item).then(function () { return "retry"; }); }
      return r.json().catch(function () { return {}; }).then(function (j) {
        var e = (j && j.error) || {};
        item.state = "rejected";
        item.error = { status: r.status, code: e.code || "", message: e.message || String(r.status), field: e.field || null };
        return put(item).then(function () { return "rejected"; });
      });
    }, function () {
      backoff(item);
      return put(item).then(function () { return "retry"; });
    });
  }

  function run() {
    return all().then(function (items) {
      var due = items.filter(function (i) { return i.state === "pending"; });
      if (due.length === 0) { state.offline = false; return; }
      state.syncing = true;
      notify();
      return token().then(function (csrf) {
        state.login = false;
        var next = 0, wait = null;
        var step = function () {
          if (next >= due.length) { return; }
          var item = due[next++];
          return send(item, csrf).then(function (outcome) {
            if (outcome === "login") { state.login = true; return; }
            if (outcome === "retry") { state.offline = true; wait = item.next_try_at - Date.now(); return; }
            state.offline = false;
            return step();
          });
        };
        return Promise.resolve(step()).then(function () { if (wait !== null) { later(Math.max(wait, 500)); } });
      }, function (e) {
        if (e && e.login) { state.login = true; return; }
        state.offline = true;
        var first = due[0];
        backoff(first);
        return put(first).then(function () { later(first.next_try_at - Date.now()); });
      });
    }).then(function () { state.syncing = false; return notify(); },
            function () { state.syncing = false; return notify(); });
  }

  // Syncs what is pending: one sync at a time in this browser.
  function sync() {
    if (navigator.locks && navigator.locks.request) {
      return navigator.locks.request("minhu-offline-sync", run);
    }
    if (state.syncing) { return Promise.resolve(); }
    return run();
  }

  // The worker asks again for a rejected item: it goes back to pending, same key.
  function retry(key) {
    return all().then(function (items) {
      var item = items.filter(function (i) { return i.client_key === key; })[0];
      if (!item) { return; }
      item.state = "pending"; item.error = null; item.attempts = 0; item.next_try_at = 0;
      return put(item).then(sync);
    });
  }

  window.addEventListener("online", function () {
    all().then(function (items) {
      var reset = items.filter(function (i) { return i.state === "pending"; });
      return Promise.all(reset.map(function (i) { i.attempts = 0; i.next_try_at = 0; return put(i); }));
    }).then(sync);
  });
  window.addEventListener("offline", function () { state.offline = true; notify(); });

  window.MinhuQueue = {
    save: save, sync: sync, all: all, put: put, remove: remove, retry: retry,
    onchange: function (f) { listeners.push(f); notify(); },
    state: state
  };
})();
