// Sharing pages: copy the address of a new link; print the shared page (always in the
// light theme: paper is white, whatever the screen shows).
(function () {
  var root = document.documentElement;
  var wasDark = false;
  window.addEventListener("beforeprint", function () {
    wasDark = root.classList.contains("dark");
    root.classList.remove("dark");
  });
  window.addEventListener("afterprint", function () {
    if (wasDark) root.classList.add("dark");
  });

  document.addEventListener("click", function (event) {
    var copy = event.target.closest("[data-share-copy]");
    if (copy) {
      var field = document.querySelector(copy.getAttribute("data-share-copy"));
      if (!field) return;
      field.select();
      var done = function () {
        var label = copy.querySelector("span");
        if (label) label.textContent = copy.getAttribute("data-copied-text");
      };
      if (navigator.clipboard) navigator.clipboard.writeText(field.value).then(done, done);
      else { document.execCommand("copy"); done(); }
      return;
    }
    if (event.target.closest("[data-share-print]")) window.print();
  });
})();
