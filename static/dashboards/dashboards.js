/* SCORE dashboards: draw each <canvas data-dashboard-chart="key"> from the page's
   json_script data (#dashboard-charts); no inline script, so a strict CSP holds. */
(function () {
  "use strict";

  var COLOURS = ["#0d6efd", "#fd7e14", "#198754", "#6f42c1", "#dc3545", "#20c997", "#ffc107", "#6c757d"];

  function locale() {
    var lang = document.documentElement.lang || "en";
    return lang === "zh-hans" ? "zh-Hans" : lang;
  }

  // htmx drops every <script> of a swapped fragment (allowScriptTags is off), the
  // json_script data too: read it from the response before the swap instead.
  var swappedCharts = null;

  function chartData() {
    var source = document.getElementById("dashboard-charts");
    if (source) {
      return JSON.parse(source.textContent);
    }
    return swappedCharts;
  }

  function draw(root) {
    if (!window.Chart) {
      return;
    }
    var charts = chartData();
    if (!charts) {
      return;
    }
    root.querySelectorAll("canvas[data-dashboard-chart]").forEach(function (canvas) {
      var spec = charts[canvas.dataset.dashboardChart];
      if (!spec || canvas.dataset.chartDrawn) {
        return;
      }
      var datasets = spec.datasets.map(function (dataset, index) {
        var colour = COLOURS[index % COLOURS.length];
        return {
          label: dataset.label,
          data: dataset.data,
          borderColor: colour,
          backgroundColor: colour,
          spanGaps: true,
          tension: 0.2,
          pointRadius: spec.type === "line" ? 1 : 0
        };
      });
      var stacked = Boolean(spec.stacked);
      new window.Chart(canvas, {
        type: spec.type,
        data: { labels: spec.labels, datasets: datasets },
        options: {
          animation: false,
          locale: locale(),
          responsive: true,
          maintainAspectRatio: false,
          indexAxis: spec.horizontal ? "y" : "x",
          plugins: { legend: { display: datasets.length > 1, position: "bottom" } },
          scales: { x: { stacked: stacked }, y: { stacked: stacked } }
        }
      });
      canvas.dataset.chartDrawn = "true";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    draw(document);
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var response = event.detail.serverResponse;
    if (typeof response !== "string") {
      return;
    }
    var parsed = new DOMParser().parseFromString(response, "text/html");
    var source = parsed.getElementById("dashboard-charts");
    swappedCharts = source ? JSON.parse(source.textContent) : null;
  });
  // The charts of a swapped-out body stay registered with Chart.js until destroyed.
  function forgetDetached() {
    if (!window.Chart) {
      return;
    }
    Object.values(window.Chart.instances).forEach(function (chart) {
      if (!chart.canvas || !chart.canvas.isConnected) {
        chart.destroy();
      }
    });
  }

  document.addEventListener("htmx:afterSettle", function () {
    forgetDetached();
    draw(document);
  });
})();
