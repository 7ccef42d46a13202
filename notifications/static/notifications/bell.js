// The header bell, live: unread count and a short toast for each new notification,
// over /ws/notifications/ (reconnects with backoff; the server sends unread ones on connect).
(function () {
  var bell = document.getElementById("bell");
  if (!bell || !window.WebSocket) return;
  var badge = bell.querySelector(".bell-badge");
  var seen = null; // ids already shown; null until the first message
  var delay = 1000;
  var region;

  function toastRegion() {
    if (!region) {
      region = document.createElement("div");
      region.className = "notification-toasts fixed bottom-4 right-4 z-50 grid w-80 max-w-[calc(100vw-2rem)] gap-2";
      region.setAttribute("role", "status");
      region.setAttribute("aria-live", "polite");
      document.body.appendChild(region);
    }
    return region;
  }

  function toast(item) {
    var link = document.createElement("a");
    link.className = "notification-toast alert bg-background shadow-lg";
    link.href = bell.getAttribute("href");
    var title = document.createElement("h2");
    title.textContent = item.title;
    link.appendChild(title);
    if (item.body) {
      var body = document.createElement("section");
      body.textContent = item.body;
      link.appendChild(body);
    }
    toastRegion().appendChild(link);
    setTimeout(function () { link.remove(); }, 8000);
  }

  var notice = null;
  function pausedNotice(text) {
    // Redis is down: the server says so (in the user's language) and closes; we retry.
    if (!text) {
      if (notice) { notice.remove(); notice = null; }
      return;
    }
    if (!notice) {
      notice = document.createElement("p");
      notice.className = "live-paused alert bg-background shadow-lg text-sm";
      toastRegion().appendChild(notice);
    }
    notice.textContent = text;
  }

  function show(state) {
    pausedNotice(state.paused);
    var count = state.unread || 0;
    bell.dataset.unreadCount = String(count);
    if (badge) {
      badge.textContent = count > 99 ? "99+" : String(count);
      badge.hidden = count === 0;
    }
    var label = bell.getAttribute("aria-label");
    if (label) bell.setAttribute("aria-label", label.replace(/\d+/, String(count)));
    var first = seen === null;
    seen = seen || {};
    (state.notifications || []).forEach(function (item) {
      if (!seen[item.id] && !first) toast(item);
      seen[item.id] = true;
    });
    document.dispatchEvent(new CustomEvent("notifications:changed", { detail: state }));
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/ws/notifications/");
    socket.onopen = function () { delay = 1000; bell.dataset.live = "true"; };
    socket.onmessage = function (event) {
      try { show(JSON.parse(event.data)); } catch (error) { /* ignore a malformed frame */ }
    };
    socket.onclose = function (event) {
      delete bell.dataset.live;
      if (event.code === 4401) return; // signed out
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }

  connect();
})();
