/* WalkRx portal: small progressive enhancements over server-rendered pages.
 * Every form works without this file; htmx (vendor/htmx.min.js) submits forms marked
 * hx-boost in the background so a failed request keeps the form, the answers and the same
 * idempotency key, and a second tap on Save cannot log the walk twice.
 */
(function () {
  "use strict";

  var NETWORK_MESSAGE = "Couldn't reach WalkRx — check your connection and tap Save again.";
  var SERVER_MESSAGE =
    "Something went wrong on our side. Your answers are still here — tap Save again.";

  function errorBox(elt) {
    var form = elt && elt.closest ? elt.closest("form") : null;
    return form ? form.querySelector("[data-network-error]") : null;
  }

  function showError(evt, message) {
    var box = errorBox(evt.detail.elt);
    if (!box) return;
    box.hidden = false;
    // Set the text after unhiding so screen readers announce the alert.
    box.textContent = message;
  }

  document.addEventListener("htmx:beforeRequest", function (evt) {
    var box = errorBox(evt.detail.elt);
    if (box) {
      box.hidden = true;
      box.textContent = "";
    }
  });
  document.addEventListener("htmx:sendError", function (evt) {
    showError(evt, NETWORK_MESSAGE);
  });
  document.addEventListener("htmx:timeout", function (evt) {
    showError(evt, NETWORK_MESSAGE);
  });
  document.addEventListener("htmx:responseError", function (evt) {
    showError(evt, SERVER_MESSAGE);
  });

  // After a form swaps in a new page, move focus as a full page load would: to the error
  // summary when there is one, otherwise to the main content.
  document.addEventListener("htmx:afterSettle", function (evt) {
    if (evt.detail.target !== document.body) return;
    var target = document.getElementById("error-summary") || document.getElementById("main");
    if (target) target.focus();
  });

  function shortDate(iso) {
    return new Date(iso + "T00:00:00").toLocaleDateString(undefined, {
      day: "numeric",
      month: "short",
    });
  }

  function minutesChart(canvas, d) {
    var marks = d.weeks.map(function () {
      return null;
    });
    var notes = {};
    d.changes.forEach(function (c) {
      marks[c.week] = d.targets[c.week];
      notes[c.week] = (notes[c.week] || []).concat(c.label);
    });
    var datasets = [
      { type: "bar", label: "Minutes walked", data: d.minutes, backgroundColor: "#0b5fa5", order: 2 },
      {
        type: "line", label: "Target", data: d.targets, borderColor: "#1b1f24",
        borderDash: [6, 4], stepped: "middle", pointRadius: 0, order: 1,
      },
      {
        type: "line", label: "Program change", data: marks, showLine: false,
        pointStyle: "triangle", pointRadius: 9, backgroundColor: "#b3261e",
        borderColor: "#b3261e", order: 0, clip: false,
      },
    ];
    var scales = { y: { beginAtZero: true, title: { display: true, text: "minutes" } } };
    // Imported daily steps, next to the logged minutes, on their own right-hand scale.
    if ((d.steps || []).some(function (s) { return s > 0; })) {
      datasets.push({
        type: "line", label: "Steps", data: d.steps, yAxisID: "steps", borderColor: "#2e7d32",
        backgroundColor: "#2e7d32", pointRadius: 4, order: 0,
      });
      scales.steps = {
        position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
        title: { display: true, text: "steps" },
      };
    }
    return new window.Chart(canvas, {
      data: {
        labels: d.weeks,
        datasets: datasets,
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: scales,
        plugins: {
          tooltip: {
            callbacks: {
              afterLabel: function (ctx) {
                return ctx.dataset.label === "Program change" ? (notes[ctx.dataIndex] || []).join("\n") : "";
              },
            },
          },
        },
      },
    });
  }

  function painChart(canvas, d) {
    var days = d.painDays.slice();
    d.changes.forEach(function (c) {
      if (days.indexOf(c.day) === -1) days.push(c.day);
    });
    days.sort();
    var pain = days.map(function (day) {
      var i = d.painDays.indexOf(day);
      return i === -1 ? null : d.pain[i];
    });
    var notes = {};
    var marks = days.map(function (day, i) {
      var labels = d.changes.filter(function (c) { return c.day === day; }).map(function (c) { return c.label; });
      if (!labels.length) return null;
      notes[i] = labels;
      return 10;
    });
    return new window.Chart(canvas, {
      type: "line",
      data: {
        labels: days.map(shortDate),
        datasets: [
          { label: "Pain (0-10)", data: pain, borderColor: "#b3261e", backgroundColor: "#b3261e", spanGaps: true },
          {
            label: "Program change", data: marks, showLine: false, pointStyle: "triangle",
            pointRadius: 9, backgroundColor: "#1b1f24", borderColor: "#1b1f24", clip: false,
          },
        ],
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        layout: { padding: { top: 12 } },
        scales: { y: { min: 0, max: 10, ticks: { stepSize: 2 } } },
        plugins: {
          tooltip: {
            callbacks: {
              afterLabel: function (ctx) {
                return ctx.dataset.label === "Program change" ? (notes[ctx.dataIndex] || []).join("\n") : "";
              },
            },
          },
        },
      },
    });
  }

  function drawCharts() {
    var source = document.getElementById("progress-data");
    if (!source || !window.Chart) return;
    var d = JSON.parse(source.textContent);
    [["minutes-chart", minutesChart], ["pain-chart", painChart]].forEach(function (pair) {
      var canvas = document.getElementById(pair[0]);
      if (canvas && !canvas.dataset.drawn) {
        canvas.dataset.drawn = "true";
        pair[1](canvas, d);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", drawCharts);
  document.addEventListener("htmx:load", drawCharts);
})();
