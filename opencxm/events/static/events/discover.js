/*
 * Actual journeys: the process map (directly-follows graph) and the path Sankey, as OpenCXMCharts builders.
 *
 * Specs come from opencxm/events/charts.py through json_script (texts already translated). The map element
 * may carry data-coverage (percent of steps whose edges are shown) and data-details (id of the panel that
 * shows the numbers of a clicked node or edge); an <input type="range" data-coverage-for="<map id>"> changes
 * the coverage. No inline script or style: works under the strict CSP.
 */
(function () {
  "use strict";

  var BLUE = "#206bc4";
  var GREEN = "#2fb344";
  var DARK = "#1d273b";
  var GREY = "#868e96";

  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function plain(text) {
    return String(text).replace(/[{}|]/g, " ");
  }

  // Lines of at most `width` characters, broken at spaces (a longer word stays whole), so neighbouring
  // columns' labels do not run into each other.
  function wrap(text, width) {
    var lines = [];
    var line = "";
    text.split(/\s+/).forEach(function (word) {
      if (line && (line + " " + word).length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line ? line + " " + word : word;
      }
    });
    if (line) {
      lines.push(line);
    }
    return lines.length ? lines : [text];
  }

  function num(value) {
    return Number(value).toLocaleString(document.documentElement.lang || undefined);
  }

  function percent(share) {
    return Number(share * 100).toLocaleString(document.documentElement.lang || undefined, {
      maximumFractionDigits: 1,
    }) + " %";
  }

  // Process map ------------------------------------------------------------------------------------

  // The step edges with the most volume whose counts together cover `coverage` percent of all steps;
  // start and end edges are always kept.
  function visibleEdges(spec, coverage) {
    var steps = spec.edges.filter(function (e) { return e.kind === "step"; });
    var total = steps.reduce(function (sum, e) { return sum + e.count; }, 0);
    var sorted = steps.slice().sort(function (a, b) { return b.count - a.count; });
    var kept = [];
    var covered = 0;
    for (var i = 0; i < sorted.length; i++) {
      if (total && covered / total >= coverage / 100) {
        break;
      }
      kept.push(sorted[i]);
      covered += sorted[i].count;
    }
    return {
      edges: spec.edges.filter(function (e) { return e.kind !== "step" || kept.indexOf(e) !== -1; }),
      shown: kept.length,
      total: steps.length,
    };
  }

  function selfLoop(spec, node) {
    for (var i = 0; i < spec.edges.length; i++) {
      if (spec.edges[i].source === node.id && spec.edges[i].target === node.id) {
        return spec.edges[i];
      }
    }
    return null;
  }

  // "7" or "7 · ↻ 2" when the activity directly follows itself (a self-loop is hard to see as a line).
  function countText(spec, node) {
    var loop = selfLoop(spec, node);
    return num(node.count) + (loop ? " · ↻ " + num(loop.count) : "");
  }

  function nodeLines(spec, node) {
    var L = spec.labels;
    if (node.kind === "start") {
      return [[L.cases, num(node.count)]];
    }
    if (node.kind === "end") {
      return [[L.cases, num(node.count)]];
    }
    var lines = [[L.events, num(node.count)], [L.containing, num(node.cases) + " (" + percent(node.cases / spec.cases) + " " + L.share + ")"]];
    var loop = selfLoop(spec, node);
    if (loop) {
      lines.push([L.repeated, num(loop.count) + " (" + L.medianWord + " " + loop.median + ")"]);
    }
    spec.edges.forEach(function (e) {
      if (e.kind === "start" && e.target === node.id) {
        lines.push([L.starts, num(e.count)]);
      }
      if (e.kind === "end" && e.source === node.id) {
        lines.push([L.ends, num(e.count)]);
      }
    });
    return lines;
  }

  function edgeLines(spec, edge) {
    var L = spec.labels;
    if (edge.kind === "step") {
      return [[L.taken, num(edge.count)], [L.median, edge.median], [L.p90, edge.p90]];
    }
    return [[L.cases, num(edge.count) + " (" + percent(edge.count / spec.cases) + " " + L.share + ")"]];
  }

  function nameOf(spec, id) {
    for (var i = 0; i < spec.nodes.length; i++) {
      if (spec.nodes[i].id === id) {
        return spec.nodes[i].name;
      }
    }
    return id;
  }

  function tooltipHtml(title, lines) {
    return "<b>" + esc(title) + "</b>" + lines.map(function (line) {
      return "<br>" + esc(line[0]) + ": " + esc(line[1]);
    }).join("");
  }

  function showDetails(element, title, lines) {
    var panel = document.getElementById(element.getAttribute("data-details") || "");
    if (!panel) {
      return;
    }
    panel.textContent = "";
    var heading = document.createElement("div");
    heading.className = "fw-bold mb-1";
    heading.textContent = title;
    var list = document.createElement("dl");
    list.className = "row mb-0";
    lines.forEach(function (line) {
      var term = document.createElement("dt");
      term.className = "col-7 fw-normal text-secondary";
      term.textContent = line[0];
      var value = document.createElement("dd");
      value.className = "col-5 text-end mb-1";
      value.textContent = line[1];
      list.appendChild(term);
      list.appendChild(value);
    });
    panel.appendChild(heading);
    panel.appendChild(list);
  }

  function processMap(spec, element) {
    var coverage = parseFloat(element.getAttribute("data-coverage") || "100");
    var picked = visibleEdges(spec, coverage);
    // Nodes are placed in pixels of the drawing box; two invisible corner anchors make the graph's bounding
    // box equal the drawing box, so ECharts scales x and y alike (no stretched symbols, readable edge labels).
    var box = { left: 70, right: 90, top: 40, bottom: 72 };
    var width = Math.max(element.clientWidth, 400) - box.left - box.right;
    var height = Math.max(element.clientHeight, 300) - box.top - box.bottom;
    var columns = 1;
    var rows = 1;
    var byColumn = {};
    spec.nodes.forEach(function (node) {
      columns = Math.max(columns, node.column + 1);
      byColumn[node.column] = (byColumn[node.column] || 0) + 1;
    });
    Object.keys(byColumn).forEach(function (key) { rows = Math.max(rows, byColumn[key]); });
    var dx = width / Math.max(columns - 1, 1);
    var dy = rows > 1 ? Math.min(200, height / (rows - 1)) : 0;
    var maxCount = 1;
    var maxEdge = 1;
    spec.nodes.forEach(function (n) { if (n.kind === "activity") { maxCount = Math.max(maxCount, n.count); } });
    spec.edges.forEach(function (e) { maxEdge = Math.max(maxEdge, e.count); });

    var nodes = spec.nodes.map(function (node) {
      var special = node.kind !== "activity";
      var size = special ? 22 : 16 + 30 * Math.sqrt(node.count / maxCount);
      return {
        id: node.id,
        name: node.name,
        x: node.column * dx,
        y: height / 2 + node.row * dy,
        symbol: node.kind === "end" ? "roundRect" : "circle",
        symbolSize: size,
        itemStyle: {
          color: node.kind === "start" ? GREEN : node.kind === "end" ? DARK : BLUE,
          borderColor: "#fff",
          borderWidth: 2,
        },
        label: {
          show: true,
          position: special ? "top" : "bottom",
          color: DARK,
          fontSize: 12,
          backgroundColor: "rgba(255, 255, 255, 0.88)",
          padding: [2, 4],
          borderRadius: 3,
          // rich text: braces and bars in a name would be read as markup
          formatter: special
            ? node.name
            : wrap(plain(node.name), Math.max(10, Math.floor((dx - 12) / 6.5))).map(function (line) {
              return "{name|" + line + "}";
            }).join("\n") + "\n{count|" + countText(spec, node) + "}",
          rich: {
            name: { color: DARK, fontSize: 12, lineHeight: 15, align: "center" },
            count: { color: "#49566c", fontSize: 11, lineHeight: 14, align: "center" },
          },
        },
        raw: node,
      };
    });
    [[0, 0], [width, height]].forEach(function (corner, index) {
      nodes.push({
        id: "anchor-" + index, name: "", x: corner[0], y: corner[1], symbolSize: 0, silent: true,
        label: { show: false }, tooltip: { show: false }, itemStyle: { opacity: 0 },
      });
    });
    var links = picked.edges.map(function (edge) {
      var step = edge.kind === "step";
      return {
        source: edge.source,
        target: edge.target,
        lineStyle: {
          width: step ? 1 + 9 * Math.sqrt(edge.count / maxEdge) : 1.5,
          color: step ? "#5b8fd6" : GREY,
          type: step ? "solid" : "dashed",
          opacity: step ? 0.7 : 0.6,
        },
        // a self-loop's count is in its node's label ("↻ n"); its own label would cover the node
        label: { show: step && edge.source !== edge.target, formatter: num(edge.count), fontSize: 11, color: DARK },
        raw: edge,
      };
    });
    var counter = document.querySelector('[data-coverage-count="' + element.id + '"]');
    if (counter) {
      counter.textContent = picked.shown + " / " + picked.total;
    }
    var chart = echarts.getInstanceByDom(element);
    if (chart && !element.hasAttribute("data-map-wired")) {
      element.setAttribute("data-map-wired", "true");
      chart.on("click", function (params) {
        var raw = params.data && params.data.raw;
        if (!raw) {
          return;
        }
        if (params.dataType === "edge") {
          showDetails(element, nameOf(spec, raw.source) + " → " + nameOf(spec, raw.target), edgeLines(spec, raw));
        } else {
          showDetails(element, raw.name, nodeLines(spec, raw));
        }
      });
    }
    return {
      animationDuration: 300,
      tooltip: {
        confine: true,
        formatter: function (params) {
          var raw = params.data && params.data.raw;
          if (!raw) {
            return "";
          }
          if (params.dataType === "edge") {
            return tooltipHtml(nameOf(spec, raw.source) + " → " + nameOf(spec, raw.target), edgeLines(spec, raw));
          }
          return tooltipHtml(raw.name, nodeLines(spec, raw));
        },
      },
      series: [
        {
          type: "graph",
          layout: "none",
          left: box.left,
          right: box.right,
          top: box.top,
          bottom: box.bottom,
          roam: true,
          nodeScaleRatio: 0,
          scaleLimit: { min: 0.4, max: 4 },
          autoCurveness: [0.15, -0.15, 0.3, -0.3, 0.45, -0.45],
          edgeSymbol: ["none", "arrow"],
          edgeSymbolSize: 9,
          emphasis: { focus: "adjacency", lineStyle: { opacity: 1 } },
          cursor: "pointer",
          data: nodes,
          links: links,
        },
      ],
    };
  }

  // Path Sankey ------------------------------------------------------------------------------------

  function pathSankey(spec) {
    var L = spec.labels;
    var colors = { ended: "#d63939", continues: GREY };
    return {
      animationDuration: 300,
      tooltip: {
        confine: true,
        formatter: function (params) {
          var d = params.data;
          if (params.dataType === "edge") {
            return "<b>" + esc(d.source) + " → " + esc(d.target) + "</b><br>" + esc(L.cases) + ": " + esc(num(d.value)) +
              " (" + esc(percent(d.share)) + " " + esc(L.share) + ")";
          }
          var title = d.step ? L.step + " " + d.step + ": " + d.label : d.label;
          return "<b>" + esc(title) + "</b><br>" + esc(L.cases) + ": " + esc(num(d.count)) + " (" + esc(percent(d.share)) +
            " " + esc(L.share) + ")";
        },
      },
      series: [
        {
          type: "sankey",
          left: 8,
          right: 150,
          top: 12,
          bottom: 12,
          nodeGap: 10,
          nodeWidth: 14,
          draggable: false,
          emphasis: { focus: "adjacency" },
          lineStyle: { color: "gradient", opacity: 0.35, curveness: 0.5 },
          label: {
            color: DARK,
            fontSize: 11,
            formatter: function (params) {
              return params.data.label + " (" + num(params.data.count) + ")";
            },
          },
          data: spec.nodes.map(function (node) {
            return Object.assign({}, node, { itemStyle: { color: colors[node.kind] || BLUE } });
          }),
          links: spec.links,
        },
      ],
    };
  }

  function wireCoverage() {
    document.querySelectorAll("[data-coverage-for]").forEach(function (input) {
      var element = document.getElementById(input.getAttribute("data-coverage-for"));
      var output = document.querySelector('[data-coverage-value="' + input.id + '"]');
      input.addEventListener("input", function () {
        if (output) {
          output.textContent = input.value + " %";
        }
        element.setAttribute("data-coverage", input.value);
        var chart = echarts.getInstanceByDom(element);
        var source = document.getElementById(element.getAttribute("data-chart"));
        if (chart && source) {
          chart.setOption(processMap(JSON.parse(source.textContent), element), { notMerge: true });
        }
      });
    });
  }

  if (window.OpenCXMCharts) {
    window.OpenCXMCharts.register("processmap", processMap);
    window.OpenCXMCharts.register("pathsankey", pathSankey);
  }
  document.addEventListener("DOMContentLoaded", wireCoverage);
})();
