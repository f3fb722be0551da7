/* Views: conversation review (questions to look at, whole conversations) and referrals with notes. */
"use strict";

(() => {
  const { api, el, toast, heading, table, state } = Admin;

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

  const choice = (name, options) => el("select", { name }, options.map(([value, label]) => el("option", { value }, label)));
  const conversationLink = (sender, text) => el("a", { href: "#conversation/" + encodeURIComponent(sender), className: "conversation-link", text: text || "查看完整对话" });

  // ---- questions to review -----------------------------------------------------------------------
  state.views.conversations = async () => {
    const list = el("div", {});
    const csv = el("a", { className: "button", href: "/admin/api/conversations?format=csv", text: "导出CSV" });
    const load = async (data) => {
      const params = query(data);
      csv.href = "/admin/api/conversations?" + new URLSearchParams([...params, ["format", "csv"]]);
      const items = await api("GET", "/conversations?" + params);
      list.replaceChildren(table(["时间", "类型", "问题", "机器人回答", ""], items.map((item) => el("tr", {},
        el("td", { className: "nowrap", text: item.created_at }), el("td", {}, el("span", { className: "tag " + item.kind, text: item.kind_label })),
        el("td", { text: item.question }), el("td", { className: "answer", text: item.answer }),
        el("td", { className: "row-actions" }, conversationLink(item.sender_id),
          el("button", { type: "button", className: "link", onclick: async () => {
            const faq = await api("POST", `/conversations/${item.id}/faq`);
            toast("已生成问答草稿，请填写答案和来源后保存");
            location.hash = "faq/" + encodeURIComponent(faq.key);
          } }, "转为问答草稿"))))));
    };
    const kind = choice("kind", [["", "全部"], ["fallback", "未能回答"], ["closest", "最接近匹配"], ["thumbs_down", "点踩"]]);
    const form = filters([el("label", {}, "类型 ", kind), ...dates(), el("label", {}, "包含 ", el("input", { name: "q", type: "search" }))], load);
    await load(new FormData(form));
    return el("div", {}, heading("会话审阅", csv),
      el("p", { className: "muted", text: "机器人未能回答、只给出最接近匹配或被点踩的提问。点“查看完整对话”可看到前后文。" }), form, list);
  };

  // ---- one whole conversation ---------------------------------------------------------------------
  const TIER_LABELS = { certain: "已回答", closest: "最接近匹配", none: "未能回答" };

  state.views.conversation = async ([sender]) => {
    const talk = await api("GET", "/conversation?" + new URLSearchParams({ sender }));
    const outcome = (turn) => (turn.fallback ? "未能回答" : TIER_LABELS[turn.tier] || "");
    const turns = talk.turns.map((turn) => el("li", { className: "turn" + (turn.fallback ? " fallback" : "") },
      el("div", { className: "bubble user" }, el("small", { className: "muted", text: turn.created_at + " 用户" }), el("p", { text: turn.question })),
      el("div", { className: "bubble bot" },
        el("small", { className: "muted" }, "机器人", outcome(turn) ? el("span", { className: "tag", text: outcome(turn) }) : null,
          turn.rating ? el("span", { className: "tag " + turn.rating, text: turn.rating === "down" ? "被点踩" : "被点赞" }) : null),
        el("p", { text: turn.answer || "（未记录回答）" }))));
    const referrals = talk.referrals.map((r) => el("li", {}, `转介 ${r.reference || "#" + r.id}（${r.created_at}）`,
      state.user.role === "admin" ? el("a", { href: "#referrals/" + r.id, text: " 查看转介记录" }) : null));
    return el("div", {}, heading(`完整对话（${talk.channel === "wechat" ? "微信" : "网页"}，${talk.turns.length} 轮）`,
      el("a", { href: "#conversations", text: "返回会话审阅" })),
    referrals.length ? el("div", { className: "card" }, el("b", { text: "本次对话转了人工：" }), el("ul", {}, referrals)) : null,
    el("ol", { className: "transcript" }, turns));
  };

  // ---- referrals (admins) ----------------------------------------------------------------------------
  // Same words as the user sees when asking by number (service/handover/wording.yml); 已取消: the user cancelled.
  const STATUSES = [["new", "新建"], ["contacted", "已联系"], ["closed", "已结案"], ["cancelled", "已取消"]];

  /* Status, notes and their history for one referral, inside its row. */
  function followUp(r) {
    const select = el("select", { "aria-label": "状态" }, STATUSES.map(([code, label]) => el("option", { value: code, selected: code === r.status }, label)));
    const history = el("ul", { className: "history" });
    const summary = el("summary", {});
    const details = el("details", {}, summary, history);
    const showHistory = (events) => {
      history.replaceChildren(...events.map((h) => el("li", { className: h.kind },
        el("small", { className: "muted", text: `${h.at} ${h.by}：` }), h.text)));
      summary.textContent = `备注与记录（${events.length}）`;
      details.open = details.open || events.length > 0;
    };
    showHistory(r.history);
    select.addEventListener("change", async () => {
      try {
        const saved = await api("PATCH", "/referrals/" + r.id, { status: select.value });
        showHistory(saved.history);
        toast("状态已更新");
      } catch (error) { toast(error.message, "bad"); }
    });
    const note = el("textarea", { name: "note", rows: 2, placeholder: "备注，如：已电话联系，约周三面谈", "aria-label": "备注" });
    const form = el("form", { className: "note-form", novalidate: true }, note, el("button", { type: "submit" }, "添加备注"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const saved = await api("POST", `/referrals/${r.id}/notes`, { note: note.value });
        note.value = "";
        showHistory(saved.history);
        toast("备注已添加");
      } catch (error) { toast(error.message, "bad"); }
    });
    details.append(form);
    return el("div", { className: "follow-up" }, select, details);
  }

  state.views.referrals = async ([only]) => {
    const stations = await api("GET", "/stations");
    const list = el("div", {});
    const csv = el("a", { className: "button", href: "/admin/api/referrals?format=csv", text: "导出CSV" });
    const names = Object.fromEntries(stations.map((s) => [s.key, s.title]));
    const load = async (data) => {
      const params = query(data);
      csv.href = "/admin/api/referrals?" + new URLSearchParams([...params, ["format", "csv"]]);
      const rows = (await api("GET", "/referrals?" + params)).filter((r) => !only || String(r.id) === only);
      list.replaceChildren(table(["编号与时间", "联系人", "电话", "站点", "问题", "跟进"], rows.map((r) => el("tr", { id: "referral-" + r.id },
        el("td", {}, el("b", { className: "nowrap reference", text: r.reference || "#" + r.id }), el("div", { className: "muted", text: r.created_at })),
        el("td", {}, el("div", { text: r.name }), el("div", { className: "muted", text: r.company })),
        el("td", { className: "nowrap", text: r.phone }), el("td", { text: names[r.station_id] || r.station_id }),
        el("td", {}, el("div", { text: r.question }), conversationLink(r.sender_id)),
        el("td", {}, followUp(r))))));
    };
    const form = filters([el("label", {}, "状态 ", choice("status", [["", "全部"], ...STATUSES])),
      el("label", {}, "站点 ", choice("station", [["", "全部站点"], ...stations.map((s) => [s.key, s.title])])), ...dates(),
      el("label", {}, "包含 ", el("input", { name: "q", type: "search", placeholder: "编号、姓名、企业、问题或备注" }))], load);
    await load(new FormData(form));
    return el("div", {}, heading("转介记录（含联系方式，仅限管理员）", only ? el("a", { href: "#referrals", text: "全部转介" }) : null, csv), form, list);
  };
})();
