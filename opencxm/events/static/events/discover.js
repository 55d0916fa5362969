/*
 * Actual journeys: the process map (directly-follows graph) and the path Sankey, as OpenCXMCharts builders.
 *
 * Specs come from opencxm/events/charts.py through json_script (texts already translated). The map element
 * may carry data-coverage (percent of steps whose edges are shown), data-activities (percent of events whose
 * activities are shown, busiest first) and data-details (id of the panel that shows the numbers of a clicked
 * node or edge); <input type="range" data-coverage-for="<map id>"> and data-activities-for change them.
 * No inline script or style: works under the strict CSP.
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

  // The busiest activities whose events together cover `coverage` percent of all events (start and end always
  // shown), as a set of node ids, with how many of how many activities that is.
  function visibleNodes(spec, coverage) {
    var activities = spec.nodes.filter(function (n) { return n.kind === "activity"; });
    var total = activities.reduce(function (sum, n) { return sum + n.count; }, 0);
    var sorted = activities.slice().sort(function (a, b) { return b.count - a.count || (a.name < b.name ? -1 : 1); });
    var kept = {};
    var shown = 0;
    var covered = 0;
    for (var i = 0; i < sorted.length; i++) {
      if (shown && total && covered / total >= coverage / 100) {
        break;
      }
      kept[sorted[i].id] = true;
      shown += 1;
      covered += sorted[i].count;
    }
    spec.nodes.forEach(function (n) { if (n.kind !== "activity") { kept[n.id] = true; } });
    return { ids: kept, shown: shown, total: activities.length };
  }

  // The step edges with the most volume whose counts together cover `coverage` percent of all steps;
  // start and end edges are always kept. Only edges between shown nodes count.
  function visibleEdges(spec, coverage, nodeIds) {
    var between = function (e) { return !nodeIds || (nodeIds[e.source] && nodeIds[e.target]); };
    var steps = spec.edges.filter(function (e) { return e.kind === "step" && between(e); });
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
      edges: spec.edges.filter(function (e) { return between(e) && (e.kind !== "step" || kept.indexOf(e) !== -1); }),
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

  // Shown nodes keep their column order and their order within a column; empty columns close up and each
  // column is centred again. Returns {id: {column, row}} and the number of columns and of rows at most.
  function placed(spec, ids) {
    var columnsUsed = {};
    spec.nodes.forEach(function (n) { if (ids[n.id]) { columnsUsed[n.column] = true; } });
    var order = Object.keys(columnsUsed).map(Number).sort(function (a, b) { return a - b; });
    var place = {};
    var rows = 1;
    order.forEach(function (column, index) {
      var members = spec.nodes.filter(function (n) { return ids[n.id] && n.column === column; });
      members.sort(function (a, b) { return a.row - b.row; });
      rows = Math.max(rows, members.length);
      members.forEach(function (n, position) {
        place[n.id] = { column: index, row: position - (members.length - 1) / 2 };
      });
    });
    return { place: place, columns: Math.max(order.length, 1), rows: rows };
  }

  var ROW_HEIGHT = 96; // room for a node with a three-line label and its count
  var BOX = { left: 70, right: 90, top: 40, bottom: 72 };

  // The map grows with the busiest column, so labels do not overlap; redrawn once at the new size.
  function fitHeight(element, rows, spec) {
    var wanted = Math.max(520, BOX.top + BOX.bottom + (rows - 1) * ROW_HEIGHT + 40);
    if (Math.abs(element.clientHeight - wanted) > 2) {
      element.style.height = wanted + "px"; // CSSOM, allowed under the strict CSP (no style attribute in HTML)
      window.setTimeout(function () {
        var chart = echarts.getInstanceByDom(element);
        if (chart) {
          chart.resize();
          chart.setOption(processMap(spec, element), { notMerge: true });
        }
      }, 0);
    }
  }

  function processMap(spec, element) {
    var coverage = parseFloat(element.getAttribute("data-coverage") || "100");
    var activityCoverage = parseFloat(element.getAttribute("data-activities") || "100");
    var shownNodes = visibleNodes(spec, activityCoverage);
    var picked = visibleEdges(spec, coverage, shownNodes.ids);
    var layout = placed(spec, shownNodes.ids);
    fitHeight(element, layout.rows, spec);
    // Nodes are placed in pixels of the drawing box; two invisible corner anchors make the graph's bounding
    // box equal the drawing box, so ECharts scales x and y alike (no stretched symbols, readable edge labels).
    var box = BOX;
    var width = Math.max(element.clientWidth, 400) - box.left - box.right;
    var height = Math.max(element.clientHeight, 300) - box.top - box.bottom;
    var columns = layout.columns;
    var rows = layout.rows;
    var dx = width / Math.max(columns - 1, 1);
    var dy = rows > 1 ? Math.min(200, height / (rows - 1)) : 0;
    var maxCount = 1;
    var maxEdge = 1;
    spec.nodes.forEach(function (n) { if (n.kind === "activity") { maxCount = Math.max(maxCount, n.count); } });
    spec.edges.forEach(function (e) { maxEdge = Math.max(maxEdge, e.count); });

    var nodes = spec.nodes.filter(function (node) { return shownNodes.ids[node.id]; }).map(function (node) {
      var special = node.kind !== "activity";
      var size = special ? 22 : 16 + 30 * Math.sqrt(node.count / maxCount);
      return {
        id: node.id,
        name: node.name,
        x: layout.place[node.id].column * dx,
        y: height / 2 + layout.place[node.id].row * dy,
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
    var activityCounter = document.querySelector('[data-activities-count="' + element.id + '"]');
    if (activityCounter) {
      activityCounter.textContent = shownNodes.shown + " / " + shownNodes.total;
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
    wireSlider("data-coverage-for", "data-coverage-value", "data-coverage");
    wireSlider("data-activities-for", "data-activities-value", "data-activities");
  }

  // A range input names the map it filters (forAttr); the map keeps the value in mapAttr and is redrawn.
  function wireSlider(forAttr, valueAttr, mapAttr) {
    document.querySelectorAll("[" + forAttr + "]").forEach(function (input) {
      var element = document.getElementById(input.getAttribute(forAttr));
      var output = document.querySelector("[" + valueAttr + '="' + input.id + '"]');
      input.addEventListener("input", function () {
        if (output) {
          output.textContent = input.value + " %";
        }
        element.setAttribute(mapAttr, input.value);
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
