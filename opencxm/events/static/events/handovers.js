/*
 * Handover friction: horizontal bars of net promoters lost per handover, registered with OpenCXMCharts as
 * "handover-bars". Spec from opencxm/events/handover_views.py (texts already translated): {"labels", "values",
 * "counts", "valueLabel", "countLabel", "links"}. Horizontal, so long department names stay readable.
 * No inline script or style: works under the strict CSP.
 */
(function () {
  "use strict";

  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function number(value) {
    return Number(value).toLocaleString(document.documentElement.lang || undefined, {
      minimumFractionDigits: 1,
      maximumFractionDigits: 1,
    });
  }

  function build(spec, element) {
    if (spec.links && element) {
      element.classList.add("chart-clickable");
    }
    return {
      animationDuration: 300,
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      tooltip: {
        trigger: "item",
        formatter: function (point) {
          var index = point.dataIndex;
          return (
            esc(spec.labels[index]) + "<br>" + esc(spec.valueLabel) + ": " + number(spec.values[index]) + "<br>" +
            esc(spec.countLabel) + ": " + spec.counts[index]
          );
        },
      },
      xAxis: { type: "value", min: 0, splitLine: { lineStyle: { color: "#e6e7e9" } } },
      yAxis: {
        type: "category",
        inverse: true,
        data: spec.labels,
        axisTick: { show: false },
        axisLabel: { color: "#1d273b", fontSize: 12 },
      },
      series: [
        {
          type: "bar",
          data: spec.values,
          itemStyle: { color: "#d63939" },
          barMaxWidth: 22,
          label: { show: true, position: "right", color: "#1d273b", formatter: function (p) { return number(p.value); } },
          cursor: spec.links ? "pointer" : "default",
        },
      ],
    };
  }

  if (window.OpenCXMCharts) {
    window.OpenCXMCharts.register("handover-bars", build);
  }
})();
