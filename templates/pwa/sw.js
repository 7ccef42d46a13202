{% autoescape off %}// Anamnesis service worker: the shell offline, Web Push with Done and Snooze.
// Pages are network-first and never stored (they hold health data); when the network is
// down a page request gets the offline page. Static assets are cache-first.
const VERSION = "{{ version }}";
const CACHE = "anamnesis-shell-" + VERSION;
const SHELL = {{ shell }};
const OFFLINE_URL = {{ offline_url }};
const STATIC_PREFIX = {{ static_prefix }};

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll([...SHELL, new Request(OFFLINE_URL, { credentials: "same-origin" })]))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(
        names.filter((name) => name.startsWith("anamnesis-") && name !== CACHE)
          .map((name) => caches.delete(name))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE_URL)));
    return;
  }
  if (url.pathname.startsWith(STATIC_PREFIX)) {
    event.respondWith(
      caches.match(request, { ignoreSearch: true }).then((cached) => cached || fetch(request))
    );
  }
});

self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) {
    message = { title: event.data ? event.data.text() : "Anamnesis" };
  }
  event.waitUntil(self.registration.showNotification(message.title || "Anamnesis", {
    body: message.body || "",
    tag: message.tag,
    icon: SHELL.find((path) => path.endsWith("icon-192.png")),
    badge: SHELL.find((path) => path.endsWith("icon-192.png")),
    actions: message.actions || [],
    data: { url: message.url || "/", actionUrl: message.action_url, token: message.token },
  }));
});

self.addEventListener("notificationclick", (event) => {
  const data = event.notification.data || {};
  event.notification.close();
  if (event.action && data.actionUrl && data.token) {
    event.waitUntil(fetch(data.actionUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: data.token, action: event.action }),
    }));
    return;
  }
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((client) => new URL(client.url).pathname === data.url);
      return open ? open.focus() : self.clients.openWindow(data.url || "/");
    })
  );
});
{% endautoescape %}
