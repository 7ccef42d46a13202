// Settings: the push toggle (asks permission, subscribes this browser) and the Copy button.
(function () {
  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4))
      .replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body),
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response;
    });
  }

  function setUpPush(card) {
    var toggle = card.querySelector("[data-push-toggle]");
    var status = card.querySelector("[data-push-status]");
    function say(kind) { status.textContent = status.dataset["text" + kind]; }

    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
      say("Unsupported");
      return;
    }
    navigator.serviceWorker.ready.then(function (registration) {
      return registration.pushManager.getSubscription().then(function (subscription) {
        if (subscription && !card.dataset.pushHere) {
          // Made here for an account that signed out or was switched away from: the
          // server has forgotten it, so this browser drops it too.
          return subscription.unsubscribe().then(function () { return null; }, function () { return null; });
        }
        return subscription;
      }).then(function (subscription) {
        toggle.checked = Boolean(subscription);
        toggle.disabled = Notification.permission === "denied" && !subscription;
        if (Notification.permission === "denied") say("Denied");
        else say(subscription ? "On" : "Off");

        toggle.addEventListener("change", function () {
          toggle.disabled = true;
          var change = toggle.checked ? subscribe(registration) : unsubscribe(registration);
          change.then(function (on) {
            toggle.checked = on;
            say(on ? "On" : (Notification.permission === "denied" ? "Denied" : "Off"));
          }).catch(function () {
            toggle.checked = !toggle.checked;
            say("Failed");
          }).then(function () {
            toggle.disabled = Notification.permission === "denied" && !toggle.checked;
          });
        });
      });
    });

    function subscribe(registration) {
      return Notification.requestPermission().then(function (permission) {
        if (permission !== "granted") return false;
        return registration.pushManager.subscribe({
          userVisibleOnly: true, applicationServerKey: keyBytes(card.dataset.publicKey),
        }).then(function (subscription) {
          return post(card.dataset.subscribeUrl, subscription.toJSON()).then(function () { return true; });
        });
      });
    }

    function unsubscribe(registration) {
      return registration.pushManager.getSubscription().then(function (subscription) {
        if (!subscription) return false;
        return post(card.dataset.unsubscribeUrl, { endpoint: subscription.endpoint })
          .then(function () { return subscription.unsubscribe(); })
          .then(function () { return false; });
      });
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var field = document.querySelector(button.dataset.copy);
    if (!field) return;
    field.select();
    var done = function () {
      var label = button.querySelector("span");
      if (label) label.textContent = button.dataset.copiedText;
    };
    if (navigator.clipboard) navigator.clipboard.writeText(field.value).then(done, function () {
      document.execCommand("copy"); done();
    });
    else { document.execCommand("copy"); done(); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var card = document.querySelector("[data-push]");
    if (card) setUpPush(card);
  });
})();
