// Applies the saved theme before the first paint: "light", "dark" or "system".
(function () {
  var pref = localStorage.getItem("theme") || "system";
  var dark = pref === "dark" ||
    (pref === "system" && window.matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.classList.toggle("dark", dark);
  document.documentElement.dataset.themePref = pref;
})();
