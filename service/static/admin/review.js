/* Views: conversation review, referrals, users and the audit log; then the page starts. */
"use strict";

(() => {
  const { api, el, toast, table, state } = Admin;

  function filters(fields, onApply) {
    const form = el("form", { className: "card inline filters", novalidate: true }, fields,
      el("button", { type: "submit", className: "primary" }, "筛选"));
    form.addEventListener("submit", (event) => { event.preventDefault(); onApply(new FormData(form)); });
    return form;
  }

  function query(data) {
    const params = new URLSearchParams();
    for (const [key, value] of data.entries()) if (value) params.set(key, value);
    return params;
  }

  function dates() {
    return [el("label", {}, "从 ", el("input", { type: "date", name: "date_from" })),
      el("label", {}, "到 ", el("input", { type: "date", name: "date_to" }))];
  }

  // ---- conversations ---------------------------------------------------------------------------
  state.views.conversations = async () => {
    const list = el("div", {});
    const csv = el("a", { className: "button", href: "/admin/api/conversations?format=csv", text: "导出CSV" });
    const load = async (data) => {
      const params = query(data);
      csv.href = "/admin/api/conversations?" + new URLSearchParams([...params, ["format", "csv"]]);
      const items = await api("GET", "/conversations?" + params);
      list.replaceChildren(table(["时间", "类型", "问题", "机器人回答", ""], items.map((item) => el("tr", {},
        el("td", { text: item.created_at }), el("td", { text: item.kind === "fallback" ? "未能回答" : "点踩" }),
        el("td", { text: item.question }), el("td", { className: "answer", text: item.answer }),
        el("td", {}, el("button", { type: "button", className: "link", onclick: async () => {
          const faq = await api("POST", `/conversations/${item.id}/faq`);
          toast("已生成问答草稿，请填写答案和来源后保存");
          location.hash = "faq/" + encodeURIComponent(faq.key);
        } }, "转为问答草稿"))))));
    };
    const kind = el("select", { name: "kind" }, el("option", { value: "" }, "全部"),
      el("option", { value: "fallback" }, "未能回答"), el("option", { value: "thumbs_down" }, "点踩"));
    const form = filters([el("label", {}, "类型 ", kind), ...dates(), el("label", {}, "包含 ", el("input", { name: "q" }))], load);
    await load(new FormData(form));
    return el("div", {}, el("div", { className: "heading" }, el("h2", { text: "会话审阅" }), csv), form, list);
  };

  // ---- referrals ---------------------------------------------------------------------------------
  state.views.referrals = async () => {
    const stations = await api("GET", "/stations");
    const list = el("div", {});
    const csv = el("a", { className: "button", href: "/admin/api/referrals?format=csv", text: "导出CSV" });
    const names = Object.fromEntries(stations.map((s) => [s.key, s.title]));
    const load = async (data) => {
      const params = query(data);
      csv.href = "/admin/api/referrals?" + new URLSearchParams([...params, ["format", "csv"]]);
      const rows = await api("GET", "/referrals?" + params);
      list.replaceChildren(table(["时间", "联系人", "企业", "电话", "站点", "问题", "状态"], rows.map((r) => {
        const select = el("select", { "aria-label": "状态" }, [["new", "新建"], ["contacted", "已联系"], ["closed", "已结案"]]
          .map(([code, label]) => el("option", { value: code, selected: code === r.status }, label)));
        select.addEventListener("change", async () => {
          try {
            await api("PATCH", "/referrals/" + r.id, { status: select.value });
            toast("状态已更新");
          } catch (error) { toast(error.message, "bad"); }
        });
        return el("tr", {}, el("td", { text: r.created_at }), el("td", { text: r.name }), el("td", { text: r.company }),
          el("td", { text: r.phone }), el("td", { text: names[r.station_id] || r.station_id }), el("td", { text: r.question }),
          el("td", {}, select));
      })));
    };
    const status = el("select", { name: "status" }, el("option", { value: "" }, "全部"),
      el("option", { value: "new" }, "新建"), el("option", { value: "contacted" }, "已联系"), el("option", { value: "closed" }, "已结案"));
    const station = el("select", { name: "station" }, el("option", { value: "" }, "全部站点"),
      stations.map((s) => el("option", { value: s.key }, s.title)));
    const form = filters([el("label", {}, "状态 ", status), el("label", {}, "站点 ", station), ...dates()], load);
    await load(new FormData(form));
    return el("div", {}, el("div", { className: "heading" }, el("h2", { text: "转介记录（含联系方式，仅限管理员）" }), csv), form, list);
  };

  // ---- users and audit (admins) ---------------------------------------------------------------
  state.views.users = async () => {
    const users = await api("GET", "/users");
    const error = el("p", { className: "field-error", role: "alert" });
    const form = el("form", { className: "card inline", novalidate: true },
      el("label", {}, "用户名 ", el("input", { name: "username" })),
      el("label", {}, "初始密码 ", el("input", { name: "password", type: "password", autocomplete: "new-password" })),
      el("label", {}, "角色 ", el("select", { name: "role" }, el("option", { value: "editor" }, "编辑"), el("option", { value: "admin" }, "管理员"))),
      el("button", { type: "submit", className: "primary" }, "创建账号"), error);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        await api("POST", "/users", { username: form.elements.username.value, password: form.elements.password.value, role: form.elements.role.value });
        toast("账号已创建");
        Admin.route();
      } catch (failure) { error.textContent = failure.message; }
    });
    const act = (id, body, done) => async () => {
      try { await api("PATCH", "/users/" + id, body); toast(done); Admin.route(); } catch (failure) { toast(failure.message, "bad"); }
    };
    // An admin sets a new password for someone who forgot theirs; their sessions end and any login wait is cleared.
    const resetPassword = (u) => {
      const input = el("input", { type: "password", autocomplete: "new-password", placeholder: "新密码（至少10个字符）", "aria-label": "新密码：" + u.username });
      const box = el("form", { className: "inline", hidden: true, novalidate: true }, input,
        el("button", { type: "submit", className: "primary" }, "确认重置"));
      box.addEventListener("submit", async (event) => {
        event.preventDefault();
        await act(u.id, { password: input.value, unlock: true }, "密码已重置，该用户需用新密码重新登录")();
      });
      const open = el("button", { type: "button", className: "link", onclick: () => { box.hidden = !box.hidden; if (!box.hidden) input.focus(); } }, "重置密码");
      return el("span", {}, open, box);
    };
    const rows = users.map((u) => el("tr", {},
      el("td", { text: u.username }), el("td", { text: u.role_label }), el("td", { text: u.active ? (u.locked ? "已锁定" : "启用") : "停用" }),
      el("td", { text: u.last_login_at || "" }),
      el("td", {},
        el("button", { type: "button", className: "link", onclick: act(u.id, { role: u.role === "admin" ? "editor" : "admin" }, "角色已修改") }, u.role === "admin" ? "改为编辑" : "改为管理员"),
        el("button", { type: "button", className: "link", onclick: act(u.id, { active: !u.active }, "已更新") }, u.active ? "停用" : "启用"),
        u.locked ? el("button", { type: "button", className: "link", onclick: act(u.id, { unlock: true }, "已解锁") }, "解锁") : null,
        resetPassword(u))));
    return el("div", {}, el("div", { className: "heading" }, el("h2", { text: "用户管理" })), form,
      table(["用户名", "角色", "状态", "最近登录", ""], rows));
  };

  state.views.audit = async () => {
    const rows = await api("GET", "/audit?limit=500");
    return el("div", {}, el("div", { className: "heading" }, el("h2", { text: "审计日志" })),
      table(["时间", "操作人", "操作", "对象", "详情", "IP"], rows.map((r) => el("tr", {},
        el("td", { text: r.time }), el("td", { text: r.actor }), el("td", { text: r.action }),
        el("td", { text: r.target }), el("td", { text: r.detail }), el("td", { text: r.ip })))));
  };

  Admin.start();
})();
