// "PDF herunterladen" on the chamber's letters page: the PDF (with the new activation
// passwords, which exist in clear only in this response) is saved, then the page is loaded
// again so that it shows the letters as printed. Without JavaScript the form posts as usual
// and the page says to reload it.
(function () {
  "use strict";

  function filenameOf(response) {
    var header = response.headers.get("Content-Disposition") || "";
    var match = /filename="([^"]+)"/.exec(header);
    return match ? match[1] : "aktivierungsbriefe.pdf";
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var byButton = submitter && submitter.hasAttribute("data-pdf-download");
    var byForm =
      form.hasAttribute("data-pdf-download") && !(submitter && submitter.hasAttribute("formaction"));
    if (!byButton && !byForm) {
      return;
    }
    var action = byButton ? submitter.getAttribute("formaction") : form.action;
    event.preventDefault();
    var body = new FormData(form);
    if (submitter && submitter.name) {
      body.append(submitter.name, submitter.value);
    }
    if (submitter) {
      submitter.disabled = true; // no second print (new passwords) by a double click
    }
    fetch(action, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("application/pdf") !== 0) {
          // Refused (a message on the page) or an error: show what the server says.
          window.location.assign(response.url || window.location.href);
          return null;
        }
        return response.blob().then(function (blob) {
          var link = document.createElement("a");
          link.href = URL.createObjectURL(blob);
          link.download = filenameOf(response);
          document.body.appendChild(link);
          link.click();
          link.remove();
          window.setTimeout(function () {
            URL.revokeObjectURL(link.href);
            window.location.reload();
          }, 500);
        });
      })
      .catch(function () {
        window.location.reload();
      });
  });
})();
