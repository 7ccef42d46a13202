// The small actions on a chat message: Copy puts the message's own text (Markdown for an
// answer) on the clipboard. Delegated from the document, so messages that arrive over
// the socket get it too; no inline script (CSP).
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

  document.addEventListener("click", function (event) {
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
