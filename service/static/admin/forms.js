/* Entry forms built from field specs; server validation errors appear next to their field. */
"use strict";

const Forms = (() => {
  const { el } = Admin;
  const STATUS = [["current", "现行"], ["historical", "历史"], ["unknown", "未知"]];
  const DATE_HINT = "与来源一样精确：2022-03-03、2018-05、2021 或 约2023年；来源没有日期写“未注明”（此时政策不能选“现行”）";

  /* type: text | area | lines (one item per line) | select | check | places | number | date */
  const SPECS = {
    station: [
      ["id", "编号", "text", { hint: "小写字母、数字、-、_；保存后不可修改" }],
      ["name", "名称", "text"],
      ["type", "类型", "select", { options: "station_types" }],
      ["services", "服务内容", "lines", { hint: "每行一项" }],
      ["address", "地址", "text"],
      ["phone", "电话", "text", { hint: "如 021-35363288、12330；多个用 / 分隔；未知请留空" }],
      ["hours", "办公时间", "text"],
      ["streets", "服务街道", "places", { options: "streets" }],
      ["parks", "服务园区", "places", { options: "parks" }],
      ["whole_district", "服务全区", "check"],
      ["source", "来源", "area"],
      ["source_date", "来源日期", "text", { hint: DATE_HINT }],
      ["status", "状态", "select", { options: STATUS }],
      ["verified", "已核实", "check", { hint: "仅限具名且注明日期的来源；演示数据不能勾选" }],
      ["demo", "演示数据", "check"],
    ],
    rule: [
      ["id", "编号", "text"], ["title", "标题", "text"], ["category", "类别", "text"], ["level", "层级", "text"],
      ["eligible", "申请对象", "area"], ["funded", "资助内容", "area"], ["rate_and_cap", "标准与上限", "area"],
      ["period", "期限", "text"], ["legal_basis", "政策依据", "area"], ["how_to_apply", "申报方式", "area"],
      ["notes", "备注", "area"], ["source", "来源", "area"], ["source_url", "来源网址", "text"],
      ["source_date", "来源日期", "text", { hint: DATE_HINT }], ["status", "状态", "select", { options: STATUS }],
    ],
    faq: [
      ["id", "编号", "text"], ["question", "问题", "text"], ["alternatives", "相似问法", "lines", { hint: "每行一种问法" }],
      ["answer", "答案", "area", { rows: 6 }], ["source", "来源", "text", { hint: "回答时展示给用户的出处" }],
      ["source_date", "来源日期", "text", { hint: DATE_HINT }], ["status", "状态", "select", { options: STATUS }],
    ],
    document: [
      ["id", "编号", "text"], ["title", "标题", "text"], ["issuer", "发文机关", "text"], ["number", "文号", "text"],
      ["date", "发文日期", "date"], ["source_url", "来源网址", "text"], ["status", "状态", "select", { options: STATUS }],
      ["body", "正文", "area", { rows: 18 }],
    ],
    term: [["word", "词语", "text"], ["freq", "词频", "number", { hint: "可留空" }], ["tag", "词性", "text", { hint: "如 n、nt、nz；可留空" }]],
  };

  function input(name, type, value, opts, refs) {
    if (type === "area" || type === "lines") {
      const text = type === "lines" ? (value || []).join("\n") : value || "";
      return el("textarea", { name, rows: opts.rows || (type === "lines" ? 4 : 3) }, text);
    }
    if (type === "select") {
      const options = typeof opts.options === "string" ? refs[opts.options].map((t) => [t.code, t.label]) : opts.options;
      return el("select", { name }, options.map(([code, label]) => el("option", { value: code, selected: code === value }, label)));
    }
    if (type === "check") return el("input", { name, type: "checkbox", checked: Boolean(value) });
    if (type === "places") {
      const chosen = new Set(value || []);
      return el("div", { className: "places", "data-name": name },
        refs[opts.options].map((place) => el("label", { className: "place" },
          el("input", { type: "checkbox", value: place, checked: chosen.has(place) }), place)));
    }
    return el("input", { name, type: type === "number" ? "number" : type === "date" ? "date" : "text", value: value ?? "" });
  }

  function read(form, spec) {
    const data = {};
    for (const [name, , type] of spec) {
      if (type === "places") {
        data[name] = [...form.querySelectorAll(`[data-name="${name}"] input:checked`)].map((box) => box.value);
        continue;
      }
      const field = form.elements[name];
      if (type === "check") data[name] = field.checked;
      else if (type === "lines") data[name] = field.value.split("\n").map((s) => s.trim()).filter(Boolean);
      else if (type === "number") data[name] = field.value === "" ? null : Number(field.value);
      else if (type === "date") data[name] = field.value || null;
      else data[name] = field.value;
    }
    return data;
  }

  function showErrors(form, errors) {
    for (const box of form.querySelectorAll(".field-error")) box.textContent = "";
    for (const row of form.querySelectorAll(".row")) row.classList.remove("invalid");
    for (const [field, message] of Object.entries(errors || {})) {
      const box = form.querySelector(`.field-error[data-for="${CSS.escape(field)}"]`) || form.querySelector(".form-error");
      box.textContent = box.textContent ? box.textContent + "；" + message : message;
      const row = box.closest(".row");
      if (row) row.classList.add("invalid");
    }
  }

  /* An edit form; save(data) returns a promise; errors from the API land next to their fields. */
  function build(kind, values, refs, { editing, save, extra }) {
    const spec = SPECS[kind];
    const form = el("form", { className: "card entry-form", novalidate: true },
      spec.map(([name, label, type, opts = {}]) => el("div", { className: "row", "data-field": name },
        el("label", { className: "caption", text: label }),
        el("div", { className: "control" },
          input(name, type, values[name], opts, refs),
          opts.hint ? el("small", { className: "hint", text: opts.hint }) : null,
          el("div", { className: "field-error", "data-for": name, role: "alert" })))),
      el("p", { className: "form-error field-error", "data-for": "_" }),
      el("div", { className: "actions" }, el("button", { type: "submit", className: "primary" }, "保存"), extra || null));
    if (editing) {
      const key = form.elements[kind === "term" ? "word" : "id"];
      key.readOnly = true;
    }
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
