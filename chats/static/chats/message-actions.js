// The small actions on a chat message: Copy puts the message's own text (Markdown for an
// answer) on the clipboard; Regenerate (the last answer) and Edit (the last question)
// post to the chat's URLs and the new answer arrives over the page's socket as usual.
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

  function post(url, data) {
    showError("");
    // URL-encoded, not multipart: an empty multipart body is refused (400) by Django.
    const body = new URLSearchParams(data || {});
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
    }).then(function (response) {
      if (response.ok) return true;
      return response.json().then(function (json) { showError(json.error || ""); return false; },
                                  function () { showError(String(response.status)); return false; });
    });
  }

  // Only the last exchange can be regenerated or edited, and not while an answer is written.
  function refresh() {
    if (!list) return;
    const busy = root && root.dataset.streaming === "true";
    list.querySelectorAll("[data-regenerate], [data-edit-message]").forEach(function (b) { b.hidden = true; });
    if (busy) return;
    const answers = list.querySelectorAll('article[data-role="assistant"]');
    const answer = answers[answers.length - 1];
    if (!answer) return;
    const regenerate = answer.querySelector("[data-regenerate]");
    if (regenerate) regenerate.hidden = false;
    let question = answer.previousElementSibling;
    while (question && question.dataset.role !== "user") question = question.previousElementSibling;
    const edit = question && question.querySelector("[data-edit-message]");
    if (edit) edit.hidden = false;
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
  }

  if (list) new MutationObserver(refresh).observe(list, { childList: true });
  if (root) new MutationObserver(refresh).observe(root, { attributes: true, attributeFilter: ["data-streaming"] });
  refresh();

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
