/* Views: dashboard, knowledge lists and forms, document upload, hit testing. */
"use strict";

(() => {
  const { api, el, toast, heading, table, time, state } = Admin;
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

  // ---- dashboard ----------------------------------------------------------------------------
  /* What became of a question (the turn log's reply tier), in the charts' order and colours. */
  const OUTCOMES = [
    ["answered", "已回答", Charts.COLORS.answered], ["closest", "最接近匹配", Charts.COLORS.closest],
    ["fallback", "未能回答", Charts.COLORS.fallback], ["other", "其他对话", Charts.COLORS.other]];

  state.views.dashboard = async () => {
    const board = await api("GET", "/dashboard?days=30");
    const percent = (part, whole) => (whole ? Math.round((part / whole) * 100) + "%" : "—");
    const asked = board.answered + board.closest + board.fallback;
    const stat = (value, label, id, extra) => el("div", { className: "stat" + (extra || ""), id }, el("b", { text: value }), label);
    return el("div", {},
      heading("仪表盘（近30天）"),
      el("div", { className: "stats" },
        stat(board.questions, "提问", "questions-stat"),
        stat(percent(board.answered, asked), `已回答（${board.answered}）`, "answered-stat"),
        stat(percent(board.closest, asked), `最接近匹配（${board.closest}）`, "closest-stat"),
        stat(percent(board.fallback, asked), `未能回答（${board.fallback}）`, "fallback-stat"),
        stat(board.thumbs.down, `点踩（点赞 ${board.thumbs.up}）`, "thumbs-stat"),
        el("a", { className: "stat" + (board.overdue_entries ? " warn" : ""), href: "#freshness", id: "overdue-stat" },
          el("b", { text: board.overdue_entries }), "条目需复核"),
        stat(board.checkups.total, "知识产权体检", "checkup-stat")),
      el("p", { className: "muted", text: "比例以知识库问题为分母（已回答＋最接近匹配＋未能回答）；“其他对话”是问候、表单填写等，不计入。" }),
      el("div", { className: "charts" },
        el("figure", { className: "card wide" }, el("figcaption", { text: "每日提问" }), Charts.legend(OUTCOMES),
          Charts.days(board.per_day, OUTCOMES)),
        el("figure", { className: "card", id: "outcome-ring" }, el("figcaption", { text: "知识库问题的结果" }),
          Charts.ring(OUTCOMES.slice(0, 3).map(([key, label, color]) => ({ label, value: board[key], color })), "已回答比例")),
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
  const STATUS_LABELS = { current: "现行", historical: "历史", unknown: "未知" };
  /* kind: choice filters of its list beyond the search box, from the entries and the form's references. */
  const FILTERS = {
    station: (refs) => [{ label: "类型", options: [["", "全部类型"], ...refs.station_types.map((t) => [t.code, t.label])],
      test: (e, v) => e.data.type === v }],
    checkup: (refs) => [{ label: "报告分组", options: [["", "全部分组"], ...refs.sections.map((s) => [s.code, s.label])],
      test: (e, v) => e.data.section === v }],
  };

  function listFilters(kind, refs) {
    const status = Admin.kindOf(kind).fields.status
      ? [{ label: "状态", options: [["", "全部状态"], ...Object.entries(STATUS_LABELS)], test: (e, v) => e.data.status === v }] : [];
    return [...status, ...(FILTERS[kind] ? FILTERS[kind](refs) : [])];
  }

  /* The searchable words of an entry: its title, id and every text field. */
  const entryText = (entry) => [entry.title, entry.key, ...Object.values(entry.data).flat()]
    .filter((v) => typeof v === "string").join(" ");

  function listView({ code: kind, label, resource, title_label: nameHeader }) {
    const columns = COLUMNS[kind] || [];
    return async ([key]) => {
      const refs = await references(OPTIONS[kind]);
      if (key) return formView(resource, kind, label, key, refs);
      const entries = await api("GET", "/" + resource);
      const row = (entry) => el("tr", {},
        el("td", { className: "title-cell" }, el("div", {},
          el("a", { href: `#${resource}/${encodeURIComponent(entry.key)}`, className: "entry-title", text: entry.title || entry.key }),
          el("small", { className: "muted key", text: entry.key }))),
        columns.map(([, text]) => el("td", { text: text(entry, refs) })),
        el("td", { text: "v" + entry.version }),
        el("td", { text: time(entry.updated_at) + " " + entry.updated_by }),
        el("td", { className: "nowrap" }, el("a", { href: `#versions/${kind}/${encodeURIComponent(entry.key)}`, text: "历史" })));
      const headers = [nameHeader, ...columns.map(([header]) => header), "版本", "最后修改", ""];
      return el("div", {},
        heading(label + `（${entries.length}）`, el("a", { href: `#${resource}/new`, className: "button primary", text: "新建" })),
        kind === "document" ? uploadForm() : null,
        Admin.filtered(entries, { search: entryText, placeholder: `搜索${label}：标题、编号或内容`, selects: listFilters(kind, refs) },
          (shown) => table(headers, shown.map(row))));
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
      return el("div", {}, heading((creating ? "新建" : "编辑") + label + (creating ? "" : `：${entry.title || key}（版本 ${entry.version}）`),
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

  /* Upload: choosing a file fills the empty fields with what the file says (POST /documents/inspect). */
  function uploadForm() {
    const error = el("p", { className: "field-error", role: "alert" });
    const note = el("p", { className: "muted", id: "upload-proposed" });
    const field = (name, label, attrs) => el("label", {}, label + " ", el("input", { name, ...attrs }));
    const form = el("form", { className: "card upload", novalidate: true },
      el("h3", { text: "上传文档（Markdown、TXT、DOCX、PDF）" }),
      el("div", { className: "inline" },
        el("label", {}, "文件 ", el("input", { type: "file", name: "file", accept: ".md,.markdown,.txt,.docx,.pdf" })),
        field("title", "标题"), field("number", "文号"), field("date", "日期", { type: "date" }), field("issuer", "发文机关"),
        field("id", "编号", { placeholder: "留空则按标题生成" }),
        el("label", {}, el("input", { name: "replace", type: "checkbox" }), " 覆盖同编号文档"),
        el("button", { type: "submit", className: "primary" }, "上传并校验")), note, error);
    form.elements.file.addEventListener("change", async () => {
      error.textContent = note.textContent = "";
      if (!form.elements.file.files.length) return;
      const body = new FormData();
      body.set("file", form.elements.file.files[0]);
      try {
        const { proposed } = await api("POST", "/documents/inspect", body, true);
        const filled = [];
        for (const [name, value] of Object.entries(proposed)) {
          const input = form.elements[name];
          if (!input || input.value) continue;  // what staff typed stays
          input.value = value;
          filled.push(input.closest("label").textContent.trim());
        }
        note.textContent = filled.length ? `已从文件中识别：${filled.join("、")}。请核对后上传。` : "未能从文件中识别标题等信息，请手工填写。";
      } catch (failure) {
        error.textContent = Object.values(failure.errors).join("；") || failure.message;
      }
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.textContent = "";
      const body = new FormData(form);
      body.set("replace", form.elements.replace.checked ? "true" : "false");
      try {
        const saved = await api("POST", "/documents/upload", body, true);
        toast(`已导入文档：${saved.title}`);
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
          el("p", { className: "verdict " + (found.tier === "certain" ? "ok" : "warn"), id: "hit-verdict" },
            el("b", { text: found.tier_label }), `（把握 ${found.confidence_percent}%）`),
          el("p", { className: "muted", text: `匹配度：与本次最佳结果相比的相对分数，最佳为100%。检索的是${found.target === "live" ? "线上" : "草稿"}索引${found.rebuilt ? "（草稿有改动，已先重建）" : ""}。` }),
          ...found.hits.map((hit) => el("article", { className: "card hit" },
            el("div", { className: "hit-head" }, el("b", { text: "第" + hit.rank + "名" }),
              el("span", { className: "tag", text: hit.kind_label }),
              el("span", { className: "hit-title", text: hit.title + (hit.section ? " › " + hit.section : "") }),
              el("span", { className: "score", text: "匹配度 " + hit.score_percent + "%" })),
            el("pre", { className: "hit-text", text: hit.text }),
            el("small", { className: "muted", text: "来源：" + hit.source.title + (hit.source.number ? " " + hit.source.number : "") + (hit.source.demo ? "（演示数据）" : "") }))));
      } catch (error) {
        results.replaceChildren(el("p", { className: "error", text: error.message }));
      }
    });
    return el("div", {}, heading("命中测试"), form, results);
  };

})();
