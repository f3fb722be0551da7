/* Entry forms built from field specs; server validation errors appear next to their field. */
"use strict";

const Forms = (() => {
  const { el } = Admin;
  const STATUS = [["current", "现行"], ["historical", "历史"], ["unknown", "未知"]];
  const DATE_HINT = "与来源一样精确：2022-03-03、2018-05、2021 或 约2023年；来源没有日期写“未注明”（此时政策不能选“现行”）";

  const REASON_HINT = "一句中文，只转述所引条目里写明的内容；条目没有写的不要说";
  const WHEN_HINT = "同一项内选中任一个即满足，不同项须同时满足；不选表示不限；至少选一项。跳过的问题不满足任何条件";

  /* [field, type, opts]; the field's label comes from the kinds table (GET /kinds), opts.label overrides it.
     type: text | area | lines (one item per line) | select | check | choices (check boxes) | number | date.
     A dotted name (ref.id) is a nested field. opts.options: a list of [code, label], or the name of a
     reference list (strings or {code, label}); opts.by: that list is keyed by another field's value;
     opts.showFor: [field, values] shows the row only while that field holds one of the values. */
  const SPECS = {
    station_type: [
      ["code", "text", { hint: "小写字母、数字、_；站点的“类型”引用它；保存后不可修改" }],
      ["label", "text", { hint: "用户看到的中文名称" }],
      ["serves", "area", { hint: "可以咨询的事项" }],
      ["bring", "area", { hint: "建议准备的材料（展示时注明“以站点要求为准”）" }],
      ["source", "area"],
      ["needs", "lines", { hint: "每行一个需求（如 维权、诉讼）；同一需求的多种类型按列表顺序分派" }],
      ["ip_types", "lines", { hint: "每行一种（如 商标、版权）：注册或咨询这类权利时分派到这里" }],
      ["fallback", "check", { hint: "有且只有一种：其他问题分派到这里，某类型没有站点时由它代替" }],
    ],
    station: [
      ["id", "text", { hint: "小写字母、数字、-、_；保存后不可修改" }],
      ["name", "text"],
      ["type", "select", { options: "station_types" }],
      ["services", "lines", { hint: "每行一项" }],
      ["address", "text"],
      ["phone", "text", { hint: "如 021-35363288、12330；多个用 / 分隔；未知请留空" }],
      ["hours", "text"],
      ["streets", "choices", { options: "streets" }],
      ["parks", "choices", { options: "parks" }],
      ["whole_district", "check"],
      ["source", "area"],
      ["source_date", "text", { hint: DATE_HINT }],
      ["status", "select", { options: STATUS }],
      ["verified", "check", { hint: "仅限具名且注明日期的来源；演示数据不能勾选" }],
      ["demo", "check"],
    ],
    rule: [
      ["id", "text"], ["title", "text"], ["category", "text"], ["level", "text"],
      ["eligible", "area"], ["funded", "area"], ["rate_and_cap", "area"],
      ["period", "text"], ["legal_basis", "area"], ["how_to_apply", "area"],
      ["notes", "area"], ["source", "area"], ["source_url", "text"],
      ["source_date", "text", { hint: DATE_HINT }], ["status", "select", { options: STATUS }],
    ],
    faq: [
      ["id", "text"], ["question", "text"], ["alternatives", "lines", { hint: "每行一种问法" }],
      ["answer", "area", { rows: 6 }], ["source", "text", { hint: "回答时展示给用户的出处" }],
      ["source_date", "text", { hint: DATE_HINT }], ["status", "select", { options: STATUS }],
    ],
    document: [
      ["id", "text"], ["title", "text"], ["issuer", "text"], ["number", "text"],
      ["date", "date"], ["source_url", "text"], ["status", "select", { options: STATUS }],
      ["body", "area", { rows: 18 }],
    ],
    term: [["word", "text"], ["freq", "number", { hint: "可留空" }], ["tag", "text", { hint: "如 n、nt、nz；可留空" }]],
    /* The conditions and their answers come from the server (GET /checkup-options). */
    checkup: (refs) => [
      ["id", "text", { hint: "小写字母、数字、-、_；保存后不可修改" }],
      ["section", "select", { options: "sections" }],
      ...refs.conditions.map((c, i) => ["when." + c.field, "choices",
        { label: "条件：" + c.label, options: c.options, hint: i === 0 ? WHEN_HINT : "" }]),
      ["ref.kind", "select", { options: "ref_kinds", hint: "“去哪里办”只能引用站点类型；站点类型只能用于“去哪里办”" }],
      ["ref.id", "select", { options: "entries", by: "ref.kind", placeholder: "请选择…" }],
      ["ref.fields", "choices", { options: "fields", by: "ref.kind", showFor: ["ref.kind", ["rule", "faq"]],
        hint: "报告在理由后摘录这些字段；字段为空时写“未见公开来源”" }],
      ["ref.quote", "area", { showFor: ["ref.kind", ["document"]], hint: "须从文件正文逐字摘录" }],
      ["reason", "area", { hint: REASON_HINT }],
    ],
  };

  function specOf(kind, refs) {
    return typeof SPECS[kind] === "function" ? SPECS[kind](refs) : SPECS[kind];
  }

  function pick(values, name) {
    return name.split(".").reduce((data, part) => (data == null ? undefined : data[part]), values);
  }

  function put(data, name, value) {
    const parts = name.split(".");
    const last = parts.pop();
    const holder = parts.reduce((node, part) => (node[part] = node[part] || {}), data);
    holder[last] = value;
  }

  /* [[code, label]] of a field's options; a keyed list (opts.by) is looked up with byValue. */
  function optionsOf(opts, refs, byValue) {
    let options = typeof opts.options === "string" ? refs[opts.options] : opts.options;
    if (opts.by) options = (options || {})[byValue] || [];
    return (options || []).map((o) => (Array.isArray(o) ? o : typeof o === "string" ? [o, o] : [o.code, o.label]));
  }

  function selectOptions(options, value, opts) {
    const list = [...options];
    if (value && !list.some(([code]) => code === value)) list.push([value, value + "（已不存在）"]);
    const first = opts.placeholder ? [el("option", { value: "" }, opts.placeholder)] : [];
    return [...first, ...list.map(([code, label]) => el("option", { value: code, selected: code === value }, label))];
  }

  function choiceBoxes(options, value) {
    const chosen = new Set(value || []);
    return options.map(([code, label]) => el("label", { className: "choice" },
      el("input", { type: "checkbox", value: code, checked: chosen.has(code) }), label));
  }

  function input(name, type, values, opts, refs) {
    const value = pick(values, name);
    const byValue = opts.by && pick(values, opts.by);
    if (type === "area" || type === "lines") {
      const text = type === "lines" ? (value || []).join("\n") : value || "";
      return el("textarea", { name, rows: opts.rows || (type === "lines" ? 4 : 3) }, text);
    }
    if (type === "select") return el("select", { name }, selectOptions(optionsOf(opts, refs, byValue), value, opts));
    if (type === "check") return el("input", { name, type: "checkbox", checked: Boolean(value) });
    if (type === "choices") {
      return el("div", { className: "choices", "data-name": name, role: "group" }, choiceBoxes(optionsOf(opts, refs, byValue), value));
    }
    return el("input", { name, type: type === "number" ? "number" : type === "date" ? "date" : "text", value: value ?? "" });
  }

  function read(form, spec) {
    const data = {};
    for (const [name, type] of spec) {
      const hidden = form.querySelector(`.row[data-field="${CSS.escape(name)}"]`).hidden;
      if (type === "choices") {
        const boxes = hidden ? [] : form.querySelectorAll(`[data-name="${CSS.escape(name)}"] input:checked`);
        put(data, name, [...boxes].map((box) => box.value));
        continue;
      }
      const field = form.elements[name];
      if (type === "check") put(data, name, field.checked);
      else if (hidden) put(data, name, "");
      else if (type === "lines") put(data, name, field.value.split("\n").map((s) => s.trim()).filter(Boolean));
      else if (type === "number") put(data, name, field.value === "" ? null : Number(field.value));
      else if (type === "date") put(data, name, field.value || null);
      else put(data, name, field.value);
    }
    return data;
  }

  /* Rows that depend on another field: new options and visibility whenever that field changes. */
  function follow(form, spec, refs) {
    const update = (initial) => {
      for (const [name, type, opts = {}] of spec) {
        const row = form.querySelector(`.row[data-field="${CSS.escape(name)}"]`);
        if (opts.showFor) row.hidden = !opts.showFor[1].includes(form.elements[opts.showFor[0]].value);
        if (!opts.by) continue;
        const byValue = form.elements[opts.by].value;
        if (type === "select") {
          const select = form.elements[name];
          const options = optionsOf(opts, refs, byValue);
          const kept = initial || options.some(([code]) => code === select.value) ? select.value : "";
          select.replaceChildren(...selectOptions(options, kept, opts));
        } else {
          const group = row.querySelector(".choices");
          const kept = [...group.querySelectorAll("input:checked")].map((box) => box.value);
          group.replaceChildren(...choiceBoxes(optionsOf(opts, refs, byValue), kept));
        }
      }
    };
    const sources = new Set(spec.flatMap(([, , opts = {}]) => [opts.by, opts.showFor && opts.showFor[0]]).filter(Boolean));
    for (const source of sources) form.elements[source].addEventListener("change", () => update(false));
    update(true);
  }

  function showErrors(form, errors) {
    for (const box of form.querySelectorAll(".field-error")) box.textContent = "";
    for (const row of form.querySelectorAll(".row")) row.classList.remove("invalid");
    for (const [field, message] of Object.entries(errors || {})) {
      const box = form.querySelector(`.field-error[data-for="${CSS.escape(field)}"]`)
        || form.querySelector(`.field-error[data-for^="${CSS.escape(field + ".")}"]`)  // "when": its first part
        || form.querySelector(".form-error");
      box.textContent = box.textContent ? box.textContent + "；" + message : message;
      const row = box.closest(".row");
      if (row) row.classList.add("invalid");
    }
  }

  /* A new entry's id follows its title (pinyin, GET /slug) until staff type an id themselves. */
  function idFromTitle(form, kind, titleField) {
    const id = form.elements.id;
    let typed = false, timer = null;
    id.placeholder = "按标题自动生成";
    id.addEventListener("input", () => { typed = id.value.trim() !== ""; });
    form.elements[titleField].addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const title = form.elements[titleField].value.trim();
        if (typed || !title) return;
        try {
          id.value = (await Admin.api("GET", "/slug?" + new URLSearchParams({ kind, title }))).id;
        } catch (error) { /* the id stays empty; saving makes one from the title */ }
      }, 250);
    });
  }

  /* An edit form; save(data) returns a promise; errors from the API land next to their fields. */
  function build(kind, values, refs, { editing, save, extra }) {
    const spec = specOf(kind, refs);
    const table = Admin.kindOf(kind);
    const form = el("form", { className: "card entry-form", novalidate: true });
    form.append(
      ...spec.map(([name, type, opts = {}]) => el("div", { className: "row", "data-field": name },
        el("label", { className: "caption", text: opts.label || table.fields[name] || name }),
        el("div", { className: "control" },
          input(name, type, values, opts, refs),
          opts.hint ? el("small", { className: "hint", text: opts.hint }) : null,
          el("div", { className: "field-error", "data-for": name, role: "alert" })))),
      el("p", { className: "form-error field-error", "data-for": "_" }),
      el("div", { className: "actions" }, el("button", { type: "submit", className: "primary" }, "保存"), extra || null));
    if (editing) {
      const key = form.elements[table.key_field];
      key.readOnly = true;
    } else if (table.key_field === "id" && form.elements[table.title_field]) {
      idFromTitle(form, kind, table.title_field);
    }
    follow(form, spec, refs);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      showErrors(form, {});
      try {
        await save(read(form, spec));
      } catch (error) {
        showErrors(form, Object.keys(error.errors || {}).length ? error.errors : { _: error.message });
      }
    });
    return form;
  }

  return { SPECS, build, showErrors };
})();
