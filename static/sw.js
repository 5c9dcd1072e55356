// Ship Captain Crew service worker: keeps the crew's last dashboard and trip pages
// readable offline, and the site's own hashed assets. It caches nothing else: never
// the patron pages, the manifest, the admin pages or any API answer (personal data).
"use strict";

var PAGES = "scc-pages-v1";
var ASSETS = "scc-assets-v1";
var CACHED_PAGE = /^\/dispatch(\/events\/[A-Za-z0-9-]+)?\/?$/;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

function stamp(response) {
  // Remember when the copy was made, to say "offline — as of 10:42".
  return response.clone().text().then(function (body) {
    var headers = new Headers(response.headers);
    headers.set("X-SCC-Cached-At", new Date().toISOString());
    return new Response(body, { status: 200, headers: headers });
  });
}

function offlineCopy(request) {
  return caches.open(PAGES).then(function (cache) {
    return cache.match(request.url, { ignoreVary: true });
  }).then(function (cached) {
    if (!cached) {
      return new Response(
        "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
        "<title>Offline</title><p>You are offline and this page was not opened on this " +
        "phone before. Go back to the dashboard.</p><p><a href='/dispatch'>Dashboard</a></p>",
        { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
    }
    var at = new Date(cached.headers.get("X-SCC-Cached-At") || Date.now());
    var time = at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    return cached.text().then(function (body) {
      var banner = "<p class=\"offline-banner\" role=\"status\">Offline — as of " + time +
        ". Payments you log now are saved on this phone and sent when back online.</p>";
      body = body.replace("<main id=\"main\" tabindex=\"-1\">", "<main id=\"main\" tabindex=\"-1\">" + banner);
      return new Response(body, { status: 200, headers: { "Content-Type": "text/html; charset=utf-8" } });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/static/") === 0 && /\.[0-9a-f]{12}\./.test(url.pathname)) {
    // Hashed assets never change: cache first.
    event.respondWith(caches.open(ASSETS).then(function (cache) {
      return cache.match(request).then(function (hit) {
        return hit || fetch(request).then(function (response) {
          if (response.ok) { cache.put(request, response.clone()); }
          return response;
        });
      });
    }));
    return;
  }
  if (request.mode === "navigate" && CACHED_PAGE.test(url.pathname)) {
    // Network first; keep a copy of what was shown; fall back to it offline.
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = stamp(response);
        event.waitUntil(copy.then(function (stamped) {
          return caches.open(PAGES).then(function (cache) { return cache.put(url.href, stamped); });
        }));
      }
      return response;
    }).catch(function () { return offlineCopy(request); }));
  }
});

self.addEventListener("message", function (event) {
  if (event.data === "forget-pages") { event.waitUntil(caches.delete(PAGES)); }
});
