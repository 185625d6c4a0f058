// soxtrail dashboard: draws the gate-decisions chart from the data its page embeds.
(function () {
  "use strict";
  function drawGateChart() {
    var canvas = document.getElementById("gate-chart");
    var source = document.getElementById("gate-chart-data");
    if (!canvas || !source || typeof Chart === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          { label: "Allowed", data: data.allow, backgroundColor: "#1a7f37", stack: "gate" },
          { label: "Denied", data: data.deny, backgroundColor: "#c62828", stack: "gate" }
        ]
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { legend: { position: "bottom" } },
        scales: {
          x: { stacked: true, grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 10 } },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }
        }
      }
    });
  }
  document.addEventListener("DOMContentLoaded", drawGateChart);
})();
