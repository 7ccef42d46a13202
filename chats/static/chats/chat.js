// The chat page: one WebSocket to /ws/chats/<id>/ that receives rendered messages (new,
// at a block boundary, or final) and, while an answer is written, deltas — the new text
// of one part, appended as plain text to that part's live element — and sends messages
// and Stop. Enter sends, Shift+Enter makes a new line. Reconnects by itself; a delta says
// where it starts, so a page that missed some text (a reload, a reconnect) asks for the
// answer as saved and replays what it holds on top; the final message replaces it all.
// An edited question starts a branch: it comes with `after`, the message it follows ("" for
// the chat's start), and what the page showed after that message goes first.
// Files chosen with Attach (or dropped or pasted on the form) show as chips; on send they
// are uploaded over HTTP first (they become documents) and the message carries their ids.
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
  const fileInput = document.getElementById("composer-files-input");
  const attachButton = document.getElementById("attach-button");
  const chipList = document.getElementById("composer-files");
  const chipTemplate = document.getElementById("composer-file");
  // Chosen files: {file, name, id (once uploaded), chip}.
  let chosen = [];
  let uploading = false;
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
    if (sendButton) sendButton.disabled = streaming || uploading;
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
      if (typeof data.after === "string") dropAfter(data.after);
      list.appendChild(element);
      const empty = document.getElementById("chat-empty");
      if (empty) empty.remove();
    }
    // Confirm / Cancel / Undo on the cards are htmx forms: wire up what just arrived.
    if (window.htmx) window.htmx.process(element);
    if (follow) scrollDown();
  }

  // The messages shown after `id` (all of them when it is not on this page) leave it.
  function dropAfter(id) {
    const anchor = id ? document.getElementById("m-" + id) : null;
    if (anchor && anchor.parentNode === list) {
      while (anchor.nextElementSibling) anchor.nextElementSibling.remove();
    } else {
      list.replaceChildren();
    }
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
      if (queued !== null && textarea && !textarea.value && !chosen.length) {
        textarea.value = queued.content;
        queued.files.forEach(function (item) { addChip(item); });
      }
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

  // --- Attached files ---------------------------------------------------------------

  function setStatus(text) {
    if (status) status.textContent = text;
  }

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function addChip(item) {
    const chip = chipTemplate.content.firstElementChild.cloneNode(true);
    chip.querySelector("[data-name]").textContent = item.name;
    chip.title = item.name;
    const remove = chip.querySelector("[data-remove]");
    remove.setAttribute("aria-label", remove.dataset.label.replace("%(name)s", item.name));
    remove.title = remove.getAttribute("aria-label");
    remove.addEventListener("click", function () {
      if (uploading) return;
      const index = chosen.indexOf(item);
      chosen.splice(index, 1);
      chip.remove();
      chipList.hidden = !chosen.length;
      // Focus stays in the list (the next chip's remove button) or goes back to Attach.
      const next = chosen[index] || chosen[index - 1];
      (next ? next.chip.querySelector("[data-remove]") : attachButton).focus();
    });
    item.chip = chip;
    chosen.push(item);
    chipList.appendChild(chip);
    chipList.hidden = false;
  }

  function addFiles(files) {
    const max = Number(form.dataset.maxFiles || 10);
    Array.from(files).forEach(function (file) {
      const twin = chosen.some(function (item) {
        return item.file && item.file.name === file.name && item.file.size === file.size;
      });
      if (twin) return;
      if (chosen.length >= max) {
        showError(form.dataset.tooManyText);
        return;
      }
      addChip({ file: file, name: file.name, id: null });
    });
  }

  function setBusy(item, busy) {
    item.chip.dataset.state = busy ? "uploading" : (item.id ? "uploaded" : "chosen");
    item.chip.querySelector('[data-icon="file"]').hidden = busy;
    item.chip.querySelector('[data-icon="busy"]').hidden = !busy;
  }

  // Uploads the chosen files not uploaded yet; true when every file is now a document.
  // A refused file leaves the list and the alert says why; the others stay uploaded.
  async function upload() {
    const waiting = chosen.filter(function (item) { return !item.id; });
    if (!waiting.length) return true;
    const body = new FormData();
    waiting.forEach(function (item) {
      body.append("files", item.file, item.name);
      setBusy(item, true);
    });
    uploading = true;
    if (sendButton) sendButton.disabled = true;
    setStatus(form.dataset.uploadingText.replace("%(names)s", waiting.map(function (item) {
      return item.name;
    }).join(", ")));
    let data = null;
    try {
      const response = await fetch(form.dataset.attachUrl, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
      });
      data = await response.json();
    } catch (error) {
      data = null;
    } finally {
      uploading = false;
      setStatus("");
      setStreaming(root.dataset.streaming === "true");
    }
    if (!data || !Array.isArray(data.files)) {
      waiting.forEach(function (item) { setBusy(item, false); });
      showError((data && data.error) || form.dataset.uploadFailedText);
      return false;
    }
    waiting.forEach(function (item, index) {
      const result = data.files[index] || {};
      if (result.id) {
        item.id = result.id;
        setBusy(item, false);
      } else {
        chosen.splice(chosen.indexOf(item), 1);
        item.chip.remove();
      }
    });
    chipList.hidden = !chosen.length;
    if (data.error) {
      showError(data.error);
      return false;
    }
    return true;
  }

  function clearChips() {
    chosen = [];
    chipList.replaceChildren();
    chipList.hidden = true;
  }

  async function send() {
    const content = textarea.value.trim();
    if ((!content && !chosen.length) || root.dataset.streaming === "true" || uploading) return;
    if (chosen.some(function (item) { return !item.id; })) {
      showError("");
      if (!(await upload())) return;
    }
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      // Still connecting (or reconnecting): the message stays in the box and goes out
      // as soon as the socket opens.
      sendWhenOpen = true;
      return;
    }
    showError("");
    const files = chosen.slice();
    queued = { content: content, files: files };
    const message = { action: "send", content: content };
    if (files.length) {
      message.attachments = files.map(function (item) { return item.id; });
    }
    socket.send(JSON.stringify(message));
    textarea.value = "";
    clearChips();
    scrollDown();
  }

  if (form && fileInput && attachButton) {
    attachButton.addEventListener("click", function () { fileInput.click(); });
    fileInput.addEventListener("change", function () {
      addFiles(fileInput.files);
      fileInput.value = ""; // the same file can be chosen again after it is removed
    });
    form.addEventListener("dragover", function (event) {
      if (event.dataTransfer && Array.from(event.dataTransfer.types).includes("Files")) {
        event.preventDefault();
      }
    });
    form.addEventListener("drop", function (event) {
      if (event.dataTransfer && event.dataTransfer.files.length) {
        event.preventDefault();
        addFiles(event.dataTransfer.files);
      }
    });
    textarea.addEventListener("paste", function (event) {
      const files = event.clipboardData && event.clipboardData.files;
      if (files && files.length) {
        event.preventDefault();
        addFiles(files);
      }
    });
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
