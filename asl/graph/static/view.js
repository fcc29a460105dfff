/* The asl state machine view: lays out the graph with dagre, draws it as SVG, and
   overlays an execution's path or coverage hits. Data comes from #asl-data. */
(function () {
  "use strict";
  var SVGNS = "http://www.w3.org/2000/svg";
  var data = JSON.parse(document.getElementById("asl-data").textContent);
  var graph = data.graph;
  var ex = data.execution;
  var cov = data.coverage;
  var FONT = "13px system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
  var SMALL = "11px system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
  var canvas = document.createElement("canvas").getContext("2d");

  function textWidth(text, font) {
    canvas.font = font;
    return canvas.measureText(text || "").width;
  }

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVGNS, name);
    for (var k in attrs) if (attrs[k] !== undefined && attrs[k] !== null) node.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(node);
    return node;
  }

  function html(name, cls, text, parent) {
    var node = document.createElement(name);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  var COLORS = {
    Task: ["#e8f1fb", "#2b6cb0"], Pass: ["#f4f4f5", "#6b7280"], Choice: ["#fff4e0", "#c77700"],
    Wait: ["#f3ecfb", "#7e57c2"], Succeed: ["#e6f4ea", "#2e7d32"], Fail: ["#fdecea", "#c62828"],
    Parallel: ["#e0f2f1", "#00838f"], Map: ["#e0f2f1", "#00838f"], Start: ["#ffffff", "#374151"],
    End: ["#ffffff", "#374151"], Join: ["#374151", "#374151"]
  };
  var STATUS = {
    succeeded: ["#d7f5dd", "#1e8e3e", "Succeeded"], failed: ["#fbd3d0", "#d93025", "Failed"],
    caught: ["#ffe7c2", "#e37400", "Caught error"], running: ["#d2e3fc", "#1a73e8", "In progress"],
    cancelled: ["#e8eaed", "#80868b", "Cancelled"]
  };

  // -- overlays ----------------------------------------------------------------------
  var maxHits = 1;
  if (cov) {
    for (var s in cov.states) maxHits = Math.max(maxHits, cov.states[s]);
  }
  function hitsColor(hits) {
    if (!hits) return ["#fde2e1", "#d93025"];
    var f = Math.log(1 + hits) / Math.log(1 + maxHits);
    var light = Math.round(92 - 30 * f);
    return ["hsl(135, 55%, " + light + "%)", "#1e8e3e"];
  }
  function stateRun(name) { return ex && ex.states[name]; }
  function edgeTaken(edge) {
    if (!ex) return null;
    if (edge.key) return ex.transitions[edge.key] || 0;
    var src = nodeById[edge.source], dst = nodeById[edge.target];
    if (edge.kind === "Start") return stateRun(dst.name) ? 1 : 0;
    var from = src.kind === "Join" ? clusterState(src.cluster) : src.name;
    var run = stateRun(from);
    if (!run) return 0;
    return ex.ended[from] || 0;
  }
  function edgeHits(edge) {
    if (!cov) return null;
    if (edge.key) return cov.transitions[edge.key] || 0;
    var src = nodeById[edge.source], dst = nodeById[edge.target];
    var name = edge.kind === "Start" ? dst.name : (src.kind === "Join" ? clusterState(src.cluster) : src.name);
    return cov.states[name] || 0;
  }
  function clusterState(id) { return clusterById[id] ? clusterById[id].state : ""; }

  // -- layout ------------------------------------------------------------------------
  var nodeById = {}, clusterById = {};
  graph.nodes.forEach(function (n) { nodeById[n.id] = n; });
  graph.clusters.forEach(function (c) { clusterById[c.id] = c; });

  var g = new dagre.graphlib.Graph({ compound: true, multigraph: true });
  g.setGraph({ rankdir: "TB", nodesep: 28, ranksep: 38, edgesep: 12, marginx: 24, marginy: 24 });
  g.setDefaultEdgeLabel(function () { return {}; });
  graph.clusters.forEach(function (c) {
    g.setNode(c.id, { label: c.label, clusterLabelPos: "top" });
    if (c.parent) g.setParent(c.id, c.parent);
  });
  // Retry edges are not laid out: each state with retriers gets one loop drawn on its
  // right side, and the layout reserves room for it by widening the node.
  var retries = {};
  graph.edges.forEach(function (e) {
    if (e.kind === "Retry") (retries[e.source] = retries[e.source] || []).push(e);
  });
  graph.nodes.forEach(function (n) {
    var w, h;
    var showDetail = n.detail && n.detail !== n.kind;
    if (n.kind === "Start" || n.kind === "End") { w = 64; h = 28; }
    else if (n.kind === "Join") { w = 10; h = 10; }
    else {
      w = Math.max(textWidth(n.label, "600 " + FONT), showDetail ? textWidth(n.detail, SMALL) : 0) + 32;
      w = Math.max(w, 120);
      h = showDetail ? 46 : 34;
      if (n.kind === "Choice") { w = w * 1.35; h = 58; }
    }
    n._w = w; n._h = h; n._extra = 0;
    var loops = retries[n.id];
    if (loops) {
      n._loopText = loopText(loops);
      n._extra = textWidth(n._loopText, SMALL) + 34;
    }
    g.setNode(n.id, { width: w + n._extra, height: h });
    if (n.cluster) g.setParent(n.id, n.cluster);
  });
  function loopText(loops) {
    if (ex) {
      var taken = 0;
      loops.forEach(function (e) { taken += ex.transitions[e.key] || 0; });
      return taken ? "\u21bb retried \u00d7" + taken : loops.map(function (e) { return e.label; }).join(", ");
    }
    if (cov) return loops.map(function (e) { return e.label + " (" + (cov.transitions[e.key] || 0) + ")"; }).join(", ");
    return loops.map(function (e) { return e.label; }).join(", ");
  }
  // dagre tends to place the first-added successor rightmost: add branch edges in
  // reverse so Branch 1 sits left of Branch 2, as in the definition
  var ordered = graph.edges.filter(function (e) { return e.kind !== "Branch"; })
    .concat(graph.edges.filter(function (e) { return e.kind === "Branch"; }).reverse());
  ordered.forEach(function (e) {
    if (e.kind === "Retry") return;
    var label = e.label || "";
    var hits = cov ? edgeHits(e) : null;
    var taken = ex ? edgeTaken(e) : null;
    if (cov && e.key) label = (label ? label + " " : "") + "(" + hits + ")";
    else if (ex && taken > 1) label = (label ? label + " " : "") + "\u00d7" + taken;
    e._text = label;
    e._hits = hits;
    e._taken = taken;
    var opts = {};
    if (label) { opts.width = textWidth(label, SMALL) + 8; opts.height = 16; opts.labelpos = "c"; }
    g.setEdge(e.source, e.target, opts, e.id);
  });
  dagre.layout(g);

  // -- drawing -----------------------------------------------------------------------
  var info = g.graph();
  var svg = el("svg", {
    id: "asl-graph", xmlns: SVGNS, width: Math.ceil(info.width), height: Math.ceil(info.height),
    viewBox: "0 0 " + Math.ceil(info.width) + " " + Math.ceil(info.height), role: "img"
  });
  var defs = el("defs", {}, svg);
  function marker(id, color) {
    var m = el("marker", { id: id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 9, markerHeight: 9, markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" }, defs);
    el("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: color }, m);
  }
  marker("arrow", "#5f6368");
  marker("arrow-taken", "#1e8e3e");
  marker("arrow-catch", "#d93025");
  marker("arrow-retry", "#e37400");
  marker("arrow-faint", "#c4c7c5");

  var layers = { clusters: el("g", { "class": "clusters" }, svg), edges: el("g", { "class": "edges" }, svg), nodes: el("g", { "class": "nodes" }, svg) };

  // clusters, outermost first so inner boxes draw on top
  function depth(c) { var d = 0; while (c && c.parent) { d++; c = clusterById[c.parent]; } return d; }
  graph.clusters.slice().sort(function (a, b) { return depth(a) - depth(b); }).forEach(function (c) {
    var box = g.node(c.id);
    var grp = el("g", { "class": "cluster cluster-" + c.kind.toLowerCase(), "data-state": c.state }, layers.clusters);
    var outer = c.kind === "Parallel" || c.kind === "Map";
    var fill = outer ? "#f1f8f9" : "#ffffff";
    var stroke = outer ? "#00838f" : "#9aa0a6";
    if (outer && ex) { var r = stateRun(c.state); if (r) { fill = "#fbfdfb"; stroke = STATUS[r.status][1]; } }
    if (outer && cov) { stroke = hitsColor(cov.states[c.state] || 0)[1]; }
    el("rect", { x: box.x - box.width / 2, y: box.y - box.height / 2, width: box.width, height: box.height, rx: 8, fill: fill, stroke: stroke, "stroke-dasharray": outer ? "6 4" : "3 3", "stroke-width": outer ? 1.5 : 1 }, grp);
    if (!outer) {
      var t = el("text", { x: box.x - box.width / 2 + 8, y: box.y - box.height / 2 + 13, "class": "cluster-label" }, grp);
      t.textContent = c.label;
    }
  });

  function basis(points) {
    // a B-spline through the layout's control points, as d3.curveBasis draws it
    if (points.length < 3) return "M" + points.map(function (p) { return p.x + "," + p.y; }).join("L");
    var d = "M" + points[0].x + "," + points[0].y;
    var p = points;
    d += "L" + ((5 * p[0].x + p[1].x) / 6) + "," + ((5 * p[0].y + p[1].y) / 6);
    for (var i = 1; i < p.length - 1; i++) {
      var x0 = p[i - 1].x, y0 = p[i - 1].y, x1 = p[i].x, y1 = p[i].y, x2 = p[i + 1].x, y2 = p[i + 1].y;
      d += "C" + ((2 * x0 + x1) / 3) + "," + ((2 * y0 + y1) / 3) + " " + ((x0 + 2 * x1) / 3) + "," + ((y0 + 2 * y1) / 3) + " " + ((x0 + 4 * x1 + x2) / 6) + "," + ((y0 + 4 * y1 + y2) / 6);
    }
    var n = p.length;
    d += "C" + ((2 * p[n - 2].x + p[n - 1].x) / 3) + "," + ((2 * p[n - 2].y + p[n - 1].y) / 3) + " " + ((p[n - 2].x + 2 * p[n - 1].x) / 3) + "," + ((p[n - 2].y + 2 * p[n - 1].y) / 3) + " " + p[n - 1].x + "," + p[n - 1].y;
    return d;
  }

  graph.edges.forEach(function (e) {
    var lay = g.edge({ v: e.source, w: e.target, name: e.id });
    if (!lay) return;
    var color = "#5f6368", markerId = "arrow", width = 1.3, dash = null;
    if (e.kind === "Catch") { color = "#d93025"; markerId = "arrow-catch"; dash = "5 3"; }
    if (e.kind === "Default") dash = "5 3";
    if (ex) {
      if (e._taken) {
        if (e.kind === "Catch") { color = "#e37400"; markerId = "arrow-retry"; dash = null; }
        else { color = "#1e8e3e"; markerId = "arrow-taken"; }
        width = 2.6;
      }
      else { color = "#c4c7c5"; markerId = "arrow-faint"; }
    }
    if (cov) {
      var c = e._hits ? "#1e8e3e" : "#d93025";
      color = c; markerId = e._hits ? "arrow-taken" : "arrow-catch";
      width = e._hits ? 1.4 + 2.2 * Math.log(1 + e._hits) / Math.log(1 + maxHits) : 1.3;
      if (!e._hits) dash = "4 3";
    }
    var grp = el("g", { "class": "edge edge-" + e.kind.toLowerCase() + (e._taken ? " taken" : ""), "data-key": e.key || "" }, layers.edges);
    el("path", { d: basis(lay.points), fill: "none", stroke: color, "stroke-width": width, "stroke-dasharray": dash, "marker-end": "url(#" + markerId + ")" }, grp);
    if (e.detail || e._text) el("title", {}, grp).textContent = e.detail || e._text;
    if (e._text && lay.x !== undefined) {
      var w = textWidth(e._text, SMALL) + 8;
      el("rect", { x: lay.x - w / 2, y: lay.y - 8, width: w, height: 16, rx: 3, fill: "#ffffff", "fill-opacity": 0.92 }, grp);
      var t = el("text", { x: lay.x, y: lay.y + 4, "text-anchor": "middle", "class": "edge-label", fill: ex && !e._taken ? "#9aa0a6" : (e.kind === "Catch" ? "#d93025" : "#3c4043") }, grp);
      t.textContent = e._text;
    }
  });

  function drawLoop(n, loops, right, y, parent) {
    var hits = 0;
    loops.forEach(function (e) {
      if (ex) hits += ex.transitions[e.key] || 0;
      if (cov) hits = Math.min(hits || Infinity, cov.transitions[e.key] || 0);
    });
    var color = "#e37400", width = 1.4, dash = "3 3";
    if (ex && !hits) color = "#c4c7c5";
    if (ex && hits) { width = 2.4; dash = null; }
    if (cov) { color = hits ? "#1e8e3e" : "#d93025"; }
    var grp = el("g", { "class": "edge edge-retry" + (ex && hits ? " taken" : ""), "data-key": loops.map(function (e) { return e.key; }).join("|") }, parent);
    el("path", {
      d: "M" + right + "," + (y - 9) + " C" + (right + 26) + "," + (y - 20) + " " + (right + 26) + "," + (y + 20) + " " + (right + 2) + "," + (y + 9),
      fill: "none", stroke: color, "stroke-width": width, "stroke-dasharray": dash,
      "marker-end": "url(#" + (cov ? (hits ? "arrow-taken" : "arrow-catch") : (ex && !hits ? "arrow-faint" : "arrow-retry")) + ")"
    }, grp);
    var t = el("text", { x: right + 24, y: y + 4, "class": "edge-label", fill: cov ? color : (ex && !hits ? "#80868b" : "#b06000") }, grp);
    t.textContent = n._loopText;
    el("title", {}, grp).textContent = loops.map(function (e) { return e.detail; }).join("\n");
  }

  var selected = null;
  graph.nodes.forEach(function (n) {
    var box = g.node(n.id);
    var x = box.x - n._extra / 2, y = box.y, w = n._w, h = n._h;
    var colors = COLORS[n.kind] || ["#ffffff", "#374151"];
    var fill = colors[0], stroke = colors[1], opacity = 1, sw = 1.4;
    var run = n.name ? stateRun(n.name) : null;
    if (ex && n.name) {
      if (run) { fill = STATUS[run.status][0]; stroke = STATUS[run.status][1]; sw = 2; }
      else { fill = "#ffffff"; stroke = "#bdc1c6"; opacity = 0.7; }
    }
    if (ex && (n.kind === "Start" || n.kind === "End")) {
      var reached = n.kind === "Start" || ex.status === "SUCCEEDED";
      if (reached) { stroke = "#1e8e3e"; sw = 2; }
    }
    var hits = cov && n.name ? (cov.states[n.name] || 0) : null;
    if (cov && n.name) { var hc = hitsColor(hits); fill = hc[0]; stroke = hc[1]; sw = 1.8; }
    var grp = el("g", { "class": "node state-" + n.kind.toLowerCase(), "data-state": n.name || null, "data-node": n.id, opacity: opacity }, layers.nodes);
    if (n.kind === "Choice") {
      el("polygon", { points: [x, y - h / 2, x + w / 2, y, x, y + h / 2, x - w / 2, y].join(" "), fill: fill, stroke: stroke, "stroke-width": sw }, grp);
    } else if (n.kind === "Join") {
      el("circle", { cx: x, cy: y, r: 5, fill: ex && run ? stroke : "#5f6368" }, grp);
    } else if (n.kind === "Start" || n.kind === "End") {
      el("rect", { x: x - w / 2, y: y - h / 2, width: w, height: h, rx: h / 2, fill: fill, stroke: stroke, "stroke-width": sw }, grp);
    } else {
      var rx = { Succeed: 14, Fail: 14, Pass: 3, Wait: 3 }[n.kind];
      el("rect", { x: x - w / 2, y: y - h / 2, width: w, height: h, rx: rx === undefined ? 7 : rx, fill: fill, stroke: stroke, "stroke-width": sw }, grp);
      if (n.kind === "Parallel" || n.kind === "Map") {
        el("rect", { x: x - w / 2 + 3, y: y - h / 2 + 3, width: w - 6, height: h - 6, rx: 5, fill: "none", stroke: stroke, "stroke-width": 0.8 }, grp);
      }
      // a type stripe on the left, as the console's icons tell the types apart
      el("rect", { x: x - w / 2 + 1, y: y - h / 2 + 6, width: 4, height: h - 12, rx: 2, fill: colors[1] }, grp);
    }
    if (n.kind !== "Join") {
      var showDetail = n.detail && n.detail !== n.kind;
      var label = el("text", { x: x, y: showDetail ? y - 3 : y + 4.5, "text-anchor": "middle", "class": n.name ? "state-label" : "terminal-label" }, grp);
      label.textContent = n.label;
      if (showDetail) {
        var d = el("text", { x: x, y: y + 13, "text-anchor": "middle", "class": "state-detail" }, grp);
        d.textContent = n.detail;
      }
    }
    if (n._loopText) drawLoop(n, retries[n.id], x + w / 2, y, grp);
    var badges = [];
    if (run && run.visits > 1) badges.push(["\u00d7" + run.visits, "#3c4043"]);
    if (run && run.retries) badges.push(["\u21bb " + run.retries, "#e37400"]);
    if (cov && n.name) badges.push([hits + (hits === 1 ? " hit" : " hits"), hits ? "#1e8e3e" : "#d93025"]);
    var bx = x + w / 2 - 4;
    badges.forEach(function (b) {
      var bw = textWidth(b[0], SMALL) + 10;
      el("rect", { x: bx - bw, y: y - h / 2 - 9, width: bw, height: 16, rx: 8, fill: b[1] }, grp);
      var t = el("text", { x: bx - bw / 2, y: y - h / 2 + 3, "text-anchor": "middle", "class": "badge" }, grp);
      t.textContent = b[0];
      bx -= bw + 4;
    });
    el("title", {}, grp).textContent = n.name ? n.kind + ": " + n.name + (n.detail && n.detail !== n.kind ? "\n" + n.detail : "") : n.kind;
    if (n.name) grp.addEventListener("click", function () { select(n, grp); });
  });
  document.getElementById("graph").appendChild(svg);

  // -- side panel --------------------------------------------------------------------
  var panel = document.getElementById("panel");
  function pre(title, text, parent) {
    if (text === null || text === undefined) return;
    html("h4", null, title, parent);
    html("pre", null, text, parent);
  }
  function overview() {
    panel.textContent = "";
    if (ex) {
      html("h3", null, "Execution " + (ex.name || ""), panel);
      var st = { SUCCEEDED: "succeeded", FAILED: "failed", TIMED_OUT: "failed", ABORTED: "cancelled", RUNNING: "running" }[ex.status] || "cancelled";
      html("span", "status status-" + st, ex.status, panel);
      if (ex.error) pre("Error", ex.error, panel);
      if (ex.cause) pre("Cause", ex.cause, panel);
      if (ex.output) pre("Output", ex.output, panel);
      html("p", "hint", "Click a state to see its input and output.", panel);
    } else if (cov) {
      html("h3", null, "Coverage", panel);
      var names = graph.nodes.filter(function (n) { return n.name; });
      var hit = names.filter(function (n) { return cov.states[n.name]; }).length;
      var keys = graph.edges.filter(function (e) { return e.key; });
      var taken = keys.filter(function (e) { return cov.transitions[e.key]; }).length;
      html("p", null, "States: " + hit + " of " + names.length + " entered", panel);
      html("p", null, "Transitions: " + taken + " of " + keys.length + " taken", panel);
      var missed = names.filter(function (n) { return !cov.states[n.name]; }).map(function (n) { return n.name; });
      if (missed.length) pre("Never entered", missed.join("\n"), panel);
      var missedT = keys.filter(function (e) { return !cov.transitions[e.key]; }).map(function (e) { return e.key.replace("\u00a0", " "); });
      if (missedT.length) pre("Never taken", missedT.join("\n"), panel);
    } else {
      html("h3", null, "State machine", panel);
      html("p", "hint", "Click a state to see its details.", panel);
    }
  }
  function select(n, grp) {
    if (selected) selected.classList.remove("selected");
    selected = grp; grp.classList.add("selected");
    panel.textContent = "";
    html("h3", null, n.name, panel);
    html("p", "kind", n.kind + (n.detail && n.detail !== n.kind ? " \u00b7 " + n.detail : ""), panel);
    var run = stateRun(n.name);
    if (ex && !run) html("p", "hint", "Not entered in this execution.", panel);
    if (run) {
      html("span", "status status-" + run.status, STATUS[run.status][2], panel);
      var facts = run.visits + (run.visits === 1 ? " visit" : " visits");
      if (run.retries) facts += ", " + run.retries + (run.retries === 1 ? " retry" : " retries");
      html("p", null, facts, panel);
      if (run.errors.length) pre("Errors raised (retried or caught)", run.errors.join("\n"), panel);
      run.payloads.forEach(function (p, i) {
        var box = html("details", "visit", null, panel);
        if (i === run.payloads.length - 1) box.open = true;
        html("summary", null, "Visit " + (i + 1) + " \u00b7 " + STATUS[p.status][2] + (p.retries ? " \u00b7 \u21bb " + p.retries : ""), box);
        pre("Input", p.input, box);
        pre("Output", p.output, box);
        if (p.error) pre("Error", p.error + (p.cause ? "\n" + p.cause : ""), box);
      });
      if (run.visits > run.payloads.length) html("p", "hint", (run.visits - run.payloads.length) + " more visits not shown.", panel);
    }
    if (cov) html("p", null, (cov.states[n.name] || 0) + " hits", panel);
    var out = graph.edges.filter(function (e) { return e.key && e.key.indexOf(n.name + "\u2192") === 0; });
    if (out.length) {
      html("h4", null, "Transitions", panel);
      var ul = html("ul", null, null, panel);
      out.forEach(function (e) {
        var k = e.key.split("\u2192")[1].split("\u00a0");
        var text = k[1] + " \u2192 " + k[0] + (e.detail && e.detail !== e.label ? " (" + e.detail + ")" : (e.label ? " (" + e.label + ")" : ""));
        if (ex) text += " \u00b7 taken " + (ex.transitions[e.key] || 0) + "\u00d7";
        if (cov) text += " \u00b7 " + (cov.transitions[e.key] || 0) + " hits";
        html("li", null, text, ul);
      });
    }
  }
  overview();
  // a link can open the view with a state selected: page.html#state=NAME
  var wanted = decodeURIComponent((location.hash.match(/^#state=(.*)$/) || [])[1] || "");
  graph.nodes.forEach(function (n) {
    if (wanted && n.name === wanted) {
      var grp = svg.querySelector('[data-node="' + n.id + '"]');
      if (grp) select(n, grp);
    }
  });
  document.getElementById("graph").addEventListener("click", function (evt) {
    if (evt.target === svg) { if (selected) selected.classList.remove("selected"); selected = null; overview(); }
  });

  // -- timeline ----------------------------------------------------------------------
  if (ex && ex.timeline) {
    var tl = ex.timeline, host = document.getElementById("timeline");
    host.hidden = false;
    var spans = tl.spans.slice(0, 300);
    var total = Math.max(tl.duration, 1);
    var W = Math.max(600, Math.min(1400, window.innerWidth - 80)), left = 180, rowH = 20;
    var chart = el("svg", { id: "asl-timeline", width: W, height: spans.length * rowH + 34 });
    var scale = function (t) { return left + (W - left - 16) * (t / total); };
    for (var i = 0; i <= 4; i++) {
      var tx = scale(total * i / 4);
      el("line", { x1: tx, x2: tx, y1: 14, y2: spans.length * rowH + 20, stroke: "#e8eaed" }, chart);
      el("text", { x: tx, y: 10, "text-anchor": i === 4 ? "end" : (i === 0 ? "start" : "middle"), "class": "axis" }, chart).textContent = formatMs(total * i / 4);
    }
    spans.forEach(function (sp, i) {
      var y = 20 + i * rowH;
      el("text", { x: left - 8, y: y + 13, "text-anchor": "end", "class": "row-label" }, chart).textContent = sp.state;
      var x0 = scale(sp.start), x1 = Math.max(scale(sp.end), x0 + 3);
      var bar = el("rect", { x: x0, y: y + 3, width: x1 - x0, height: rowH - 6, rx: 3, fill: STATUS[sp.status][1] }, chart);
      el("title", {}, bar).textContent = sp.state + ": " + STATUS[sp.status][2] + ", +" + formatMs(sp.start) + " \u2192 +" + formatMs(sp.end) + (sp.retries ? ", " + sp.retries + " retries" : "");
    });
    host.appendChild(chart);
    if (tl.spans.length > spans.length) html("p", "hint", (tl.spans.length - spans.length) + " more state visits not drawn.", host);
    var table = html("table", "events", null, host);
    var head = html("tr", null, null, html("thead", null, null, table));
    ["#", "Time", "Type", "State", "Details"].forEach(function (h) { html("th", null, h, head); });
    var body = html("tbody", null, null, table);
    tl.events.slice(0, 2000).forEach(function (evt) {
      var tr = html("tr", /Failed|TimedOut|Aborted/.test(evt.type || "") ? "bad" : null, null, body);
      html("td", null, String(evt.id), tr);
      html("td", null, evt.t === null ? "" : "+" + formatMs(evt.t), tr);
      html("td", null, evt.type, tr);
      html("td", null, evt.state, tr);
      html("td", null, evt.summary, tr);
    });
    if (tl.events.length > 2000) html("p", "hint", (tl.events.length - 2000) + " more events not listed.", host);
  }

  function formatMs(ms) {
    if (ms < 1000) return (Math.round(ms * 10) / 10) + " ms";
    if (ms < 120000) return (Math.round(ms / 10) / 100) + " s";
    if (ms < 7200000) return (Math.round(ms / 600) / 100) + " min";
    return (Math.round(ms / 36000) / 100) + " h";
  }

  // -- legend ------------------------------------------------------------------------
  var legend = document.getElementById("legend");
  var items = ex
    ? [["succeeded"], ["caught"], ["failed"], ["running"], ["cancelled"]].map(function (k) { return [STATUS[k[0]][2], STATUS[k[0]][0], STATUS[k[0]][1]]; }).concat([["Not entered", "#ffffff", "#bdc1c6"]])
    : cov ? [["Never entered", "#fde2e1", "#d93025"], ["Entered (darker: more hits)", "hsl(135, 55%, 72%)", "#1e8e3e"]]
    : ["Task", "Choice", "Pass", "Wait", "Parallel", "Map", "Succeed", "Fail"].map(function (k) { return [k, COLORS[k][0], COLORS[k][1]]; });
  items.forEach(function (it) {
    var span = html("span", "legend-item", null, legend);
    var sw = html("i", null, null, span);
    sw.style.background = it[1]; sw.style.borderColor = it[2];
    span.appendChild(document.createTextNode(it[0]));
  });
  document.body.setAttribute("data-rendered", "true");
})();
