/*
 * Key drivers: the importance x performance priority matrix, as a chart type of OpenCXMCharts (charts.js).
 *
 * Spec: {"type": "priority", "points": [{"code", "name", "x" (importance %), "y" (performance 0..100), "low", "high",
 * "n", "quadrant" ("fix"|"keep"|"monitor"|"surplus")}], "xLine", "yLine" (the averages), "xName", "yName",
 * "quadrants": {key: label}, "intervalLabel", "countLabel"}.
 */
(function () {
  "use strict";

  var COLORS = { fix: "#d63939", keep: "#2fb344", monitor: "#f59f00", surplus: "#868e96" };

  function number(value, decimals) {
    return Number(value).toLocaleString(document.documentElement.lang || undefined, {
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    });
  }

  function corner(text, position, color) {
    return Object.assign(
      { type: "text", z: 0, style: { text: text, fill: color, font: "600 13px sans-serif", opacity: 0.85 } },
      position
    );
  }

  function build(spec) {
    var quadrants = spec.quadrants || {};
    var maxX = Math.max.apply(null, spec.points.map(function (p) { return p.high || p.x; }).concat([spec.xLine * 2, 1]));
    var data = spec.points.map(function (point) {
      return {
        value: [point.x, point.y],
        name: point.code,
        point: point,
        itemStyle: { color: COLORS[point.quadrant] || "#206bc4" },
      };
    });
    return {
      animationDuration: 300,
      grid: { left: 56, right: 72, top: 36, bottom: 56 }, // right: room for the labels of points at the edge
      tooltip: {
        trigger: "item",
        formatter: function (item) {
          var p = item.data.point;
          return [
            p.name + " (" + p.code + ")",
            spec.xName + ": " + number(p.x, 1) + " % (" + spec.intervalLabel + " " + number(p.low, 1) + "–" +
              number(p.high, 1) + ")",
            spec.yName + ": " + number(p.y, 0),
            (spec.countLabel || "n") + ": " + p.n,
            quadrants[p.quadrant] || "",
          ].join("<br>");
        },
      },
      xAxis: {
        type: "value",
        name: spec.xName,
        nameLocation: "middle",
        nameGap: 32,
        min: 0,
        max: Math.min(100, Math.ceil((maxX * 1.05) / 5) * 5),
        splitLine: { lineStyle: { color: "#e6e7e9" } },
      },
      yAxis: {
        type: "value",
        name: spec.yName,
        nameLocation: "middle",
        nameGap: 40,
        min: 0,
        max: 100,
        splitLine: { lineStyle: { color: "#e6e7e9" } },
      },
      graphic: [
        corner(quadrants.fix, { right: 80, bottom: 66 }, COLORS.fix),
        corner(quadrants.keep, { right: 80, top: 44 }, "#1a7f37"),
        corner(quadrants.monitor, { left: 66, bottom: 66 }, "#6b4a00"),
        corner(quadrants.surplus, { left: 66, top: 44 }, "#495057"),
      ],
      series: [
        {
          type: "scatter",
          data: data,
          symbolSize: function (value, item) {
            return Math.max(10, Math.min(28, 6 + Math.sqrt(item.data.point.n)));
          },
          label: {
            show: true,
            position: "right",
            fontSize: 11,
            color: "#1d273b",
            formatter: function (item) {
              return item.data.point.code;
            },
          },
          labelLayout: { hideOverlap: true },
          markLine: {
            symbol: "none",
            silent: true,
            label: { show: false },
            lineStyle: { color: "#6c7a91", type: "dashed", width: 1.5 },
            data: [{ xAxis: spec.xLine }, { yAxis: spec.yLine }],
          },
        },
      ],
    };
  }

  if (window.OpenCXMCharts) {
    window.OpenCXMCharts.register("priority", build);
  }
})();
