/* Admin page core: API calls with the CSRF header, login state, hash routing, small DOM helpers. */
"use strict";

const Admin = (() => {
  /* kinds: the table of knowledge kinds (GET /kinds), loaded once after login; ready: what runs then. */
  const state = { user: null, views: {}, routeTurn: 0, kinds: null, ready: [] };

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.detail) || "请求失败（" + status + "）");
      this.status = status;
      this.errors = (body && body.errors) || {};
    }
  }

  async function api(method, path, body, isForm) {
    const headers = {};
    if (method !== "GET" && state.user) headers["X-CSRF-Token"] = state.user.csrf_token;
    let payload;
    if (isForm) payload = body;
    else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    const response = await fetch("/admin/api" + path, {
      method, headers, body: payload, credentials: "same-origin", cache: "no-store",
    });
    let data = null;
    const type = response.headers.get("content-type") || "";
    if (type.includes("application/json")) data = await response.json();
    if (response.status === 401 && path !== "/login") {
      showLogin();
      throw new ApiError(401, data);
    }
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  /* el("tag", {attr: value, onclick: fn}, child, "text", ...) — text always through text nodes. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function toast(message, kind) {
    const box = document.getElementById("toast");
    box.textContent = message;
    box.className = "toast " + (kind || "ok");
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { box.hidden = true; }, 4000);
  }

  function heading(text, ...extra) {
    return el("div", { className: "heading" }, el("h2", { text }), ...extra);
  }

  /* Each cell carries its column's name (data-label): on a phone a row becomes a card of labelled lines. */
  function table(headers, rows) {
    for (const row of rows) [...row.children].forEach((cell, i) => { if (headers[i]) cell.dataset.label = headers[i]; });
    return el("table", { className: "grid" },
      el("thead", {}, el("tr", {}, headers.map((h) => el("th", { text: h })))),
      el("tbody", {}, rows.length ? rows : el("tr", {}, el("td", { colspan: headers.length, className: "empty", text: "暂无数据" }))));
  }

  /* A list with a search box and choice filters, filtered in the page:
     filtered(items, { search: item => text, placeholder, selects: [{ label, options: [[value, label]], test(item, value) }] },
              items => element). An empty select value means "all". */
  function filtered(items, { search, placeholder, selects = [] }, render) {
    const box = el("input", { type: "search", name: "q", placeholder: placeholder || "搜索", "aria-label": "搜索", className: "grow" });
    const choices = selects.map((s) => el("select", { "aria-label": s.label }, s.options.map(([value, label]) => el("option", { value }, label))));
    const count = el("span", { className: "muted count" });
    const holder = el("div", {});
    const apply = () => {
      const words = box.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      const shown = items.filter((item) => words.every((w) => search(item).toLowerCase().includes(w))
        && selects.every((s, i) => !choices[i].value || s.test(item, choices[i].value)));
      count.textContent = shown.length === items.length ? `共 ${items.length} 条` : `显示 ${shown.length} / ${items.length} 条`;
      holder.replaceChildren(render(shown));
    };
    box.addEventListener("input", apply);
    for (const choice of choices) choice.addEventListener("change", apply);
    apply();
    const bar = el("div", { className: "card inline filters list-filter" }, box,
      selects.map((s, i) => el("label", {}, s.label + " ", choices[i])), count);
    return el("div", {}, bar, holder);
  }

  function time(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    if (isNaN(d)) return iso;
    const pad = (n) => String(n).padStart(2, "0");
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  function showLogin() {
    state.user = null;
    document.getElementById("app").hidden = true;
    document.getElementById("who").hidden = true;
    document.getElementById("login-view").hidden = false;
  }

  const kindOf = (code) => state.kinds.find((kind) => kind.code === code);

  /* The kinds table once: a menu link per edited kind after 仪表盘, then the views registered on it. */
  async function loadKinds() {
    if (state.kinds) return;
    state.kinds = await api("GET", "/kinds");
    const links = state.kinds.filter((kind) => kind.resource)
      .map((kind) => el("a", { href: "#" + kind.resource, text: kind.label }));
    document.querySelector('#nav a[href="#dashboard"]').after(...links);
    for (const ready of state.ready) ready(state.kinds);
  }

  async function showApp() {
    await loadKinds();
    document.getElementById("login-view").hidden = true;
    document.getElementById("app").hidden = false;
    document.getElementById("who").hidden = false;
    document.getElementById("who-name").textContent = state.user.username + "（" + (state.user.role === "admin" ? "管理员" : "编辑") + "）";
    for (const link of document.querySelectorAll("[data-admin]")) link.hidden = state.user.role !== "admin";
    route();
  }

  async function route() {
    if (!state.user) return;
    const [name, ...rest] = (location.hash.slice(1) || "dashboard").split("/");
    const view = state.views[name] || state.views.dashboard;
    for (const link of document.querySelectorAll("#nav a")) {
      link.classList.toggle("active", link.getAttribute("href") === "#" + name);
    }
    const main = document.getElementById("main");
    const turn = ++state.routeTurn;  // only the latest navigation may draw: slow views never overwrite it
    main.replaceChildren(el("p", { className: "muted", text: "加载中…" }));
    try {
      const content = await view(rest.map(decodeURIComponent));
      if (turn === state.routeTurn) main.replaceChildren(content);
    } catch (error) {
      if (error.status !== 401 && turn === state.routeTurn) main.replaceChildren(el("p", { className: "error", text: error.message }));
    }
  }

  async function start() {
    document.getElementById("login-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const form = event.target;
      const box = document.getElementById("login-error");
      box.textContent = "";
      try {
        state.user = await api("POST", "/login", { username: form.username.value, password: form.password.value });
        form.password.value = "";
        await showApp();
      } catch (error) {
        box.textContent = error.message;
      }
    });
    document.getElementById("logout").addEventListener("click", async () => {
      try { await api("POST", "/logout"); } finally { showLogin(); }
    });
    window.addEventListener("hashchange", route);
    try {
      state.user = await api("GET", "/session");
    } catch (error) {
      showLogin();
      return;
    }
    await showApp();
  }

  return { state, api, el, toast, heading, table, filtered, time, route, start, kindOf, ApiError };
})();
