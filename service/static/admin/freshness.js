/* View: freshness review — entries by source age and status, filters, and 已复核 (who, when, against what). */
"use strict";

(() => {
  const { api, el, toast, table, state } = Admin;
  const STATUSES = [["", "全部状态"], ["current", "现行"], ["historical", "历史"], ["unknown", "状态未知"]];
  const REASONS = [["", "全部原因"], ["unknown_status", "现行状态未核实"], ["undated", "来源未注明日期"], ["old_source", "来源超过时限"]];
  const OVERDUE = [["true", "只看需复核"], ["", "全部条目"], ["false", "只看正常"]];

  function select(name, options) {
    return el("select", { name }, options.map(([value, label]) => el("option", { value }, label)));
  }

  function age(entry) {
    if (entry.age_months === null) return "未知";
    return entry.age_months >= 12 ? `${Math.floor(entry.age_months / 12)}年${entry.age_months % 12}个月` : `${entry.age_months}个月`;
  }

  function reviewCell(entry, reload) {
    const done = entry.reviewed_on ? el("div", { className: "muted", text: `${entry.reviewed_on} ${entry.reviewed_by}：${entry.reviewed_against}` }) : null;
    if (!entry.reviewable) return el("td", {}, done);
    const against = el("input", { name: "against", placeholder: "核对依据，如：市知识产权局官网 2026-12-01 查阅", className: "grow" });
    const error = el("small", { className: "field-error", role: "alert" });
    const form = el("form", { className: "inline review-form", novalidate: true }, against,
      el("button", { type: "submit" }, "已复核"), error);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.textContent = "";
      try {
        await api("POST", `/freshness/${entry.kind}/${encodeURIComponent(entry.id)}/review`, { against: against.value });
        toast(`已记录复核：${entry.id}（发布后生效）`);
        await reload();
      } catch (failure) {
        error.textContent = Object.values(failure.errors || {}).join("；") || failure.message;
      }
    });
    return el("td", {}, done, form);
  }

  state.views.freshness = async () => {
    const summary = el("div", {});
    const list = el("div", {});
    const kinds = [["", "全部类别"], ...state.kinds.filter((k) => k.searched).map((k) => [k.code, k.label])];
    const form = el("form", { className: "card inline filters", novalidate: true },
      el("label", {}, "类别 ", select("kind", kinds)), el("label", {}, "状态 ", select("status", STATUSES)),
      el("label", {}, "原因 ", select("reason", REASONS)), el("label", {}, "范围 ", select("overdue", OVERDUE)),
      el("label", {}, "包含 ", el("input", { name: "q" })), el("button", { type: "submit", className: "primary" }, "筛选"));
    const load = async () => {
      const params = new URLSearchParams();
      for (const [key, value] of new FormData(form).entries()) if (value) params.set(key, value);
      const report = await api("GET", "/freshness?" + params);
      const counts = report.summary;
      summary.replaceChildren(
        el("div", { className: "stats" },
          el("div", { className: "stat" }, el("b", { text: counts.overdue }), `需复核（共${counts.total}条）`),
          el("div", { className: "stat" }, el("b", { text: counts.by_status.unknown }), "状态未知"),
          el("div", { className: "stat" }, el("b", { text: counts.by_age["未注明日期"] }), "来源未注明日期"),
          el("div", { className: "stat" }, el("b", { text: counts.by_reason.old_source }), `超过${report.max_age_months}个月`)),
        el("p", { className: "muted", text: "按来源时间：" + Object.entries(counts.by_age).map(([band, n]) => `${band} ${n}`).join("，") +
          `。需复核：状态未知、来源未注明日期，或来源（或上次复核）早于${report.max_age_months}个月；机器人引用这些条目时会提示信息可能已变化。` }));
      list.replaceChildren(table(["条目", "状态", "来源与日期", "距今", "需复核原因", "复核"], report.entries.map((entry) => el("tr", {},
        el("td", {}, el("div", { className: "muted", text: entry.kind_label }),
          el("a", { href: `#${Admin.kindOf(entry.kind).resource}/${encodeURIComponent(entry.id)}`, text: entry.id }), el("div", { text: entry.title })),
        el("td", { text: entry.status_label + (entry.demo ? "（演示数据）" : "") }),
        el("td", {}, el("div", { text: entry.source }), el("div", { className: "muted", text: "来源日期：" + entry.source_date })),
        el("td", { text: age(entry) }),
        el("td", { className: entry.overdue ? "warn" : "ok", text: entry.overdue ? entry.reason_labels.join("、") : "正常" }),
        reviewCell(entry, load)))));
    };
    form.addEventListener("submit", async (event) => { event.preventDefault(); await load(); });
    await load();
    return el("div", {}, el("div", { className: "heading" }, el("h2", { text: "信息时效" })),
      el("p", { className: "muted", text: "政府信息会悄悄过期。请逐条对照主管部门的最新公开信息核对：内容有变就编辑条目（更新来源、来源日期和状态）；内容无误就填写核对依据并点“已复核”。" }),
      summary, form, list);
  };
})();
