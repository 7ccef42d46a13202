// The chat page: one WebSocket to /ws/chats/<id>/ that receives rendered messages (new,
// at a block boundary, or final) and, while an answer is written, deltas — the new text
// of one part, appended as plain text to that part's live element — and sends messages
// and Stop. Enter sends, Shift+Enter makes a new line. Reconnects by itself; a delta says
// where it starts, so a page that missed some text (a reload, a reconnect) asks for the
// answer as saved and replays what it holds on top; the final message replaces it all.
(function () {
  "use strict";
  const root = document.getElementById("chat");
  if (!root) return;
  const list = document.getElementById("messages");
  const form = document.getElementById("composer");
  const textarea = form && form.querySelector("textarea[name=content]");
  const stopButton = document.getElementById("stop-button");
  const sendButton = document.getElementById("send-button");
  const alertBox = document.getElementById("chat-alert");
  const alertText = document.getElementById("chat-alert-text");
  const status = document.getElementById("composer-status");
  let socket = null;
  let retry = 500;
  let queued = null;
  let sendWhenOpen = false;
  // Deltas of the answers being written, by message id: replayed over any newer render.
  const deltas = {};
  const gaps = {}; // deltas that came before the text they follow
  let syncTimer = null;
  let lastSync = 0;

  function nearBottom() {
    return window.innerHeight + window.scrollY >= document.body.scrollHeight - 160;
  }

  function scrollDown() {
    window.scrollTo({ top: document.body.scrollHeight });
  }

  function setStreaming(streaming) {
    root.dataset.streaming = streaming ? "true" : "false";
    if (stopButton) stopButton.hidden = !streaming;
    if (sendButton) sendButton.disabled = streaming;
  }

  function showError(text) {
    if (!alertBox) return;
    alertText.textContent = text;
    alertBox.hidden = !text;
  }

  function place(data) {
    const follow = nearBottom();
    const template = document.createElement("template");
    template.innerHTML = data.html.trim();
    const element = template.content.firstElementChild;
    const existing = document.getElementById("m-" + data.id);
    if (existing) {
      // Keep a tool card the reader opened open while the message updates.
      existing.querySelectorAll("details[open]").forEach(function (open, index) {
        const twin = element.querySelectorAll("details")[index];
        if (twin) twin.open = true;
      });
      existing.replaceWith(element);
    } else if (data.snapshot) {
      return; // the latest answer is not on this page (an earlier page of the chat)
    } else {
      list.appendChild(element);
      const empty = document.getElementById("chat-empty");
      if (empty) empty.remove();
    }
    // Confirm / Cancel / Undo on the cards are htmx forms: wire up what just arrived.
    if (window.htmx) window.htmx.process(element);
    if (follow) scrollDown();
  }

  function requestSync() {
    // At most one request in flight or per 700 ms: the saved answer lags by up to 0.5 s.
    if (syncTimer !== null) return;
    const wait = Math.max(0, lastSync + 700 - Date.now());
    syncTimer = setTimeout(function () {
      syncTimer = null;
      lastSync = Date.now();
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ action: "sync" }));
      }
    }, wait);
  }

  function partElement(message, delta) {
    const existing = message.querySelector('[data-part="' + delta.part + '"]');
    if (existing || delta.offset !== 0 || message.dataset.status !== "streaming") return existing;
    // A new text part (after a tool call): its element starts empty.
    const parts = message.querySelector("[data-parts]");
    if (!parts) return null;
    const live = document.createElement("div");
    live.className = "prose-chat whitespace-pre-wrap break-words";
    live.dataset.part = String(delta.part);
    live.dataset.live = "true";
    live.dataset.length = "0";
    parts.insertBefore(live, parts.querySelector(".typing"));
    return live;
  }

  // Appends the part of a delta the element does not hold yet; false if text before it
  // is missing. Offsets count characters (code points), as the server does.
  function applyDelta(message, delta) {
    const live = partElement(message, delta);
    if (!live) return false;
    if (live.dataset.live !== "true") return true; // that part is finished and rendered
    const have = Number(live.dataset.length || 0);
    if (delta.offset > have) return false;
    const fresh = Array.from(delta.text).slice(have - delta.offset);
    if (fresh.length) {
      live.appendChild(document.createTextNode(fresh.join("")));
      live.dataset.length = String(have + fresh.length);
    }
    return true;
  }

  function receiveDelta(data) {
    const message = document.getElementById("m-" + data.id);
    if (!message) return; // not on this page
    (deltas[data.id] = deltas[data.id] || []).push(data);
    const follow = nearBottom();
    if (!applyDelta(message, data)) {
      (gaps[data.id] = gaps[data.id] || []).push(data);
      requestSync();
      return;
    }
    // Frames can arrive out of order (a Redis channel layer): a held delta may fit now.
    let held = gaps[data.id] || [];
    let progress = true;
    while (held.length && progress) {
      const before = held.length;
      held = held.filter(function (delta) { return !applyDelta(message, delta); });
      progress = held.length < before;
    }
    gaps[data.id] = held;
    if (follow) scrollDown();
  }

  function replayDeltas(data) {
    const held = deltas[data.id];
    if (!held) return;
    delete gaps[data.id];
    if (data.status !== "streaming") {
      delete deltas[data.id];
      return;
    }
    const message = document.getElementById("m-" + data.id);
    if (!message) return;
    let complete = true;
    held.forEach(function (delta) {
      complete = applyDelta(message, delta) && complete;
    });
    if (!complete) requestSync();
  }

  function receive(event) {
    const data = JSON.parse(event.data);
    if (data.type === "delta") {
      receiveDelta(data);
      return;
    }
    if (data.type === "message") {
      place(data);
      replayDeltas(data);
      const last = list.lastElementChild;
      setStreaming(!!last && last.dataset.status === "streaming");
      if (data.title) {
        const title = document.getElementById("chat-title");
        if (title) title.textContent = data.title;
        document.title = data.title + " · Anamnesis";
      }
    } else if (data.type === "error") {
      showError(data.message);
      if (queued !== null && textarea && !textarea.value) textarea.value = queued;
    }
    queued = null;
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.dataset.wsUrl);
    socket.addEventListener("open", function () {
      retry = 500;
      if (status) status.textContent = "";
      if (sendWhenOpen) {
        sendWhenOpen = false;
        send();
      }
    });
    socket.addEventListener("message", receive);
    socket.addEventListener("close", function (event) {
      if (event.code === 4404) return; // not this user's chat: do not insist
      if (status) status.textContent = root.dataset.lostText;
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 8000);
    });
  }

  function send() {
    const content = textarea.value.trim();
    if (!content || root.dataset.streaming === "true") return;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      // Still connecting (or reconnecting): the message stays in the box and goes out
      // as soon as the socket opens.
      sendWhenOpen = true;
      return;
    }
    showError("");
    queued = content;
    socket.send(JSON.stringify({ action: "send", content: content }));
    textarea.value = "";
    scrollDown();
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send();
    });
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        send();
      }
    });
  }
  if (stopButton) {
    stopButton.addEventListener("click", function () {
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ action: "stop" }));
      }
    });
  }

  setStreaming(root.dataset.streaming === "true");
  scrollDown();
  connect();
  if (textarea) textarea.focus();
})();
