/* 杨浦知识产权全科医生: website chat widget.
 * Embed on any page with one tag:  <script src="{gateway address}/widget.js" defer></script>
 * The gateway's own chat page loads it with data-mode="page" to fill #ipgp-chat instead of floating.
 * Every piece of text from the network or from storage is inserted with textContent, never as HTML. */
(() => {
  "use strict";

  if (window.__ipgpChatLoaded) return;
  window.__ipgpChatLoaded = true;

  const script = document.currentScript;
  const BASE = new URL(".", script && script.src ? script.src : window.location.href).href;
  const MODE = script && script.dataset.mode === "page" ? "page" : "widget";
  const KEYS = { sender: "ipgp.sender", history: "ipgp.history", open: "ipgp.open" };
  const MAX_ENTRIES = 80;
  const REQUEST_TIMEOUT_MS = 30000;
  const CLOSING_AFTER_ANSWERS = 3; // the satisfaction prompt comes after this many answers, or on goodbye
  const GOODBYE = /再见|拜拜|谢谢|多谢|感谢|没有了|没问题了|bye/i;
  const ANSWER_TIERS = ["certain", "closest"];
  const STATUS = {
    current: ["现行", "current"],
    historical: ["历史", "historical"],
    unknown: ["未注明", "unknown"],
    现行: ["现行", "current"],
    历史: ["历史", "historical"],
  };
  const WELCOME =
    "您好！我是杨浦知识产权全科医生。可以为企业解答专利、商标、版权等知识产权政策问题" +
    "（资助、质押融资、侵权维权、海外纠纷、技术转移等），并根据您所在的街道或园区推荐服务站点。" +
    "回答都会注明出处。";
  const SUGGESTIONS = [
    "知识产权质押贷款有贴息吗？",
    "我们在五角场，想注册商标",
    "申请专利资助需要什么条件？",
    "遇到海外知识产权纠纷找谁？",
  ];
  const TEXT = {
    network: "网络连接失败，请检查网络后重试。",
    timeout: "等待回复超时，请稍后重试。",
    server: (status) => `抱歉，服务暂时出现问题（错误码 ${status}），请稍后重试。`,
    retry: "重试",
    typing: "正在输入…",
    feedbackAsk: "这个回答有帮助吗？",
    feedbackThanks: "感谢您的反馈！",
    feedbackFailed: "反馈未能提交，请稍后再试。",
    reasonAsk: "哪里没有帮到您？（可选）",
    reasonComment: "补充说明（选填，最多200字，请勿填写姓名、电话等个人信息）",
    reasonSubmit: "提交反馈",
    cancel: "取消",
    copy: "复制回答",
    copied: "已复制",
    copyFailed: "复制失败",
    related: "您可能还想问：",
    closingAsk: "本次咨询您满意吗？",
    closingThanks: "感谢您的评价！",
    confirmNew: "清空当前对话记录，开始新的对话？",
    confirmYes: "清空并开始",
    placeholder: "输入您的问题，按 Enter 发送",
    placeholderTouch: "输入您的问题",
    hint: "按 Enter 发送，Shift+Enter 换行",
    hintTouch: "点击发送按钮发送",
    noContact: "暂无公开联系方式",
    missing: (labels) => `${labels}暂无公开信息`,
    human: ["转人工", "/request_human"],
    checkup: ["知识产权体检", "/start_checkup"], // as the greeting's button (domain.yml utter_greet)
    unnamed: "未命名机构",
  };
  // Why an answer did not help (codes of service/routers/feedback.py REASONS) and the closing scale.
  const REASONS = [
    ["off_topic", "答非所问"],
    ["wrong", "内容有误或过时"],
    ["unclear", "看不明白"],
    ["no_contact", "没有找到可联系的机构"],
    ["other", "其他"],
  ];
  const CLOSING = [
    ["good", "满意"],
    ["fair", "一般"],
    ["poor", "不满意"],
  ];

  /* ---------- storage (may be unavailable: private mode, disabled cookies) ---------- */
  const memory = {};
  const storage = {
    get(key) {
      try {
        return window.localStorage.getItem(key);
      } catch (error) {
        return memory[key] ?? null;
      }
    },
    set(key, value) {
      memory[key] = value;
      try {
        window.localStorage.setItem(key, value);
      } catch (error) {
        /* keep the in-memory copy */
      }
    },
    remove(key) {
      delete memory[key];
      try {
        window.localStorage.removeItem(key);
      } catch (error) {
        /* nothing stored */
      }
    },
  };

  function newId(prefix) {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return prefix + window.crypto.randomUUID();
    }
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function senderId() {
    let id = storage.get(KEYS.sender);
    if (!id || !/^[A-Za-z0-9-]{1,64}$/.test(id)) {
      id = newId("web-");
      storage.set(KEYS.sender, id);
    }
    return id;
  }

  function loadHistory() {
    try {
      const parsed = JSON.parse(storage.get(KEYS.history) || "[]");
      return Array.isArray(parsed) ? parsed.filter((entry) => entry && typeof entry === "object") : [];
    } catch (error) {
      return [];
    }
  }

  function saveHistory() {
    state.history = state.history.slice(-MAX_ENTRIES);
    storage.set(KEYS.history, JSON.stringify(state.history));
  }

  /* ---------- DOM helpers: textContent only ---------- */
  function el(tag, options = {}, children = []) {
    const node = document.createElement(tag);
    if (options.className) node.className = options.className;
    if (options.text !== undefined) node.textContent = String(options.text);
    for (const [name, value] of Object.entries(options.attrs || {})) node.setAttribute(name, String(value));
    for (const child of children) if (child) node.appendChild(child);
    return node;
  }

  const SVG_NS = "http://www.w3.org/2000/svg";
  const ICONS = {
    chat: "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H10l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z",
    send: "M3 20.5 21.5 12 3 3.5v6.8l12.2 1.7L3 13.7z",
    close: "M5.3 4 12 10.7 18.7 4 20 5.3 13.3 12l6.7 6.7-1.3 1.3-6.7-6.7L5.3 20 4 18.7l6.7-6.7L4 5.3z",
    up: "M2 10h4v11H2zM8 21h9.3a2 2 0 0 0 1.9-1.5l1.7-7A2 2 0 0 0 19 10h-5l.8-4.3a1.9 1.9 0 0 0-3.4-1.5L8 10z",
    copy: "M8 2h11a2 2 0 0 1 2 2v13h-2V4H8zM5 6h10a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2zm0 2v12h10V8z",
  };

  function icon(name, flip = false) {
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", ICONS[name]);
    if (flip) path.setAttribute("transform", "rotate(180 12 12)");
    svg.appendChild(path);
    return svg;
  }

  function str(value) {
    return typeof value === "string" || typeof value === "number" ? String(value).trim() : "";
  }

  /* ---------- state and skeleton ---------- */
  const state = {
    sender: senderId(),
    history: loadHistory(),
    busy: false,
  };

  const host = MODE === "page" ? document.getElementById("ipgp-chat") || document.body : document.createElement("div");
  if (MODE === "widget") {
    host.id = "ipgp-widget-host";
    document.body.appendChild(host);
  }
  const shadow = host.attachShadow({ mode: "open" });
  const root = el("div", { className: `ipgp ipgp-${MODE}`, attrs: { hidden: "", lang: "zh-CN" } });
  const stylesheet = el("link", { attrs: { rel: "stylesheet", href: new URL("static/widget.css", BASE).href } });
  const reveal = () => {
    root.removeAttribute("hidden");
    scrollToTurn(lastBotTurn()); // the layout exists only once the stylesheet applies
  };
  stylesheet.addEventListener("load", reveal);
  stylesheet.addEventListener("error", reveal);
  shadow.append(stylesheet, root);

  const panelId = "ipgp-panel";
  const launcher =
    MODE === "widget"
      ? el("button", {
          className: "launcher",
          attrs: { type: "button", "aria-expanded": "false", "aria-controls": panelId, "aria-label": "打开在线咨询" },
        }, [icon("chat"), el("span", { className: "launcher-text", text: "知识产权咨询" })])
      : null;

  const newChatButton = el("button", {
    className: "head-button",
    text: "新对话",
    attrs: { type: "button", title: "清空记录，开始新的对话" },
  });
  const closeButton =
    MODE === "widget"
      ? el("button", { className: "head-button icon-only", attrs: { type: "button", "aria-label": "关闭咨询窗口" } }, [
          icon("close"),
        ])
      : null;
  const header = el("header", { className: "head" }, [
    el("div", { className: "brand" }, [
      el("span", { className: "logo", text: "IP", attrs: { "aria-hidden": "true" } }),
      el("div", {}, [
        el("h2", { className: "title", text: "杨浦知识产权全科医生", attrs: { id: "ipgp-title" } }),
        el("p", { className: "subtitle", text: "知识产权政策咨询 · 回答注明出处" }),
      ]),
    ]),
    el("div", { className: "head-actions" }, [newChatButton, closeButton]),
  ]);

  const log = el("div", {
    className: "log",
    attrs: { role: "log", "aria-live": "polite", "aria-relevant": "additions", "aria-label": "对话记录", tabindex: "0" },
  });
  const input = el("textarea", {
    className: "input",
    attrs: {
      id: "ipgp-input",
      rows: "1",
      maxlength: "1000",
      "aria-describedby": "ipgp-hint",
      autocomplete: "off",
    },
  });
  const hint = el("span", { className: "sr-only", attrs: { id: "ipgp-hint" } });
  const sendButton = el("button", { className: "send", attrs: { type: "submit", "aria-label": "发送" } }, [
    icon("send"),
    el("span", { className: "send-text", text: "发送" }),
  ]);
  const composer = el("form", { className: "composer", attrs: { novalidate: "" } }, [
    el("label", { className: "sr-only", text: "输入您的问题", attrs: { for: "ipgp-input" } }),
    hint,
    input,
    sendButton,
  ]);
  const disclaimer = el("p", {
    className: "disclaimer",
    text: "回答仅供参考，请以主管部门最新发布为准；标注“演示数据”的机构信息尚待核实。",
  });
  const confirmYes = el("button", { className: "confirm-yes", text: TEXT.confirmYes, attrs: { type: "button" } });
  const confirmNo = el("button", { className: "confirm-no", text: TEXT.cancel, attrs: { type: "button" } });
  const confirmBar = el("div", { className: "confirm", attrs: { role: "alertdialog", "aria-labelledby": "ipgp-confirm" } }, [
    el("p", { text: TEXT.confirmNew, attrs: { id: "ipgp-confirm" } }),
    el("div", { className: "confirm-actions" }, [confirmYes, confirmNo]),
  ]);
  confirmBar.hidden = true;
  const panel = el(
    "section",
    { className: "panel", attrs: { id: panelId, "aria-labelledby": "ipgp-title" } },
    [header, confirmBar, log, composer, disclaimer],
  );
  if (MODE === "widget") {
    panel.setAttribute("role", "dialog");
    panel.hidden = true;
    root.append(panel, launcher);
  } else {
    root.append(panel);
  }

  /* ---------- rendering ---------- */
  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  // A new answer is read from its start: when it is taller than the log, its top goes to the top.
  function scrollToTurn(turn) {
    if (!turn || turn.offsetHeight + 16 <= log.clientHeight) {
      scrollToEnd();
      return;
    }
    log.scrollTop += turn.getBoundingClientRect().top - log.getBoundingClientRect().top - 8;
  }

  function chipGroup(className, label, items) {
    const group = el("div", { className, attrs: { role: "group", "aria-label": label } });
    for (const [title, payload] of items) {
      const chip = el("button", { className: "chip", text: title, attrs: { type: "button" } });
      chip.addEventListener("click", () => send(payload, title));
      group.appendChild(chip);
    }
    return group.childElementCount ? group : null;
  }

  function renderWelcome() {
    const items = [TEXT.checkup, ...SUGGESTIONS.map((q) => [q, q])];
    const chips = chipGroup("quick suggestions", "您可以这样问", items);
    return el("div", { className: "turn bot welcome" }, [
      el("span", { className: "avatar", text: "IP", attrs: { "aria-hidden": "true" } }),
      el("div", { className: "stack" }, [el("div", { className: "bubble", text: WELCOME }), chips]),
    ]);
  }

  function renderUser(entry) {
    return el("div", { className: "turn user" }, [
      el("div", { className: "stack" }, [el("div", { className: "bubble", text: str(entry.text) })]),
    ]);
  }

  function renderSources(sources) {
    const list = el("ol", { className: "source-list" });
    for (const source of sources) {
      if (!source || typeof source !== "object") continue;
      const status = STATUS[str(source.status)];
      const meta = [str(source.number), str(source.section), str(source.date)].filter(Boolean);
      const item = el("li", { className: "source" }, [
        el("div", { className: "source-title" }, [
          el("span", { text: str(source.title) || "未命名来源" }),
          status ? el("span", { className: `status status-${status[1]}`, text: status[0] }) : null,
          source.demo === true ? el("span", { className: "badge demo", text: "演示数据" }) : null,
        ]),
        meta.length ? el("div", { className: "source-meta", text: meta.join(" · ") }) : null,
        str(source.snippet || source.text)
          ? el("blockquote", { className: "snippet", text: str(source.snippet || source.text) })
          : null,
      ]);
      const url = str(source.original_url || source.url); // the issuer's own page; the citation line links ours
      if (/^https?:\/\//i.test(url)) {
        item.appendChild(
          el("a", {
            className: "source-link",
            text: "查看原文",
            attrs: { href: url, target: "_blank", rel: "noopener noreferrer" },
          }),
        );
      }
      list.appendChild(item);
    }
    const summary = el("summary", { text: `查看出处（${list.childElementCount}）` });
    return el("details", { className: "sources" }, [summary, list]);
  }

  function phoneLink(text) {
    const first = text.split("/")[0].trim();
    if (!/^[0-9-]{3,20}$/.test(first)) return document.createTextNode(text);
    return el("a", { text, attrs: { href: `tel:${first}` } });
  }

  // Only what is known is listed; one honest line says what is not. Without a verified contact
  // (a phone or address that is not demo data) the card offers a person instead.
  function renderStation(station) {
    const heading = el("div", { className: "card-head" }, [
      el("h3", { className: "card-title", text: str(station.name) || TEXT.unnamed }),
      station.demo === true
        ? el("span", { className: "badge demo", text: "演示数据", attrs: { title: "此机构信息为演示数据，尚待工作人员核实" } })
        : null,
    ]);
    const fields = [
      ["类型", str(station.type_label) || str(station.type)],
      ["地址", str(station.address)],
      ["电话", str(station.phone), phoneLink],
      ["时间", str(station.hours)],
    ];
    const details = el("dl", { className: "card-fields" });
    for (const [label, value, makeLink] of fields) {
      if (!value) continue;
      details.append(el("dt", { text: label }), el("dd", {}, [makeLink ? makeLink(value) : document.createTextNode(value)]));
    }
    const card = el("li", { className: "card" }, [heading, details.childElementCount ? details : null]);
    const services = Array.isArray(station.services) ? station.services.map(str).filter(Boolean) : [];
    if (services.length) card.appendChild(el("p", { className: "card-services", text: `服务：${services.join("；")}` }));
    const verified = station.demo !== true && Boolean(str(station.address) || str(station.phone));
    const missing = fields.slice(1).filter(([, value]) => !value).map(([label]) => label);
    if (!verified) {
      const [title, payload] = TEXT.human;
      const human = el("button", { className: "chip card-human", text: title, attrs: { type: "button" } });
      human.addEventListener("click", () => send(payload, title));
      card.appendChild(el("div", { className: "card-note" }, [el("span", { text: TEXT.noContact }), human]));
    } else if (missing.length) {
      card.appendChild(el("p", { className: "card-note", text: TEXT.missing(missing.join("、")) }));
    }
    return card;
  }

  function renderQuickReplies(buttons) {
    const items = buttons.map((b) => [str(b && b.title), str(b && b.payload) || str(b && b.title)]);
    return chipGroup("quick", "快捷回复", items.filter(([title]) => title));
  }

  function renderRelated(questions) {
    const items = questions.map(str).filter(Boolean).map((q) => [q, q]);
    const group = chipGroup("quick related", "相关问题", items);
    if (group) group.prepend(el("span", { className: "related-title", text: TEXT.related }));
    return group;
  }

  function toggle(label, value) {
    const attrs = { type: "button", "aria-pressed": "false", "data-value": value };
    return el("button", { className: "toggle", text: label, attrs });
  }

  // 👎 asks why: one of REASONS and a few optional words; both travel with the rating.
  function reasonForm(onSubmit, onCancel) {
    const choices = REASONS.map(([value, label]) => toggle(label, value));
    for (const choice of choices) {
      choice.addEventListener("click", () => {
        const chosen = choice.getAttribute("aria-pressed") !== "true"; // a second click takes it back
        for (const other of choices) other.setAttribute("aria-pressed", String(other === choice && chosen));
      });
    }
    const commentId = newId("ipgp-c-");
    const comment = el("textarea", { className: "reason-comment", attrs: { id: commentId, rows: "2", maxlength: "200" } });
    const submitButton = el("button", { className: "reason-submit", text: TEXT.reasonSubmit, attrs: { type: "submit" } });
    const cancel = el("button", { className: "reason-cancel", text: TEXT.cancel, attrs: { type: "button" } });
    const form = el("form", { className: "reason", attrs: { novalidate: "" } }, [
      el("fieldset", {}, [el("legend", { text: TEXT.reasonAsk }), el("div", { className: "reason-choices" }, choices)]),
      el("label", { className: "reason-label", text: TEXT.reasonComment, attrs: { for: commentId } }),
      comment,
      el("div", { className: "reason-actions" }, [submitButton, cancel]),
    ]);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const chosen = choices.find((c) => c.getAttribute("aria-pressed") === "true");
      submitButton.disabled = true;
      onSubmit({ reason: chosen ? chosen.dataset.value : null, comment: comment.value.trim() || null }).finally(() => {
        submitButton.disabled = false;
      });
    });
    cancel.addEventListener("click", onCancel);
    return form;
  }

  function renderFeedback(entry) {
    const note = el("span", {
      className: "feedback-note",
      text: entry.rating ? TEXT.feedbackThanks : TEXT.feedbackAsk,
      attrs: { role: "status", tabindex: "-1" },
    });
    const up = el("button", { className: "thumb", attrs: { type: "button", "aria-label": "有帮助", "data-rating": "up" } }, [
      icon("up"),
    ]);
    const down = el(
      "button",
      { className: "thumb", attrs: { type: "button", "aria-label": "没帮助", "data-rating": "down", "aria-expanded": "false" } },
      [icon("up", true)],
    );
    const box = el("div", { className: "feedback" }, [note, up, down]);
    let form = null;
    const mark = () => {
      for (const button of [up, down]) {
        button.setAttribute("aria-pressed", String(entry.rating === button.dataset.rating));
        button.disabled = Boolean(entry.rating) || Boolean(form);
      }
      down.setAttribute("aria-expanded", String(Boolean(form)));
    };
    const rate = async (rating, extra = {}) => {
      const ok = (await postFeedback("api/feedback", { rating, turn_id: str(entry.turnId), ...extra })).ok;
      if (ok) {
        entry.rating = rating;
        saveHistory();
      }
      note.textContent = ok ? TEXT.feedbackThanks : TEXT.feedbackFailed;
      return ok;
    };
    const closeForm = () => {
      if (form) form.remove();
      form = null;
      mark();
    };
    mark();
    up.addEventListener("click", async () => {
      up.disabled = true;
      await rate("up");
      mark();
    });
    down.addEventListener("click", () => {
      form = reasonForm(async (reason) => {
        if (!(await rate("down", reason))) return;
        closeForm();
        note.focus(); // the form and its buttons are gone: the thanks is where the keyboard continues
      }, () => {
        closeForm();
        down.focus();
      });
      box.after(form);
      mark();
      form.querySelector(".toggle").focus();
    });
    return box;
  }

  async function copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (error) {
      // http pages other than localhost have no clipboard API: copy through a selected text area
      const area = el("textarea", { className: "sr-only", text, attrs: { readonly: "" } });
      root.appendChild(area);
      area.select();
      const ok = document.execCommand("copy");
      area.remove();
      return ok;
    }
  }

  function renderCopy(entry) {
    const label = el("span", { text: TEXT.copy });
    const button = el("button", { className: "copy", attrs: { type: "button" } }, [icon("copy"), label]);
    button.addEventListener("click", async () => {
      const replies = Array.isArray(entry.replies) ? entry.replies : [];
      const text = replies.map((r) => str(r && r.text)).filter(Boolean).join("\n\n");
      label.textContent = (await copyText(text)) ? TEXT.copied : TEXT.copyFailed;
      window.setTimeout(() => {
        label.textContent = TEXT.copy;
      }, 2000);
    });
    return button;
  }

  // Thumbs and copy belong to answers (from the knowledge base, or citing sources), not to questions the bot asks.
  function isAnswer(entry) {
    const replies = Array.isArray(entry.replies) ? entry.replies : [];
    return replies.some(
      (r) => r && (ANSWER_TIERS.includes(r.tier) || (Array.isArray(r.sources) && r.sources.length > 0)),
    );
  }

  // A check-up report: one card per group, each line with its source; the print page as a link.
  function renderCheckup(reply) {
    const sections = Array.isArray(reply.checkup.sections) ? reply.checkup.sections : [];
    if (!sections.length) return null;
    const head = str(reply.text).split("\n").slice(0, 2).join("\n");
    const box = el("div", { className: "checkup" }, [el("div", { className: "bubble", text: head })]);
    for (const section of sections) {
      if (!section || typeof section !== "object") continue;
      const lines = Array.isArray(section.lines) ? section.lines.filter((l) => l && typeof l === "object") : [];
      const items = lines.map((line) =>
        el("li", {}, [
          el("span", { text: str(line.text) }),
          line.demo === true ? el("span", { className: "badge demo", text: "演示数据" }) : null,
          el("div", { className: "checkup-source", text: `出处：${str(line.source)}` }),
        ]),
      );
      box.appendChild(
        el("section", { className: "card checkup-card" }, [
          el("h3", { className: "card-title", text: str(section.title) }),
          el("ol", {}, items),
        ]),
      );
    }
    const path = str(reply.report_url);
    if (/^\/checkup\/[A-Za-z0-9_-]+$/.test(path)) {
      box.appendChild(
        el("a", {
          className: "checkup-print",
          text: "打开打印版报告（可保存链接）",
          attrs: { href: new URL(path.slice(1), BASE).href, target: "_blank", rel: "noopener noreferrer" },
        }),
      );
    }
    return box;
  }

  // A link the gateway gave: its own pages as paths ("/sources/…"), other sites by http(s) address.
  function safeHref(url) {
    const text = str(url);
    if (/^\/[A-Za-z0-9_\-./#%?=&]*$/.test(text) && !text.startsWith("//")) return new URL(text.slice(1), BASE).href;
    return /^https?:\/\//i.test(text) ? text : "";
  }

  // The reply's own words: the lead (the closest-match marker, a list's introduction) and the body.
  // Replies saved before the parts existed carry only `text`.
  function renderWords(reply) {
    const lead = str(reply.lead);
    const body = str(reply.body);
    if (!lead && !body) {
      return str(reply.text) && !Array.isArray(reply.citations) ? el("div", { className: "bubble", text: str(reply.text) }) : null;
    }
    return el("div", { className: "bubble" }, [
      lead ? el("p", { className: "lead", text: lead }) : null,
      body ? el("p", { className: "body", text: body }) : null,
    ]);
  }

  // The citation line: the gateway's label and words, each citation a link where it has a page.
  function renderCitations(reply) {
    const citations = Array.isArray(reply.citations) ? reply.citations.filter((c) => c && str(c.text)) : [];
    if (!citations.length) return null;
    const line = el("p", { className: "citation" }, [el("span", { text: str(reply.citation_label) })]);
    citations.forEach((citation, index) => {
      if (index) line.appendChild(document.createTextNode("；"));
      const href = safeHref(citation.url);
      line.appendChild(
        href
          ? el("a", { text: str(citation.text), attrs: { href, target: "_blank", rel: "noopener noreferrer" } })
          : el("span", { text: str(citation.text) }),
      );
    });
    return line;
  }

  function renderBot(entry, latest) {
    const stack = el("div", { className: "stack" });
    const replies = Array.isArray(entry.replies) ? entry.replies : [];
    for (const reply of replies) {
      if (!reply || typeof reply !== "object") continue;
      const report = reply.checkup && typeof reply.checkup === "object" ? renderCheckup(reply) : null;
      const words = report || renderWords(reply);
      if (words) stack.appendChild(words);
      const stations = Array.isArray(reply.stations) ? reply.stations.filter((s) => s && typeof s === "object") : [];
      if (stations.length) {
        stack.appendChild(el("ul", { className: "stations", attrs: { "aria-label": "推荐机构" } }, stations.map(renderStation)));
      }
      const notes = Array.isArray(reply.notes) ? reply.notes.map(str).filter(Boolean) : [];
      if (notes.length) stack.appendChild(el("div", { className: "notes" }, notes.map((n) => el("p", { text: n }))));
      const cited = renderCitations(reply);
      if (cited) stack.appendChild(cited);
      const sources = Array.isArray(reply.sources) ? reply.sources : [];
      if (sources.length) stack.appendChild(renderSources(sources));
      const related = latest && Array.isArray(reply.related) ? renderRelated(reply.related) : null;
      if (related) stack.appendChild(related);
      // a card that offers 转人工 makes the same quick reply redundant
      const human = stack.querySelector(".card-human") ? TEXT.human[1] : "";
      const buttons = Array.isArray(reply.buttons) ? reply.buttons.filter((b) => !human || str(b && b.payload) !== human) : [];
      const quick = latest ? renderQuickReplies(buttons) : null;
      if (quick) stack.appendChild(quick);
    }
    if (!stack.childElementCount) {
      stack.appendChild(el("div", { className: "bubble", text: "抱歉，暂时没有找到相关答复，您可以换个说法再问一次。" }));
    }
    if (isAnswer(entry)) stack.appendChild(el("div", { className: "answer-actions" }, [renderCopy(entry), renderFeedback(entry)]));
    return el("div", { className: "turn bot", attrs: { "data-turn": str(entry.id) } }, [
      el("span", { className: "avatar", text: "IP", attrs: { "aria-hidden": "true" } }),
      stack,
    ]);
  }

  // The closing satisfaction prompt: once per conversation, after a few answers or on goodbye.
  function renderClosing(entry) {
    const note = el("p", { className: "closing-note", text: entry.rating ? TEXT.closingThanks : TEXT.closingAsk });
    const choices = CLOSING.map(([value, label]) => toggle(label, value));
    const mark = () => {
      for (const choice of choices) {
        choice.setAttribute("aria-pressed", String(entry.rating === choice.dataset.value));
        choice.disabled = Boolean(entry.rating);
      }
    };
    for (const choice of choices) {
      choice.addEventListener("click", async () => {
        choice.disabled = true;
        const { ok, status } = await postFeedback("api/feedback/closing", { rating: choice.dataset.value });
        if (ok || status === 409) {
          entry.rating = choice.dataset.value;
          saveHistory();
        }
        note.textContent = ok || status === 409 ? TEXT.closingThanks : TEXT.feedbackFailed;
        mark();
      });
    }
    mark();
    return el("div", { className: "closing", attrs: { role: "group", "aria-label": "满意度评价" } }, [
      note,
      el("div", { className: "closing-choices" }, choices),
    ]);
  }

  function maybeAskClosing(question) {
    if (state.history.some((e) => e.role === "closing")) return;
    const answers = state.history.filter((e) => e.role === "bot" && isAnswer(e)).length;
    if (answers < CLOSING_AFTER_ANSWERS && !(question.length <= 12 && GOODBYE.test(question))) return;
    const entry = { role: "closing", rating: null };
    state.history.push(entry);
    log.appendChild(renderClosing(entry));
  }

  function lastBotTurn() {
    const turns = log.querySelectorAll(".turn.bot:not(.welcome)");
    return turns.length ? turns[turns.length - 1] : null;
  }

  function renderAll() {
    log.replaceChildren(renderWelcome());
    const lastBot = state.history.map((e) => e.role).lastIndexOf("bot");
    state.history.forEach((entry, index) => {
      if (entry.role === "user") log.appendChild(renderUser(entry));
      else if (entry.role === "bot") log.appendChild(renderBot(entry, index === lastBot));
      else if (entry.role === "closing") log.appendChild(renderClosing(entry));
    });
    scrollToTurn(lastBotTurn());
  }

  function dropOldQuickReplies() {
    for (const group of log.querySelectorAll(".turn.bot:not(.welcome) .quick")) group.remove();
  }

  /* ---------- typing indicator and errors ---------- */
  let typing = null;
  function showTyping() {
    typing = el("div", { className: "turn bot typing", attrs: { role: "status", "aria-label": TEXT.typing } }, [
      el("span", { className: "avatar", text: "IP", attrs: { "aria-hidden": "true" } }),
      el("div", { className: "bubble dots", attrs: { "aria-hidden": "true" } }, [el("span"), el("span"), el("span")]),
    ]);
    log.appendChild(typing);
    log.setAttribute("aria-busy", "true");
    scrollToEnd();
  }

  function hideTyping() {
    if (typing) typing.remove();
    typing = null;
    log.removeAttribute("aria-busy");
  }

  function showError(message, retry) {
    const retryButton = el("button", { className: "retry", text: TEXT.retry, attrs: { type: "button" } });
    const box = el("div", { className: "error", attrs: { role: "alert" } }, [
      el("p", { className: "error-text", text: message }),
      retryButton,
    ]);
    retryButton.addEventListener("click", () => {
      box.remove();
      retry();
    });
    log.appendChild(box);
    scrollToEnd();
    retryButton.focus({ preventScroll: true });
  }

  function clearErrors() {
    for (const box of log.querySelectorAll(".error")) box.remove();
  }

  /* ---------- network ---------- */
  class ChatError extends Error {}

  async function postJson(path, body) {
    const controller = new AbortController();
    const timer = window.setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    try {
      return await fetch(new URL(path, BASE).href, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        signal: controller.signal,
        credentials: "omit",
      });
    } catch (error) {
      throw new ChatError(error && error.name === "AbortError" ? TEXT.timeout : TEXT.network);
    } finally {
      window.clearTimeout(timer);
    }
  }

  async function errorDetail(response) {
    try {
      const body = await response.json();
      if (body && typeof body.detail === "string" && body.detail.trim()) return body.detail.trim();
    } catch (error) {
      /* not JSON: use the generic text */
    }
    return TEXT.server(response.status);
  }

  async function ask(message) {
    const response = await postJson("api/chat", { sender_id: state.sender, message });
    if (!response.ok) throw new ChatError(await errorDetail(response));
    try {
      return await response.json();
    } catch (error) {
      throw new ChatError(TEXT.server(response.status));
    }
  }

  // The server rates the turn (or conversation) it recorded; question and answer are never sent from here.
  async function postFeedback(path, body) {
    try {
      const response = await postJson(path, { sender_id: state.sender, ...body });
      return { ok: response.ok, status: response.status };
    } catch (error) {
      return { ok: false, status: 0 };
    }
  }

  /* ---------- sending ---------- */
  async function send(message, shown, echo = true) {
    const text = str(message);
    if (!text || state.busy) return;
    state.busy = true;
    sendButton.disabled = true;
    clearErrors();
    if (echo) {
      const entry = { role: "user", text: str(shown) || text };
      state.history.push(entry);
      saveHistory();
      dropOldQuickReplies();
      log.appendChild(renderUser(entry));
    }
    showTyping();
    try {
      const data = await ask(text);
      const entry = {
        role: "bot",
        id: newId("t-"),
        turnId: str(data && data.turn_id),
        question: str(shown) || text,
        replies: Array.isArray(data && data.replies) ? data.replies : [],
        fallback: Boolean(data && data.fallback),
        rating: null,
      };
      state.history.push(entry);
      hideTyping();
      const turn = renderBot(entry, true);
      log.appendChild(turn);
      maybeAskClosing(str(shown) || text);
      saveHistory();
      scrollToTurn(turn);
    } catch (error) {
      hideTyping();
      if (!(error instanceof ChatError)) throw error;
      showError(error.message, () => send(message, shown, false));
    } finally {
      state.busy = false;
      sendButton.disabled = false;
    }
  }

  function submit() {
    const text = input.value.trim();
    if (!text || state.busy) return;
    input.value = "";
    autosize();
    send(text, text);
    input.focus();
  }

  function autosize() {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 140)}px`;
  }

  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      submit();
    }
  });
  input.addEventListener("input", autosize);

  function startOver() {
    confirmBar.hidden = true;
    state.history = [];
    storage.remove(KEYS.history);
    state.sender = newId("web-");
    storage.set(KEYS.sender, state.sender);
    renderAll();
    input.focus();
  }

  function closeConfirm() {
    confirmBar.hidden = true;
    newChatButton.focus();
  }

  // 新对话 wipes the history: asked first, unless there is nothing to lose.
  newChatButton.addEventListener("click", () => {
    if (!state.history.length) {
      startOver();
      return;
    }
    confirmBar.hidden = false;
    confirmNo.focus();
  });
  confirmYes.addEventListener("click", startOver);
  confirmNo.addEventListener("click", closeConfirm);
  confirmBar.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    event.stopPropagation(); // Escape closes the question, not the widget
    closeConfirm();
  });

  // Touch screens and narrow windows have no Enter key to mention.
  const touch = window.matchMedia("(pointer: coarse), (max-width: 520px)");
  function fitPlaceholder() {
    input.setAttribute("placeholder", touch.matches ? TEXT.placeholderTouch : TEXT.placeholder);
    hint.textContent = touch.matches ? TEXT.hintTouch : TEXT.hint;
  }
  touch.addEventListener("change", fitPlaceholder);
  fitPlaceholder();

  /* ---------- floating widget open / close ---------- */
  function setOpen(open, focus = true) {
    if (!launcher) return;
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    launcher.setAttribute("aria-label", open ? "收起在线咨询" : "打开在线咨询");
    root.classList.toggle("open", open);
    storage.set(KEYS.open, open ? "1" : "0");
    if (open) {
      scrollToTurn(lastBotTurn());
      if (focus) input.focus();
    } else if (focus) {
      launcher.focus();
    }
  }

  if (launcher) {
    launcher.addEventListener("click", () => setOpen(panel.hidden));
    closeButton.addEventListener("click", () => setOpen(false));
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") setOpen(false);
    });
    setOpen(storage.get(KEYS.open) === "1", false);
  }

  renderAll();
})();
