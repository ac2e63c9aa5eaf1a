/* Console behaviour: draw every ECharts chart declared in the page (data-chart holds the
   option as JSON, so no inline script is needed and the CSP can forbid them), including
   charts that htmx swaps in later, and keep them sized to their boxes. */
(function () {
  "use strict";
  var charts = [];

  function initCharts(root) {
    if (!window.echarts || !root.querySelectorAll) {
      return;
    }
    var boxes = root.querySelectorAll(".chart[data-chart]:not([data-ready])");
    Array.prototype.forEach.call(boxes, function (el) {
      var option = JSON.parse(el.getAttribute("data-chart"));
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option);
      el.setAttribute("data-ready", "1");
      charts.push(chart);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    initCharts(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    initCharts(event.target);
  });
  // A chart drawn inside a closed <details> has no size yet: fit it when the details open
  // ("toggle" does not bubble, so it is caught on the way down).
  document.addEventListener("toggle", function (event) {
    var el = event.target;
    if (!window.echarts || !el.open || !el.querySelectorAll) {
      return;
    }
    Array.prototype.forEach.call(el.querySelectorAll(".chart[data-ready]"), function (box) {
      var chart = window.echarts.getInstanceByDom(box);
      if (chart) {
        chart.resize();
      }
    });
  }, true);
  window.addEventListener("resize", function () {
    charts = charts.filter(function (c) { return !c.isDisposed(); });
    charts.forEach(function (c) { c.resize(); });
  });
})();
