// Shell behaviour: theme choice, the sidebar on small screens, CSRF for htmx.
(function () {
  var media = window.matchMedia("(prefers-color-scheme: dark)");

  function applyTheme(pref) {
    var dark = pref === "dark" || (pref === "system" && media.matches);
    document.documentElement.classList.toggle("dark", dark);
    document.documentElement.dataset.themePref = pref;
    document.querySelectorAll("[data-set-theme]").forEach(function (item) {
      item.setAttribute("aria-checked", String(item.dataset.setTheme === pref));
    });
  }

  document.addEventListener("click", function (event) {
    var themeItem = event.target.closest("[data-set-theme]");
    if (themeItem) {
      localStorage.setItem("theme", themeItem.dataset.setTheme);
      applyTheme(themeItem.dataset.setTheme);
    }
    var toggle = event.target.closest("[data-sidebar-toggle]");
    if (toggle) {
      var sidebar = document.querySelector(".sidebar");
      if (sidebar && sidebar.toggle) sidebar.toggle();
    }
  });

  media.addEventListener("change", function () {
    applyTheme(localStorage.getItem("theme") || "system");
  });

  document.addEventListener("DOMContentLoaded", function () {
    applyTheme(localStorage.getItem("theme") || "system");
  });

  document.addEventListener("htmx:configRequest", function (event) {
    var token = document.querySelector('meta[name="csrf-token"]');
    if (token) event.detail.headers["X-CSRFToken"] = token.content;
  });
})();
