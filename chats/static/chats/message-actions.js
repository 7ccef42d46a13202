// The small actions on a chat message: Copy puts the message's own text (Markdown for an
// answer) on the clipboard; Regenerate (the last answer) and Edit (any question) post to
// the chat's URLs and the new answer arrives over the page's socket as usual (an edited
// question starts a branch: chat.js drops what followed the old version). ‹ › switch to
// another version of a question: the page then shows that version's branch.
// Delegated from the document, so messages that arrive over the socket get them too; no
// inline script (CSP).
(function () {
  "use strict";

  function fallbackCopy(text) {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } finally { area.remove(); }
    return Promise.resolve();
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  const root = document.getElementById("chat");
  const list = document.getElementById("messages");

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function showError(text) {
    const box = document.getElementById("chat-alert");
    const place = document.getElementById("chat-alert-text");
    if (!box || !place) return;
    place.textContent = text;
    box.hidden = !text;
  }

  // Resolves to the response's JSON when it succeeded, else shows why and resolves to null.
  function post(url, data) {
    showError("");
    // URL-encoded, not multipart: an empty multipart body is refused (400) by Django.
    const body = new URLSearchParams(data || {});
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
    }).then(function (response) {
      if (response.ok) return response.json().catch(function () { return {}; });
      return response.json().then(function (json) { showError(json.error || ""); return null; },
                                  function () { showError(String(response.status)); return null; });
    }, function () { showError(String(root && root.dataset.lostText || "")); return null; });
  }

  // Every question can be edited and the last answer regenerated, not while an answer is
  // written (nor can a version be switched then).
  function refresh() {
    if (!list) return;
    const busy = root && root.dataset.streaming === "true";
    list.querySelectorAll("[data-regenerate]").forEach(function (b) { b.hidden = true; });
    list.querySelectorAll("[data-edit-message]").forEach(function (b) { b.hidden = busy; });
    list.querySelectorAll("[data-switch-version] button").forEach(function (b) {
      b.disabled = busy || !b.form.getAttribute("action");
    });
    if (busy) return;
    const answers = list.querySelectorAll('article[data-role="assistant"]');
    const answer = answers[answers.length - 1];
    if (!answer) return;
    const regenerate = answer.querySelector("[data-regenerate]");
    if (regenerate) regenerate.hidden = false;
  }

  function openEditor(button) {
    const article = button.closest("article.chat-message");
    if (article.querySelector("form.message-editor")) return;
    const source = article.querySelector("template.message-source");
    const form = document.createElement("form");
    form.className = "message-editor mt-2 flex flex-col items-end gap-2";
    const area = document.createElement("textarea");
    area.className = "textarea min-h-16 w-full";
    area.name = "content";
    area.maxLength = 20000;
    area.value = source ? source.content.textContent : "";
    const row = document.createElement("div");
    row.className = "flex gap-2";
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "btn";
    cancel.dataset.variant = "outline";
    cancel.dataset.size = "sm";
    cancel.textContent = button.dataset.cancelText;
    const save = document.createElement("button");
    save.type = "submit";
    save.className = "btn";
    save.dataset.size = "sm";
    save.textContent = button.dataset.saveText;
    row.append(cancel, save);
    form.append(area, row);
    button.closest(".message-actions").after(form);
    area.focus();
    cancel.addEventListener("click", function () { form.remove(); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!area.value.trim()) return;
      save.disabled = true;
      post(button.dataset.url, { content: area.value }).then(function (ok) {
        if (ok) form.remove(); else save.disabled = false;
      });
    });
    area.addEventListener("keydown", function (event) {
      if (event.key === "Escape") form.remove();
    });
  }

  if (list) new MutationObserver(refresh).observe(list, { childList: true });
  if (root) new MutationObserver(refresh).observe(root, { attributes: true, attributeFilter: ["data-streaming"] });
  refresh();

  // ‹ ›: switch versions, then show the chat from that version (a new page: the branch
  // can be of any length). Without the script the form posts and redirects the same way.
  document.addEventListener("submit", function (event) {
    const form = event.target.closest("form[data-switch-version]");
    if (!form) return;
    event.preventDefault();
    const url = form.getAttribute("action");
    if (!url) return;
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    post(url, {}).then(function (json) {
      if (json && json.url) window.location.assign(json.url);
      else refresh();
    });
  });

  document.addEventListener("click", function (event) {
    const regenerate = event.target.closest("[data-regenerate]");
    if (regenerate) {
      regenerate.disabled = true;
      post(regenerate.dataset.url, {}).then(function () { regenerate.disabled = false; });
      return;
    }
    const edit = event.target.closest("[data-edit-message]");
    if (edit) {
      openEditor(edit);
      return;
    }
    const button = event.target.closest("[data-copy-message]");
    if (!button) return;
    const article = button.closest("article.chat-message");
    const source = article && article.querySelector("template.message-source");
    if (!source) return;
    copy(source.content.textContent).then(function () {
      const label = button.querySelector("[data-label]");
      if (!label) return;
      const before = label.textContent;
      label.textContent = button.dataset.copiedText || before;
      button.dataset.copied = "true";
      setTimeout(function () { label.textContent = before; delete button.dataset.copied; }, 1500);
    });
  });
})();
