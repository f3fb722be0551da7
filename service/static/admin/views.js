/* Views: dashboard, knowledge lists and forms, hit testing, publishing, version history. */
"use strict";

(() => {
  const { api, el, toast, table, time, state } = Admin;
  /* kind: the form's own choices (fetched fresh: they list other entries); names and labels: GET /kinds. */
  const OPTIONS = { checkup: "/checkup-options" };
  const labelOf = (choices, code) => (choices.find((c) => c.code === code) || { label: code }).label;
  const conditions = (when, refs) => refs.conditions.filter((c) => (when[c.field] || []).length)
    .map((c) => c.label + "：" + when[c.field].join("、")).join("；");
  /* kind: extra list columns [header, text of (entry, refs)] after the name. */
  const COLUMNS = {
    station: [["电话", (e) => e.data.phone || "（空）"]],
    checkup: [["报告分组", (e, refs) => labelOf(refs.sections, e.data.section)], ["条件", (e, refs) => conditions(e.data.when, refs)],
      ["依据", (e, refs) => labelOf(refs.ref_kinds, e.data.ref.kind) + " " + e.data.ref.id]],
  };
  let places = null;

  async function references(optionsPath) {
    places = places || await api("GET", "/locations");
    return optionsPath ? { ...places, ...await api("GET", optionsPath) } : places;
  }

  function heading(text, ...extra) {
    return el("div", { className: "heading" }, el("h2", { text }), ...extra);
  }

  // ---- dashboard ----------------------------------------------------------------------------
  state.views.dashboard = async () => {
    const board = await api("GET", "/dashboard?days=30");
    const rate = board.answered_rate === null ? "—" : Math.round(board.answered_rate * 100) + "%";
    const thumbs = board.thumbs.up + board.thumbs.down;
    return el("div", {},
      heading("仪表盘（近30天）"),
      el("div", { className: "stats" },
        el("div", { className: "stat" }, el("b", { text: board.questions }), "提问"),
        el("div", { className: "stat" }, el("b", { text: rate }), "已回答比例"),
        el("div", { className: "stat" }, el("b", { text: board.fallback }), "未能回答"),
        el("div", { className: "stat" }, el("b", { text: thumbs ? Math.round(board.thumbs.up / thumbs * 100) + "%" : "—" }), "点赞比例"),
        el("a", { className: "stat" + (board.overdue_entries ? " warn" : ""), href: "#freshness", id: "overdue-stat" },
          el("b", { text: board.overdue_entries }), "条目需复核"),
        el("div", { className: "stat", id: "checkup-stat" }, el("b", { text: board.checkups.total }), "知识产权体检")),
      el("div", { className: "charts" },
        el("figure", { className: "card wide" }, el("figcaption", { text: "每日提问：绿色已回答，橙色未能回答" }), Charts.days(board.per_day)),
        el("figure", { className: "card" }, el("figcaption", { text: "已回答与未回答" }),
          Charts.ring([{ label: "已回答", value: board.answered, color: Charts.COLORS.answered },
            { label: "未能回答", value: board.fallback, color: Charts.COLORS.fallback }], "已回答比例")),
        el("figure", { className: "card" }, el("figcaption", { text: "点赞与点踩" }),
          Charts.ring([{ label: "点赞", value: board.thumbs.up, color: Charts.COLORS.up },
            { label: "点踩", value: board.thumbs.down, color: Charts.COLORS.down }], "点赞比例")),
        el("figure", { className: "card" }, el("figcaption", { text: "热门话题（括号内为未能回答数）" }),
          Charts.bars(board.top_topics.map((t) => ({ label: `${t.topic}（${t.fallback}）`, value: t.questions })))),
        el("figure", { className: "card" }, el("figcaption", { text: "转介最多的站点" }),
          Charts.bars(board.top_stations.map((s) => ({ label: s.name, value: s.referrals })), Charts.COLORS.fallback)),
        el("figure", { className: "card", id: "checkup-industries" }, el("figcaption", { text: "知识产权体检：企业所属行业" }),
          Charts.bars(board.checkups.by_industry.map((i) => ({ label: i.industry, value: i.checkups })), Charts.COLORS.checkup)),
        el("figure", { className: "card", id: "checkup-needs" }, el("figcaption", { text: "知识产权体检：企业需求（打算与纠纷）" }),
          Charts.bars(board.checkups.by_need.map((n) => ({ label: n.need, value: n.checkups })), Charts.COLORS.checkup))));
  };

  // ---- knowledge lists and forms -------------------------------------------------------------
  function listView({ code: kind, label, resource, key_field: keyField, title_label: nameHeader }) {
    const columns = COLUMNS[kind] || [];
    return async ([key]) => {
      const refs = await references(OPTIONS[kind]);
      if (key) return formView(resource, kind, label, key, refs);
      const entries = await api("GET", "/" + resource);
      const rows = entries.map((entry) => el("tr", {},
        el("td", { className: "nowrap" }, el("a", { href: `#${resource}/${encodeURIComponent(entry.key)}`, text: entry.key })),
        el("td", { text: entry.title }),
        columns.map(([, text]) => el("td", { text: text(entry, refs) })),
        el("td", { text: "v" + entry.version }),
        el("td", { text: time(entry.updated_at) + " " + entry.updated_by }),
        el("td", { className: "nowrap" }, el("a", { href: `#versions/${kind}/${encodeURIComponent(entry.key)}`, text: "历史" }))));
      const headers = [Admin.kindOf(kind).fields[keyField], nameHeader, ...columns.map(([header]) => header), "版本", "最后修改", ""];
      return el("div", {},
        heading(label + `（${entries.length}）`, el("a", { href: `#${resource}/new`, className: "button primary", text: "新建" })),
        kind === "document" ? uploadForm() : null,
        table(headers, rows));
    };
  }

  function formView(resource, kind, label, key, refs) {
    const creating = key === "new";
    const load = creating ? Promise.resolve({ data: {}, version: 0 }) : api("GET", `/${resource}/${encodeURIComponent(key)}`);
    return load.then((entry) => {
      const remove = creating ? null : el("button", {
        type: "button", className: "danger", onclick: async () => {
          if (!confirm("确定删除？删除后可在版本历史中恢复。")) return;
          await api("DELETE", `/${resource}/${encodeURIComponent(key)}`);
          toast("已删除");
          location.hash = resource;
        },
      }, "删除");
      const form = Forms.build(kind, entry.data, refs, {
        editing: !creating,
        extra: remove,
        save: async (data) => {
          const saved = creating
            ? await api("POST", "/" + resource, data)
            : await api("PUT", `/${resource}/${encodeURIComponent(key)}`, data);
          toast(`已保存（版本 ${saved.version}），发布后对用户生效`);
          if (saved.warnings && saved.warnings.length) {
            warnings.replaceChildren(staleWarning(saved.warnings));
            return;
          }
          location.hash = resource;
        },
      });
      const warnings = el("div", { id: "stale-warnings" });
      return el("div", {}, heading((creating ? "新建" : "编辑") + label + (creating ? "" : `：${key}（版本 ${entry.version}）`),
        el("a", { href: "#" + resource, text: "返回列表" })), warnings, form);
    });
  }

  function staleWarning(found) {
    return el("div", { className: "card warn-box", role: "alert" },
      el("p", { className: "warn", text: "已保存。以下条目仍写着旧的电话或地址，请一并修改，否则机器人可能给出旧信息：" }),
      el("ul", {}, found.map((w) => el("li", {},
        el("a", { href: `#${Admin.kindOf(w.kind).resource}/${encodeURIComponent(w.key)}`, className: "stale-link", text: `${w.kind_label} ${w.key}` }),
        `（${w.title}）含“${w.value}”`))));
  }

  function uploadForm() {
    const error = el("p", { className: "field-error", role: "alert" });
    const form = el("form", { className: "card upload", novalidate: true },
      el("h3", { text: "上传文档（Markdown、TXT、DOCX、PDF）" }),
      el("div", { className: "inline" },
        el("label", {}, "文件 ", el("input", { type: "file", name: "file", accept: ".md,.markdown,.txt,.docx,.pdf" })),
        el("label", {}, "编号 ", el("input", { name: "id", placeholder: "如 yp-notice-2025" })),
        el("label", {}, "标题 ", el("input", { name: "title" })),
        el("label", {}, "文号 ", el("input", { name: "number" })),
        el("label", {}, "日期 ", el("input", { name: "date", type: "date" })),
        el("label", {}, el("input", { name: "replace", type: "checkbox" }), " 覆盖同编号文档"),
        el("button", { type: "submit", className: "primary" }, "上传并校验")), error);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.textContent = "";
      const body = new FormData(form);
      body.set("replace", form.elements.replace.checked ? "true" : "false");
      try {
        const saved = await api("POST", "/documents/upload", body, true);
        toast(`已导入文档 ${saved.key}`);
        location.hash = "documents/" + encodeURIComponent(saved.key);
      } catch (failure) {
        error.textContent = Object.values(failure.errors).join("；") || failure.message;
      }
    });
    return form;
  }

  state.ready.push((kinds) => {
    for (const kind of kinds.filter((k) => k.resource)) state.views[kind.resource] = listView(kind);
  });

  // ---- hit testing ---------------------------------------------------------------------------
  state.views.search = async () => {
    const results = el("div", { className: "results" });
    const form = el("form", { className: "card inline", novalidate: true },
      el("input", { name: "q", placeholder: "输入企业可能会问的问题，如：专利质押贷款有贴息吗", className: "grow" }),
      el("select", { name: "target" }, el("option", { value: "draft" }, "草稿（未发布）"), el("option", { value: "live" }, "线上（已发布）")),
      el("button", { type: "submit", className: "primary" }, "测试"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      results.replaceChildren(el("p", { className: "muted", text: "检索中…（草稿有改动时会先重建草稿索引）" }));
      try {
        const params = new URLSearchParams({ q: form.elements.q.value, k: "8", target: form.elements.target.value });
        const found = await api("GET", "/search?" + params);
        results.replaceChildren(
          el("p", { className: found.answerable ? "ok" : "warn",
            text: (found.answerable ? "可以据此回答" : "置信度不足：机器人会转人工") + `（索引 ${found.build}${found.rebuilt ? "，已重建" : ""}）` }),
          ...found.hits.map((hit) => el("article", { className: "card hit" },
            el("div", { className: "hit-head" }, el("b", { text: "#" + hit.rank }), el("span", { className: "score", text: "得分 " + hit.score.toFixed(4) }),
              el("span", { className: "tag", text: hit.kind }), el("span", { text: hit.title + (hit.section ? " › " + hit.section : "") })),
            el("pre", { className: "hit-text", text: hit.text }),
            el("small", { className: "muted", text: "来源：" + hit.source.title + (hit.source.number ? " " + hit.source.number : "") + (hit.source.demo ? "（演示数据）" : "") }))));
      } catch (error) {
        results.replaceChildren(el("p", { className: "error", text: error.message }));
      }
    });
    return el("div", {}, heading("命中测试"), form, results);
  };

  // ---- publishing ----------------------------------------------------------------------------
  function progressBar(run) {
    const bar = el("div", { className: "progress-fill" });
    bar.style.width = Math.round(run.progress * 100) + "%";
    return el("div", { className: "progress " + run.status, role: "progressbar", "aria-valuenow": Math.round(run.progress * 100) }, bar);
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
        el("p", { className: overview.unpublished_changes ? "warn" : "ok", text: overview.unpublished_changes ? "草稿有尚未发布的修改" : "草稿与线上一致" }),
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
  state.views.versions = async ([kind, key]) => {
    const params = new URLSearchParams({ limit: "200" });
    if (kind) params.set("kind", kind);
    if (key) params.set("key", key);
    const versions = await api("GET", "/versions?" + params);
    const detail = el("div", { className: "version-detail" });
    const show = async (id) => {
      const v = await api("GET", "/versions/" + id);
      detail.replaceChildren(el("div", { className: "card" },
        el("h3", { text: `${v.kind_label} ${v.key} · 版本 ${v.version}（${v.action_label}）` }),
        table(["字段", "修改前", "修改后"], v.changes.map((c) => el("tr", {}, el("td", { text: c.label }), el("td", { text: c.before }), el("td", { text: c.after })))),
        el("details", {}, el("summary", { text: "文本差异" }), el("pre", { className: "diff", text: v.diff || "（无差异）" })),
        el("button", { type: "button", className: "primary", onclick: async () => {
          if (!confirm(`把 ${v.key} 恢复到版本 ${v.version}？（会生成一个新版本，发布后生效）`)) return;
          const restored = await api("POST", `/versions/${v.id}/restore`);
          toast(`已恢复，当前版本 ${restored.version}`);
          Admin.route();
        } }, "恢复到此版本")));
    };
    const rows = versions.map((v) => el("tr", {},
      el("td", { text: time(v.created_at) }), el("td", { text: v.kind_label }),
      el("td", {}, el("a", { href: `#versions/${v.kind}/${encodeURIComponent(v.key)}`, text: v.key })),
      el("td", { text: "v" + v.version }), el("td", { text: v.summary }), el("td", { text: v.author }),
      el("td", {}, el("button", { type: "button", className: "link", onclick: () => show(v.id) }, "查看差异"))));
    return el("div", {}, heading("版本历史" + (key ? "：" + key : ""), key ? el("a", { href: "#versions", text: "全部" }) : null),
      detail, table(["时间", "类别", "编号", "版本", "修改内容", "修改人", ""], rows));
  };
})();
