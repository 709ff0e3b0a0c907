/* Import job page: poll the job's progress document while it is pending or running, then reload. */
(function () {
  "use strict";
  var box = document.querySelector("[data-import-progress-url]");
  if (!box) {
    return;
  }
  var url = box.getAttribute("data-import-progress-url");
  var track = box.querySelector("[role=progressbar]");
  var bar = box.querySelector("[data-import-progress-bar]");
  var label = box.querySelector("[data-import-progress-label]");

  function show(state) {
    bar.style.width = state.percent + "%";
    track.setAttribute("aria-valuenow", String(state.percent));
    label.textContent = state.label;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (state) {
        show(state);
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

  window.setTimeout(poll, 800);
})();
