/* Views: publishing (what changed since the live version, progress, history) and version history. */
"use strict";

(() => {
  const { api, el, toast, heading, table, time, state } = Admin;

  // ---- publishing ----------------------------------------------------------------------------
  function progressBar(run) {
    const bar = el("div", { className: "progress-fill" });
    bar.style.width = Math.round(run.progress * 100) + "%";
    return el("div", { className: "progress " + run.status, role: "progressbar", "aria-valuenow": Math.round(run.progress * 100) }, bar);
  }

  /* The entries the draft changed since the live version: what a publish will put live. */
  function changeList(changes) {
    const entryLink = (c) => (c.change === "delete" || !c.resource
      ? el("span", { text: c.title }) : el("a", { href: `#${c.resource}/${encodeURIComponent(c.key)}`, text: c.title }));
    return table(["改动", "类别", "条目", "修改内容", "修改人", ""], changes.map((c) => el("tr", {},
      el("td", {}, el("span", { className: "change " + c.change, text: c.change_label })),
      el("td", { text: c.kind_label }), el("td", {}, entryLink(c)),
      el("td", { text: c.fields.join("、") }), el("td", { text: `${c.author} ${time(c.changed_at)}` }),
      el("td", {}, el("a", { href: `#versions/${c.kind}/${encodeURIComponent(c.key)}`, text: "查看差异" })))));
  }

  state.views.publish = async () => {
    const overview = await api("GET", "/publish");
    const status = el("div", { id: "publish-status" });
    const button = el("button", { type: "button", className: "primary", id: "publish-button", disabled: state.user.role !== "admin" }, "发布上线");
    const watch = async (id) => {
      button.disabled = true;
      for (;;) {
        const run = await api("GET", "/publish/" + id);
        status.replaceChildren(el("p", { className: run.status === "failed" ? "error" : "", text: `${run.stage_label} ${Math.round(run.progress * 100)}% ${run.message}` }), progressBar(run));
        if (run.status !== "running") {
          toast(run.status === "succeeded" ? run.message : "发布失败：" + run.message, run.status === "succeeded" ? "ok" : "bad");
          button.disabled = false;
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 400));
      }
    };
    button.addEventListener("click", async () => {
      if (overview.freshness_warning && !confirm(overview.freshness_warning + "\n\n仍然发布？")) return;
      try {
        const run = await api("POST", "/publish");
        await watch(run.id);
        Admin.route();
      } catch (error) {
        status.replaceChildren(el("p", { className: "error", text: error.message }));
        button.disabled = false;
      }
    });
    const running = overview.history.find((run) => run.status === "running");
    if (running) watch(running.id);
    const rows = overview.history.map((run) => el("tr", {},
      el("td", { text: "#" + run.id }), el("td", { text: time(run.started_at) }), el("td", { text: run.started_by }),
      el("td", { text: run.status === "succeeded" ? "成功" : run.status === "failed" ? "失败" : "进行中" }),
      el("td", { text: run.duration_s === null ? "" : run.duration_s + " 秒" }), el("td", { text: run.message })));
    return el("div", {},
      heading("发布"),
      el("div", { className: "card" },
        el("p", { text: "线上索引：" + (overview.live_build || "尚未发布") }),
        el("p", { className: overview.unpublished_changes ? "warn" : "ok", id: "publish-summary",
          text: overview.unpublished_changes ? `草稿相对线上有 ${overview.changes.length} 条改动，发布后生效：` : "草稿与线上一致，没有待发布的改动" }),
        overview.changes.length ? changeList(overview.changes) : null,
        overview.freshness_warning
          ? el("p", { className: "warn", id: "freshness-warning" }, overview.freshness_warning + " ", el("a", { href: "#freshness", text: "去复核" })) : null,
        overview.history.length && !overview.live_is_last_publish
          ? el("p", { className: "warn", text: "注意：线上索引不是最近一次发布的结果（可能被命令行从 knowledge/ 重建），请重新发布。" }) : null,
        el("p", { className: "muted", text: "发布会从草稿构建新索引，检查通过后一次性切换；失败时线上内容保持不变。只有管理员可以发布。" }),
        button, status),
      el("h3", { text: "发布记录" }),
      table(["编号", "开始时间", "发布人", "结果", "用时", "说明"], rows));
  };

  // ---- version history -----------------------------------------------------------------------
  /* A changed value word by word: deletions struck through in red, insertions in green. */
  function segments(list) {
    const tags = { insert: "ins", delete: "del", gap: "span", equal: "span" };
    return el("div", { className: "word-diff" }, list.map((s) => el(tags[s.op], { className: "seg " + s.op, text: s.text })));
  }

  const ACTIONS = [["", "全部操作"], ["create", "新建"], ["update", "修改"], ["delete", "删除"], ["restore", "恢复"], ["seed", "初始导入"]];

  state.views.versions = async ([kind, key]) => {
    const params = new URLSearchParams({ limit: "500" });
    if (kind) params.set("kind", kind);
    if (key) params.set("key", key);
    const versions = await api("GET", "/versions?" + params);
    const detail = el("div", { className: "version-detail" });
    const show = async (id) => {
      const v = await api("GET", "/versions/" + id);
      detail.replaceChildren(el("div", { className: "card" },
        el("h3", { text: `${v.kind_label}“${v.title || v.key}” · 版本 ${v.version}（${v.action_label}，${v.author}）` }),
        el("p", { className: "muted", text: "与上一版本相比：红色删除线为删去的文字，绿色为新增的文字。" }),
        table(["字段", "改动"], v.changes.map((c) => el("tr", {}, el("td", { className: "nowrap", text: c.label }), el("td", {}, segments(c.segments))))),
        el("div", { className: "actions" }, el("button", { type: "button", className: "primary", onclick: async () => {
          if (!confirm(`把“${v.title || v.key}”恢复到版本 ${v.version}？（会生成一个新版本，发布后生效）`)) return;
          const restored = await api("POST", `/versions/${v.id}/restore`);
          toast(`已恢复，当前版本 ${restored.version}`);
          Admin.route();
        } }, "恢复到此版本"))));
      detail.scrollIntoView({ block: "start" });
    };
    const row = (v) => el("tr", {},
      el("td", { className: "title-cell" }, el("div", {},
        el("a", { href: `#versions/${v.kind}/${encodeURIComponent(v.key)}`, className: "entry-title", text: v.title || v.key }),
        el("small", { className: "muted key", text: v.key }))),
      el("td", { text: v.kind_label }), el("td", { text: `v${v.version} ${v.summary}` }),
      el("td", { text: `${v.author} ${time(v.created_at)}` }),
      el("td", {}, el("button", { type: "button", className: "link", onclick: () => show(v.id) }, "查看差异")));
    const kinds = [["", "全部类别"], ...state.kinds.map((k) => [k.code, k.label])];
    const selects = [{ label: "操作", options: ACTIONS, test: (v, value) => v.action === value }];
    if (!kind) selects.unshift({ label: "类别", options: kinds, test: (v, value) => v.kind === value });
    const title = key ? `版本历史：${versions.length ? versions[0].title || key : key}` : "版本历史";
    return el("div", {}, heading(title, key ? el("a", { href: "#versions", text: "全部" }) : null), detail,
      Admin.filtered(versions, { search: (v) => [v.title, v.key, v.summary, v.author].join(" "), placeholder: "搜索条目、修改内容或修改人", selects },
        (shown) => table(["条目", "类别", "修改内容", "修改人与时间", ""], shown.map(row))));
  };
})();
