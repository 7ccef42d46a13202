// The chat page: one WebSocket to /ws/chats/<id>/ that receives rendered messages (new,
// or a newer state of one being written) and sends messages and Stop. Enter sends,
// Shift+Enter makes a new line. Reconnects by itself; the server always sends the whole
// message, so nothing is lost across a reconnect or a reload.
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

  function receive(event) {
    const data = JSON.parse(event.data);
    if (data.type === "message") {
      place(data);
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
