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
  // htmx (allowScriptTags: false) drops every <script> of a swapped fragment, json_script data included.
  // So the specs of an incoming fragment are read from the response text before the swap and kept here.
  var fragmentSpecs = {};

  function register(type, builder) {
    builders[type] = builder;
  }

  function readSpec(element) {
    var id = element.getAttribute("data-chart");
    var source = document.getElementById(id);
    var text = source ? source.textContent : fragmentSpecs[id];
    if (!text) {
      return null;
    }
    try {
      return JSON.parse(text);
    } catch (error) {
      return null;
    }
  }

  function rememberSpecs(html) {
    if (typeof html !== "string" || html.indexOf("application/json") === -1) {
      return;
    }
    // DOMParser builds an inert document: nothing in it runs.
    var parsed = new DOMParser().parseFromString(html, "text/html");
    parsed.querySelectorAll('script[type="application/json"][id]').forEach(function (node) {
      fragmentSpecs[node.id] = node.textContent;
    });
  }

  function draw(element) {
    var spec = readSpec(element);
    if (!spec || !builders[spec.type] || echarts.getInstanceByDom(element)) {
      return; // unknown spec, or already drawn (htmx swaps only bring new elements)
    }
    var chart = echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(builders[spec.type](spec, element));
    if (spec.links) {
      chart.on("click", function (params) {
        var url = linkOf(spec, params);
        if (url) {
          window.location.assign(url);
        }
      });
    }
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
      // The category axis is drawn only as the neutral line (emotion 0); the map's columns label the steps.
      xAxis: {
        type: "category",
        data: spec.labels,
        boundaryGap: true,
        axisLine: { onZero: true, lineStyle: { color: "#adb5bd" } },
        axisTick: { show: false },
        axisLabel: { show: false },
      },
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
        },
      ],
    };
  });

  // Generic series over categories: {"type": "line"|"bar", "labels": [...], "series": [{"name", "values"}],
  // optional "min", "max", "stack"}. Trend extras (all optional): "band": {"name", "low": [...], "high": [...]}
  // draws a shaded confidence band, "target" (+ "targetLabel") a dashed target line, "links": [url per label]
  // makes a click on a point or bar open that URL, "counts" (+ "countLabel") adds n to the tooltip.
  function localNumber(value, decimals) {
    var digits = decimals || 0;
    return Number(value).toLocaleString(document.documentElement.lang || undefined, {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
  }

  // A round step for axis bounds: half a power of ten of the data range (range 180 -> 50, range 1.5 -> 0.5).
  function niceStep(extent) {
    var range = Math.max(extent.max - extent.min, 1e-9);
    return Math.pow(10, Math.floor(Math.log10(range))) / 2;
  }

  function bandSeries(band) {
    var width = band.high.map(function (high, index) {
      var low = band.low[index];
      return high === null || low === null ? null : Math.round((high - low) * 1000) / 1000;
    });
    var common = {
      type: "line",
      stack: "band",
      stackStrategy: "all",
      symbol: "none",
      silent: true,
      lineStyle: { opacity: 0 },
    };
    return [
      Object.assign({ name: "band-base", data: band.low, tooltip: { show: false } }, common),
      Object.assign(
        { name: band.name, data: width, areaStyle: { color: "rgba(32, 107, 196, 0.15)" }, tooltip: { show: false } },
        common
      ),
    ];
  }

  function seriesTooltip(spec) {
    return function (points) {
      var index = points[0].dataIndex;
      var lines = [spec.labels[index]];
      points.forEach(function (point) {
        if (point.seriesName !== "band-base" && (!spec.band || point.seriesName !== spec.band.name)) {
          // no point.marker: it is HTML with an inline style, which the CSP blocks
          lines.push(point.seriesName + ": " + (point.value === null ? "–" : localNumber(point.value, spec.decimals)));
        }
      });
      if (spec.band && spec.band.low[index] !== null) {
        lines.push(
          spec.band.name + ": " + localNumber(spec.band.low[index], spec.decimals) + " – " +
            localNumber(spec.band.high[index], spec.decimals)
        );
      }
      if (spec.counts) {
        lines.push((spec.countLabel || "n") + " = " + spec.counts[index]);
      }
      return lines.join("<br>");
    };
  }

  function seriesChart(kind) {
    return function (spec, element) {
      var series = spec.series.map(function (item) {
        return { type: kind, name: item.name, data: item.values, stack: spec.stack, smooth: kind === "line" };
      });
      if (spec.target !== null && spec.target !== undefined && series.length) {
        series[0].markLine = {
          symbol: "none",
          silent: true,
          lineStyle: { color: "#d63939", type: "dashed", width: 2 },
          label: { formatter: (spec.targetLabel || "") + " " + spec.target, position: "insideEndTop" },
          data: [{ yAxis: spec.target }],
        };
      }
      if (spec.band) {
        series = bandSeries(spec.band).concat(series);
      }
      if (spec.links && element) {
        element.classList.add("chart-clickable");
      }
      return {
        color: spec.band ? ["transparent", "transparent"].concat(PALETTE) : PALETTE,
        animationDuration: 300,
        grid: { left: 40, right: 16, top: spec.series.length > 1 ? 36 : 16, bottom: 28, containLabel: true },
        tooltip: spec.band || spec.counts ? { trigger: "axis", formatter: seriesTooltip(spec) } : { trigger: "axis" },
        legend: spec.series.length > 1 ? { top: 0 } : { show: false },
        xAxis: { type: "category", data: spec.labels, boundaryGap: kind === "bar" },
        yAxis: {
          type: "value",
          scale: spec.min === undefined,
          // "clampMin"/"clampMax": let the axis follow the data but never leave the metric's scale
          min: spec.clampMin == null ? spec.min : function (extent) {
            var step = niceStep(extent);
            return Math.max(Math.floor(extent.min / step) * step, spec.clampMin);
          },
          max: spec.clampMax == null ? spec.max : function (extent) {
            var step = niceStep(extent);
            return Math.min(Math.ceil(extent.max / step) * step, spec.clampMax);
          },
        },
        series: series,
      };
    };
  }
  register("line", seriesChart("line"));
  register("bar", seriesChart("bar"));

  // Touchpoint x month heatmap: {"type": "heatmap", "x": [...], "y": [...], "cells": [[x, y, value, n], ...],
  // "links": {"x,y": url}, "min", "max", "higherIsBetter", "decimals", "countLabel"}.
  // A click on a cell opens the URL carried in "links" (the drill-down to the feedback behind it).
  register("heatmap", function (spec) {
    var good = ["#d63939", "#f59f00", "#f2f2a0", "#74b816", "#2fb344"];
    return {
      animationDuration: 300,
      grid: { left: 8, right: 16, top: 8, bottom: 48, containLabel: true },
      tooltip: {
        // no "position": an HTML tooltip with a position string gets an arrow with an inline style (CSP)
        formatter: function (point) {
          var cell = point.data;
          return (
            spec.y[cell[1]] + "<br>" + spec.x[cell[0]] + ": <b>" + localNumber(cell[2], spec.decimals) + "</b> (" +
            (spec.countLabel || "n") + " = " + cell[3] + ")"
          );
        },
      },
      xAxis: { type: "category", data: spec.x, splitArea: { show: true } },
      yAxis: { type: "category", data: spec.y, inverse: true, splitArea: { show: true } },
      visualMap: {
        dimension: 2,
        min: spec.min,
        max: spec.max === spec.min ? spec.min + 1 : spec.max,
        calculable: false,
        orient: "horizontal",
        left: "center",
        bottom: 0,
        itemHeight: 160,
        itemWidth: 12,
        precision: spec.decimals || 0,
        inRange: { color: spec.higherIsBetter === false ? good.slice().reverse() : good },
      },
      series: [
        {
          type: "heatmap",
          data: spec.cells,
          label: {
            show: true,
            fontSize: 11,
            color: "#1d273b",
            formatter: function (point) {
              return localNumber(point.data[2], spec.decimals);
            },
          },
          emphasis: { itemStyle: { borderColor: "#1d273b", borderWidth: 2 } },
          cursor: "pointer",
        },
      ],
    };
  });

  // Drill-down: a chart whose spec carries "links" opens the link of the clicked point or cell.
  function linkOf(spec, params) {
    if (!spec.links) {
      return null;
    }
    if (spec.type === "heatmap") {
      return spec.links[params.data[0] + "," + params.data[1]] || null;
    }
    if (spec.band && params.seriesIndex < 2) {
      return null;
    }
    return spec.links[params.dataIndex] || null;
  }

  // Wiring ------------------------------------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", function () {
    drawAll(document);
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.shouldSwap) {
      rememberSpecs(event.detail.serverResponse);
      disposeWithin(event.detail.target);
    }
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
