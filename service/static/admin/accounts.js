/* Views: users (with password reset), one's own password, the audit log; then the page starts. */
"use strict";

(() => {
  const { api, el, toast, heading, table, state } = Admin;

  /* An admin gives someone who forgot their password a temporary one, shown here once. */
  function resetPassword(u, shown) {
    return el("button", { type: "button", className: "link", onclick: async () => {
      if (!confirm(`为 ${u.username} 生成临时密码？其当前登录会失效。`)) return;
      try {
        const reset = await api("POST", `/users/${u.id}/reset-password`);
        shown.replaceChildren(el("div", { className: "card warn-box", role: "alert", id: "temporary-password" },
          el("p", {}, `${u.username} 的临时密码（只显示这一次，请当面或电话告知，并请其登录后在“修改密码”中改掉）：`),
          el("code", { className: "secret", text: reset.temporary_password })));
      } catch (failure) { toast(failure.message, "bad"); }
    } }, "重置密码");
  }

  state.views.users = async () => {
    const users = await api("GET", "/users");
    const error = el("p", { className: "field-error", role: "alert" });
    const shown = el("div", {});
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
    const row = (u) => el("tr", {},
      el("td", { text: u.username }), el("td", { text: u.role_label }), el("td", { text: u.active ? (u.locked ? "已锁定" : "启用") : "停用" }),
      el("td", { text: u.last_login_at || "" }),
      el("td", { className: "row-actions" },
        el("button", { type: "button", className: "link", onclick: act(u.id, { role: u.role === "admin" ? "editor" : "admin" }, "角色已修改") }, u.role === "admin" ? "改为编辑" : "改为管理员"),
        el("button", { type: "button", className: "link", onclick: act(u.id, { active: !u.active }, "已更新") }, u.active ? "停用" : "启用"),
        u.locked ? el("button", { type: "button", className: "link", onclick: act(u.id, { unlock: true }, "已解锁") }, "解锁") : null,
        u.username === state.user.username ? null : resetPassword(u, shown)));
    const roles = [["", "全部角色"], ["editor", "编辑"], ["admin", "管理员"]];
    return el("div", {}, heading("用户管理"), form, shown,
      Admin.filtered(users, { search: (u) => u.username, placeholder: "搜索用户名", selects: [{ label: "角色", options: roles, test: (u, v) => u.role === v }] },
        (list) => table(["用户名", "角色", "状态", "最近登录", ""], list.map(row))));
  };

  state.views.password = async () => {
    const error = el("p", { className: "field-error", role: "alert" });
    const input = (name, label, autocomplete) => el("label", {}, label, el("input", { name, type: "password", autocomplete }));
    const form = el("form", { className: "card password-form", novalidate: true },
      input("current", "当前密码（或管理员给的临时密码）", "current-password"), input("new", "新密码（至少10个字符）", "new-password"),
      input("again", "再次输入新密码", "new-password"), error, el("button", { type: "submit", className: "primary" }, "修改密码"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.textContent = "";
      if (form.elements.new.value !== form.elements.again.value) { error.textContent = "两次输入的新密码不一致"; return; }
      try {
        await api("POST", "/password", { current: form.elements.current.value, new: form.elements.new.value });
        form.reset();
        toast("密码已修改，其他设备上的登录已退出");
      } catch (failure) { error.textContent = failure.message; }
    });
    return el("div", {}, heading("修改密码"), form);
  };

  state.views.audit = async () => {
    const rows = await api("GET", "/audit?limit=1000");
    const actions = [["", "全部操作"], ...[...new Set(rows.map((r) => r.action))].sort().map((a) => [a, a])];
    const row = (r) => el("tr", {}, el("td", { className: "nowrap", text: r.time }), el("td", { text: r.actor }), el("td", { text: r.action }),
      el("td", { text: r.target }), el("td", { text: r.detail }), el("td", { text: r.ip }));
    return el("div", {}, heading("审计日志"),
      Admin.filtered(rows, { search: (r) => [r.actor, r.action, r.target, r.detail, r.ip].join(" "), placeholder: "搜索操作人、对象或详情",
        selects: [{ label: "操作", options: actions, test: (r, v) => r.action === v }] },
      (list) => table(["时间", "操作人", "操作", "对象", "详情", "IP"], list.map(row))));
  };

  Admin.start();
})();
