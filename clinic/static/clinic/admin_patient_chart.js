// Weekly minutes walked vs target, and weekly mean pain, on the admin patient page.
"use strict";
(function () {
  const canvas = document.getElementById("walkrx-weekly-chart");
  const source = document.getElementById("walkrx-weekly-chart-data");
  if (!canvas || !source || typeof window.Chart === "undefined") {
    return;
  }
  const data = JSON.parse(source.textContent);
  new window.Chart(canvas, {
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
  });
})();
