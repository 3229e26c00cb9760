/* The console dashboard's charts, drawn with Chart.js (served from /h5/static/vendor, never a CDN) from the
   numbers the page carries in #dashboard-charts. Every chart has a table of the same numbers beside it, and
   lines differ by dash and marker as well as colour. */
(function () {
  "use strict";

  var source = document.getElementById("dashboard-charts");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var Chart = window.Chart;
  var colours = ["#06803c", "#3f5682", "#8a5a00", "#b3261e", "#6b2c91", "#4a4a4a"];
  var dashes = [[], [8, 4], [2, 3], [12, 4, 2, 4], [4, 2]];
  var markers = ["circle", "rect", "triangle", "rectRot", "crossRot"];

  Chart.defaults.font.size = 16;
  Chart.defaults.color = "#1a1a1a";
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;

  var counts = {beginAtZero: true, ticks: {precision: 0}};

  function draw(name, config) {
    var canvas = document.querySelector('[data-chart="' + name + '"]');
    if (canvas) {
      new Chart(canvas, config);
    }
  }

  draw("weeks", {
    type: "line",
    data: {
      labels: data.weeks.labels,
      datasets: data.weeks.series.map(function (series, n) {
        return {label: series.label, data: series.data, borderColor: colours[n], backgroundColor: colours[n],
                borderDash: dashes[n], pointStyle: markers[n], pointRadius: 5, borderWidth: 2};
      })
    },
    options: {scales: {y: counts}, plugins: {legend: {labels: {usePointStyle: true}}}}
  });

  function bars(name, labels, values, label) {
    draw(name, {
      type: "bar",
      data: {labels: labels, datasets: [{label: label, data: values, backgroundColor: colours[1]}]},
      options: {scales: {y: counts}, plugins: {legend: {display: false}}}
    });
  }

  bars("ratings", data.ratings.labels, data.ratings.data, "件数");
  bars("channels", data.channels.labels, data.channels.data, "件数");

  draw("rows", {
    type: "bar",
    data: {
      labels: data.rows.labels,
      datasets: data.rows.series.map(function (series, n) {
        return {label: series.label, data: series.data, backgroundColor: n ? colours[3] : colours[1],
                borderColor: "#1a1a1a", borderWidth: n ? 2 : 0};
      })
    },
    options: {scales: {y: counts}}
  });
}());
