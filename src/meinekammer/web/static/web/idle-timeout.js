/*
 * The idle timeout's warning (WCAG 2.2.1 Timing Adjustable). The server logs a session out
 * after SESSION_IDLE_TIMEOUT seconds without activity (web/accounts/idle.py); this script only
 * warns before that and offers to stay signed in.
 *
 * Shortly before the time is up it asks the server how much time is left (that request is
 * no activity, so another tab's activity counts and this tab's waiting does not). When the
 * warning time is reached it opens the dialog (role="alertdialog", modal, focus on "Angemeldet
 * bleiben"; Escape also stays signed in). "Angemeldet bleiben" is a POST to the server (with
 * the CSRF token of the dialog's logout form); "Abmelden" sends that form. When the time is up
 * the server logs the session out and the script opens the login page (with `next`), where the
 * server's message says why.
 */
(function () {
  "use strict";

  var dialog = document.getElementById("mk-idle-dialog");
  if (!dialog || typeof dialog.showModal !== "function") {
    return;
  }
  var timeout = parseInt(dialog.getAttribute("data-timeout"), 10);
  var warning = parseInt(dialog.getAttribute("data-warning"), 10);
  var statusUrl = dialog.getAttribute("data-status-url");
  var extendUrl = dialog.getAttribute("data-extend-url");
  var loginUrl = dialog.getAttribute("data-login-url");
  var stay = document.getElementById("mk-idle-stay");
  var logoutForm = document.getElementById("mk-idle-logout");
  var tokenInput = logoutForm ? logoutForm.querySelector("input[name=csrfmiddlewaretoken]") : null;
  if (!(timeout > 0) || !(warning >= 0) || !statusUrl || !extendUrl || !loginUrl || !stay || !tokenInput) {
    return;
  }
  var timer = null;
  var returnFocus = null;

  function schedule(seconds) {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, Math.max(1, seconds) * 1000);
  }

  function expired() {
    // Logged out by the server (which left its message for the login page), or no answer:
    // the login page, back here afterwards; a page that needs no login would not say so.
    var here = window.location.pathname + window.location.search;
    window.location.assign(loginUrl + "?next=" + encodeURIComponent(here));
  }

  function open(remaining) {
    if (!dialog.open) {
      returnFocus = document.activeElement;
      dialog.showModal();
      stay.focus();
    }
    // Check again when the time is up (or another tab renewed it).
    schedule(remaining + 1);
  }

  function close() {
    if (dialog.open) {
      dialog.close();
    }
    if (returnFocus && typeof returnFocus.focus === "function") {
      returnFocus.focus();
    }
    returnFocus = null;
  }

  function check() {
    fetch(statusUrl, { credentials: "same-origin", cache: "no-store", redirect: "manual" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        var remaining = parseInt(data.remaining, 10);
        if (!(remaining > 0)) {
          expired();
        } else if (remaining > warning + 2) {
          close();
          schedule(remaining - warning);
        } else {
          open(remaining);
        }
      })
      .catch(expired);
  }

  function staySignedIn() {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", tokenInput.value);
    fetch(extendUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      redirect: "manual",
      headers: { "X-CSRFToken": tokenInput.value },
    })
      .then(function (response) {
        if (response.status !== 204) {
          throw new Error("status " + response.status);
        }
        close();
        schedule(timeout - warning);
      })
      .catch(expired);
  }

  // Tab and Shift+Tab go round the dialog's two buttons instead of leaving the page.
  dialog.addEventListener("keydown", function (event) {
    if (event.key !== "Tab") {
      return;
    }
    var buttons = dialog.querySelectorAll("button");
    var first = buttons[0];
    var last = buttons[buttons.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  });

  stay.addEventListener("click", staySignedIn);
  // Escape on the dialog: the simple way out is to stay signed in, not to lose the page.
  dialog.addEventListener("cancel", function (event) {
    event.preventDefault();
    staySignedIn();
  });
  schedule(timeout - warning);
})();
