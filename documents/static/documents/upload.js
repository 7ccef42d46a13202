// Drag and drop onto the upload card: dropped files go into the form's file input.
(function () {
  function describe(form, input) {
    var out = form.querySelector("[data-chosen-files]");
    if (!out) return;
    var names = Array.prototype.map.call(input.files, function (file) { return file.name; });
    out.textContent = names.join(", ");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-upload-form]");
    if (!form) return;
    var zone = form.querySelector("[data-drop-zone]");
    var input = form.querySelector('input[type="file"]');
    input.addEventListener("change", function () { describe(form, input); });
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("bg-muted/40");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("bg-muted/40"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (!event.dataTransfer || !event.dataTransfer.files.length) return;
      input.files = event.dataTransfer.files;
      describe(form, input);
      form.requestSubmit();
    });
  });
})();
