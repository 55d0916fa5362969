/*
 * OpenCXM charts: the one module that talks to ECharts (static 'vendor/echarts/echarts.min.js').
 *
 * Markup: <div class="jm-chart" data-chart="some-id"></div> plus {{ spec|json_script:"some-id" }}.
 * The spec is plain data with a "type"; a builder registered for that type turns it into an ECharts option.
 * Charts are drawn on DOMContentLoaded and after every htmx swap, disposed before their element is swapped
 * out, and resized with the window. No inline script, no eval: works under script-src 'self'.
 *
 * Other pages add types with OpenCXMCharts.register("heatmap", function (spec, element) { return option; }).
 */
(function () {
  "use strict";

  var PALETTE = ["#206bc4", "#2fb344", "#f76707", "#ae3ec9", "#0ca678", "#d63939", "#f59f00", "#4263eb"];
  var EMOTION_COLORS = { "-2": "#d63939", "-1": "#f76707", "0": "#868e96", "1": "#74b816", "2": "#2fb344" };
  var builders = {};

  function register(type, builder) {
    builders[type] = builder;
  }

  function readSpec(element) {
    var source = document.getElementById(element.getAttribute("data-chart"));
    if (!source) {
      return null;
    }
    try {
      return JSON.parse(source.textContent);
    } catch (error) {
      return null;
    }
  }

  function draw(element) {
    var spec = readSpec(element);
    if (!spec || !builders[spec.type] || echarts.getInstanceByDom(element)) {
      return; // unknown spec, or already drawn (htmx swaps only bring new elements)
    }
    var chart = echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(builders[spec.type](spec, element));
    element.setAttribute("data-chart-ready", "true");
  }

  function drawAll(root) {
    if (typeof echarts === "undefined") {
      return;
    }
    (root || document).querySelectorAll("[data-chart]").forEach(draw);
  }

  function disposeWithin(root) {
    if (typeof echarts === "undefined" || !root || !root.querySelectorAll) {
      return;
    }
    var elements = Array.prototype.slice.call(root.querySelectorAll("[data-chart]"));
    if (root.hasAttribute && root.hasAttribute("data-chart")) {
      elements.push(root);
    }
    elements.forEach(function (element) {
      var chart = echarts.getInstanceByDom(element);
      if (chart) {
        chart.dispose();
      }
    });
  }

  function resizeAll() {
    if (typeof echarts === "undefined") {
      return;
    }
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var chart = echarts.getInstanceByDom(element);
      if (chart) {
        chart.resize();
      }
    });
  }

  // Builders ----------------------------------------------------------------------------------------

  // Expected emotion along a journey: {"type": "emotion", "labels": [...], "values": [-2..2 or null],
  // "stages": [...], "emotionLabels": {"-2": "...", ...}}. One category per map column, no side margins,
  // so the points sit above the step columns of the map.
  register("emotion", function (spec) {
    var names = spec.emotionLabels || {};
    var data = spec.values.map(function (value) {
      if (value === null || value === undefined) {
        return null;
      }
      return { value: value, itemStyle: { color: EMOTION_COLORS[String(value)] } };
    });
    return {
      animationDuration: 300,
      grid: { left: 0, right: 0, top: 18, bottom: 18 },
      tooltip: {
        trigger: "item",
        formatter: function (point) {
          var stage = spec.stages ? spec.stages[point.dataIndex] + " · " : "";
          return stage + spec.labels[point.dataIndex] + ": " + (names[String(point.value)] || point.value);
        },
      },
      xAxis: { type: "category", data: spec.labels, show: false, boundaryGap: true },
      yAxis: {
        type: "value",
        min: -2,
        max: 2,
        interval: 1,
        axisLabel: { show: false },
        splitLine: { lineStyle: { color: "#e6e7e9", type: "dashed" } },
      },
      series: [
        {
          type: "line",
          data: data,
          clip: false,
          connectNulls: true,
          smooth: 0.25,
          symbol: "circle",
          symbolSize: 16,
          lineStyle: { width: 3, color: "#206bc4" },
          itemStyle: { borderColor: "#fff", borderWidth: 2 },
          markLine: {
            silent: true,
            symbol: "none",
            label: { show: false },
            lineStyle: { color: "#adb5bd", type: "solid" },
            data: [{ yAxis: 0 }],
          },
        },
      ],
    };
  });

  // Generic series over categories: {"type": "line"|"bar", "labels": [...], "series": [{"name", "values"}],
  // optional "min", "max", "stack"}.
  function seriesChart(kind) {
    return function (spec) {
      return {
        color: PALETTE,
        animationDuration: 300,
        grid: { left: 40, right: 16, top: spec.series.length > 1 ? 36 : 16, bottom: 28, containLabel: true },
        tooltip: { trigger: "axis" },
        legend: spec.series.length > 1 ? { top: 0 } : { show: false },
        xAxis: { type: "category", data: spec.labels, boundaryGap: kind === "bar" },
        yAxis: { type: "value", min: spec.min, max: spec.max },
        series: spec.series.map(function (item) {
          return { type: kind, name: item.name, data: item.values, stack: spec.stack, smooth: kind === "line" };
        }),
      };
    };
  }
  register("line", seriesChart("line"));
  register("bar", seriesChart("bar"));

  // Wiring ------------------------------------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", function () {
    drawAll(document);
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    disposeWithin(event.detail.target);
  });
  document.addEventListener("htmx:afterSwap", function () {
    drawAll(document);
  });
  var pending = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(resizeAll, 150);
  });

  window.OpenCXMCharts = { register: register, drawAll: drawAll, disposeWithin: disposeWithin };
})();
