/* SCORE Platform portal: small behaviours, no inline scripts (the pages keep a strict CSP). */
(function () {
  "use strict";

  // Small KPI charts: <canvas data-chart-source="json-script-id" data-chart-key="code">.
  function drawCharts(root) {
    if (!window.Chart) {
      return;
    }
    root.querySelectorAll("canvas[data-chart-source]").forEach(function (canvas) {
      if (canvas.dataset.chartDrawn) {
        return;
      }
      var source = document.getElementById(canvas.dataset.chartSource);
      if (!source) {
        return;
      }
      var series = JSON.parse(source.textContent)[canvas.dataset.chartKey];
      if (!series) {
        return;
      }
      var datasets = [{
        label: canvas.getAttribute("aria-label") || "",
        data: series.values,
        borderColor: "#0d6efd",
        backgroundColor: "#0d6efd",
        pointRadius: 2,
        tension: 0.2
      }];
      if (series.baseline !== null && series.baseline !== undefined) {
        datasets.push({
          label: canvas.dataset.baselineLabel || "Baseline",
          data: series.labels.map(function () { return series.baseline; }),
          borderColor: "#6c757d",
          borderDash: [4, 4],
          pointRadius: 0
        });
      }
      new window.Chart(canvas, {
        type: "line",
        data: { labels: series.labels, datasets: datasets },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          plugins: { legend: { display: false } },
          scales: { x: { display: false }, y: { ticks: { maxTicksLimit: 3 } } }
        }
      });
      canvas.dataset.chartDrawn = "true";
    });
  }

  // <form data-confirm="Are you sure?"> asks before it submits.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // <form data-auto-submit>: choosing in its select submits it (the language switcher).
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.hasAttribute("data-auto-submit")) {
      form.submit();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    drawCharts(event.target);
  });
})();
