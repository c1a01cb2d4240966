// Weekly minutes walked vs target, weekly mean pain and imported steps, on the admin
// patient page.
"use strict";
(function () {
  const canvas = document.getElementById("walkrx-weekly-chart");
  const source = document.getElementById("walkrx-weekly-chart-data");
  if (!canvas || !source || typeof window.Chart === "undefined") {
    return;
  }
  const data = JSON.parse(source.textContent);
  const config = {
    data: {
      labels: data.labels,
      datasets: [
        { type: "bar", label: "Minutes walked", data: data.minutes, yAxisID: "minutes" },
        {
          type: "line",
          label: "Target minutes",
          data: data.target_minutes,
          yAxisID: "minutes",
          stepped: true,
        },
        {
          type: "line",
          label: "Mean pain (0-10)",
          data: data.pain_mean,
          yAxisID: "pain",
          spanGaps: true,
        },
      ],
    },
    options: {
      maintainAspectRatio: false,
      scales: {
        minutes: { type: "linear", position: "left", beginAtZero: true,
                   title: { display: true, text: "minutes per week" } },
        pain: { type: "linear", position: "right", min: 0, max: 10,
                grid: { drawOnChartArea: false }, title: { display: true, text: "pain" } },
      },
    },
  };
  // Imported daily steps beside the logged minutes, on their own right-hand scale; left
  // out for patients who never imported any.
  if ((data.steps || []).some(function (s) { return s > 0; })) {
    config.data.datasets.push({
      type: "line",
      label: "Steps (imported)",
      data: data.steps,
      yAxisID: "steps",
      borderDash: [4, 3],
    });
    config.options.scales.steps = {
      type: "linear", position: "right", beginAtZero: true,
      grid: { drawOnChartArea: false }, title: { display: true, text: "steps per week" },
    };
  }
  new window.Chart(canvas, config);
})();
