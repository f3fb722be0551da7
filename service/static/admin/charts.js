/* Charts drawn locally as inline SVG (no library, no CDN): stacked day bars, horizontal bars, ratio ring. */
"use strict";

const Charts = (() => {
  const NS = "http://www.w3.org/2000/svg";
  const COLORS = { answered: "#2f7d4f", closest: "#d6b23c", fallback: "#d9822b", other: "#a0aec0",
    up: "#2f7d4f", down: "#c0392b", bar: "#2b6cb0", checkup: "#6b46c1" };

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(NS, tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
    for (const child of children) {
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function titled(node, text) {
    node.append(svg("title", {}, text));
    return node;
  }

  /* days: [{date, questions, <part>: count}], parts: [[key, label, color]] -> bars stacked in parts' order. */
  function days(series, parts) {
    const width = 640, height = 220, left = 34, bottom = 28, top = 10;
    const max = Math.max(1, ...series.map((d) => d.questions));
    const step = (width - left - 6) / Math.max(series.length, 1);
    const scale = (v) => (v / max) * (height - bottom - top);
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": "每日提问数" });
    for (const tick of [0, Math.ceil(max / 2), max]) {
      const y = height - bottom - scale(tick);
      root.append(svg("line", { x1: left, x2: width, y1: y, y2: y, class: "gridline" }));
      root.append(svg("text", { x: left - 4, y: y + 4, "text-anchor": "end", class: "tick" }, String(tick)));
    }
    series.forEach((d, i) => {
      const x = left + i * step + 1, w = Math.max(step - 2, 1);
      let y = height - bottom;
      for (const [key, label, color] of parts) {
        const h = scale(d[key] || 0);
        y -= h;
        root.append(titled(svg("rect", { x, y, width: w, height: h, fill: color }), `${d.date} ${label} ${d[key] || 0}`));
      }
      if (series.length <= 14 || i % Math.ceil(series.length / 10) === 0) {
        root.append(svg("text", { x: x + w / 2, y: height - 10, "text-anchor": "middle", class: "tick" }, d.date.slice(5)));
      }
    });
    return root;
  }

  /* items: [{label, value, extra}] -> horizontal bars with the value at the end. */
  function bars(items, color) {
    const rowH = 26, width = 420, labelW = 150;
    const max = Math.max(1, ...items.map((i) => i.value));
    const root = svg("svg", { viewBox: `0 0 ${width} ${Math.max(items.length, 1) * rowH + 4}`, class: "chart", role: "img" });
    if (!items.length) root.append(svg("text", { x: 4, y: 18, class: "tick" }, "暂无数据"));
    items.forEach((item, i) => {
      const y = i * rowH + 4, w = ((width - labelW - 40) * item.value) / max;
      root.append(svg("text", { x: labelW - 6, y: y + 15, "text-anchor": "end", class: "label" }, item.label));
      root.append(titled(svg("rect", { x: labelW, y, width: Math.max(w, 1), height: rowH - 8, fill: color || COLORS.bar }), item.extra || String(item.value)));
      root.append(svg("text", { x: labelW + w + 4, y: y + 15, class: "tick" }, String(item.value)));
    });
    return root;
  }

  /* parts: [{label, value, color}] -> a ring with the first part's share in the middle. */
  function ring(parts, caption) {
    const total = parts.reduce((s, p) => s + p.value, 0);
    const r = 60, c = 2 * Math.PI * r;
    const root = svg("svg", { viewBox: "0 0 180 180", class: "ring", role: "img", "aria-label": caption });
    root.append(svg("circle", { cx: 90, cy: 90, r, fill: "none", stroke: "#e2e8f0", "stroke-width": 22 }));
    let offset = 0;
    for (const part of parts) {
      if (!total || !part.value) continue;
      const length = (part.value / total) * c;
      root.append(titled(svg("circle", {
        cx: 90, cy: 90, r, fill: "none", stroke: part.color, "stroke-width": 22,
        "stroke-dasharray": `${length} ${c - length}`, "stroke-dashoffset": -offset, transform: "rotate(-90 90 90)",
      }), `${part.label} ${part.value}`));
      offset += length;
    }
    const share = total ? Math.round((parts[0].value / total) * 100) + "%" : "—";
    root.append(svg("text", { x: 90, y: 96, "text-anchor": "middle", class: "ring-value" }, share));
    root.append(svg("text", { x: 90, y: 172, "text-anchor": "middle", class: "tick" }, caption));
    return root;
  }

  /* parts: [[key, label, color]] -> a row of colour swatches with their labels. */
  function legend(parts) {
    const row = document.createElement("div");
    row.className = "legend";
    for (const [, label, color] of parts) {
      const item = document.createElement("span");
      item.append(svg("svg", { viewBox: "0 0 12 12", "aria-hidden": "true" }, svg("rect", { width: 12, height: 12, rx: 2, fill: color })), label);
      row.append(item);
    }
    return row;
  }

  return { days, bars, ring, legend, COLORS };
})();
