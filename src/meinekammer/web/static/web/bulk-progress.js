// "Mehrere Personen einladen": the progress bar of a batch being sent follows the job. The page
// works without it (the link "Seite neu laden"); when the batch is done the page is loaded
// again to show the result list.
(function () {
  "use strict";

  var box = document.querySelector("[data-progress-url]");
  if (!box) {
    return;
  }
  var bar = box.querySelector("progress");
  var text = box.querySelector("[role=status]");
  var template = box.getAttribute("data-progress-text");
  var url = box.getAttribute("data-progress-url");

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (state) {
        if (!state) {
          return;
        }
        bar.max = Math.max(state.total, 1);
        bar.value = state.done;
        var words = template.replace("{done}", state.done).replace("{total}", state.total);
        if (text.textContent !== words) {
          text.textContent = words;
        }
        if (state.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1500);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 1000);
})();
