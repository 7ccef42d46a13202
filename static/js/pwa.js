// Registers the service worker (scope: the whole site) and shows when the network is gone.
(function () {
  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
    });
  }

  function showNetworkState() {
    var banner = document.getElementById("offline-banner");
    if (banner) banner.hidden = navigator.onLine;
  }

  // A shared device: signing out or changing the account here ends this browser's push
  // subscription and closes the notifications it shows (the server deletes its copy and
  // their buttons stop acting), so the next person does not get the last one's reminders.
  // The sign-out and account-switcher forms (the switcher's revoke changes no account).
  var ACCOUNT_CHANGE = /^\/accounts\/(logout\/|switch\/(?!revoke\/))/;

  function dropPush() {
    if (!("serviceWorker" in navigator)) return Promise.resolve();
    return navigator.serviceWorker.getRegistration("/").then(function (registration) {
      if (!registration || !registration.pushManager) return null;
      if (registration.getNotifications) {
        registration.getNotifications().then(function (shown) {
          shown.forEach(function (notification) { notification.close(); });
        });
      }
      return registration.pushManager.getSubscription().then(function (subscription) {
        return subscription ? subscription.unsubscribe() : null;
      });
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || (form.method || "").toLowerCase() !== "post") return;
    if (!ACCOUNT_CHANGE.test(new URL(form.action, window.location.href).pathname)) return;
    event.preventDefault();
    var go = function () { HTMLFormElement.prototype.submit.call(form); };
    var late = new Promise(function (resolve) { window.setTimeout(resolve, 1500); });
    Promise.race([dropPush(), late]).then(go, go);
  });

  window.addEventListener("online", showNetworkState);
  window.addEventListener("offline", showNetworkState);
  document.addEventListener("DOMContentLoaded", showNetworkState);
})();
