/* 调解台 (mediator console): the queue and one conversation, over /api/console/ (contract 4).
   Everything residents wrote is put into the page as text (textContent), never as HTML. */
(function () {
  "use strict";
  var body = document.body;
  var CSRF = body.dataset.csrf;
  var L = JSON.parse(body.dataset.labels || "{}");
  var ROLE = body.dataset.role, ME = body.dataset.username;

  function label(group, key) { return (L[group] && L[group][key]) || key || ""; }

  function api(method, path, data, poll) {
    var headers = {"Accept": "application/json"};
    if (method !== "GET") { headers["Content-Type"] = "application/json"; headers["X-CSRF-Token"] = CSRF; }
    if (poll) headers["X-Console-Poll"] = "1";  // a background poll is not activity (idle timeout)
    var opts = {method: method, headers: headers, credentials: "same-origin"};
    if (method !== "GET") opts.body = JSON.stringify(data || {});
    return fetch(path, opts).then(function (r) {
      return r.json().catch(function () { return {error: "bad_response", message: "服务器的回答无法读取，请刷新页面。"}; })
        .then(function (j) {
          j._status = r.status;
          if (r.status === 401) location.href = "/console/login?next=" + encodeURIComponent(location.pathname);
          return j;
        });
    });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  // times arrive as ISO 8601 with +08:00; shown in Beijing time whatever the browser's zone
  function fmt(iso) {
    if (!iso) return "—";
    var d = new Date(Date.parse(iso) + 8 * 3600 * 1000);
    return (d.getUTCMonth() + 1) + "月" + d.getUTCDate() + "日 " + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
  }
  function ago(iso) {
    var m = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 60000));
    if (m < 1) return "不到1分钟";
    if (m < 60) return m + "分钟";
    if (m < 48 * 60) return Math.floor(m / 60) + "小时" + (m % 60 ? (m % 60) + "分" : "");
    return Math.floor(m / 1440) + "天";
  }
  function overdue(item) {
    return item.due_at && Date.parse(item.due_at) < Date.now() &&
      (item.status === "waiting_mediator" || item.status === "with_mediator");
  }
  function showError(j) {
    var box = document.querySelector(".c-error");
    if (!box) return;
    box.hidden = !j || !j.error;
    box.textContent = j && j.error ? j.message : "";
  }

  // -- alerts: title badge, a short sound, a desktop notification --------------------------------
  var audio = null;
  function enableAlerts() {
    try { audio = audio || new (window.AudioContext || window.webkitAudioContext)(); audio.resume(); } catch (e) { audio = null; }
    if (window.Notification && Notification.permission === "default") Notification.requestPermission();
    var b = document.querySelector(".c-alerts");
    if (b) { b.classList.add("c-on"); b.textContent = "提醒已开启"; }
  }
  function beep() {
    if (!audio) return;
    [0, 0.25].forEach(function (at) {
      var o = audio.createOscillator(), g = audio.createGain();
      o.frequency.value = 880; g.gain.value = 0.15;
      o.connect(g); g.connect(audio.destination);
      o.start(audio.currentTime + at); o.stop(audio.currentTime + at + 0.15);
    });
  }
  function alertNew(items) {
    beep();
    if (window.Notification && Notification.permission === "granted") {
      items.forEach(function (it) {
        try { new Notification((it.priority ? "【紧急】" : "") + "新的转人工会话", {body: it.summary || "", tag: it.conversation_id}); } catch (e) { /* not allowed here */ }
      });
    }
  }

  // -- the queue -----------------------------------------------------------------------------------
  function queuePage() {
    var view = "waiting", known = null, baseTitle = document.title;
    var tbody = document.querySelector(".c-queue tbody");
    var empty = document.querySelector(".c-empty");
    document.querySelector(".c-alerts").addEventListener("click", enableAlerts);
    document.querySelectorAll(".c-tabs button").forEach(function (b) {
      b.addEventListener("click", function () {
        view = b.dataset.view;
        document.querySelectorAll(".c-tabs button").forEach(function (x) { x.setAttribute("aria-selected", x === b ? "true" : "false"); });
        tick(false);
      });
    });

    function row(it, fresh) {
      var tr = el("tr", fresh ? "c-new" : "");
      tr.dataset.id = it.conversation_id;
      var c1 = el("td");
      if (it.priority) c1.appendChild(el("span", "c-badge c-urgent", "紧急"));
      c1.appendChild(document.createTextNode(" " + label("reasons", it.reason)));
      c1.appendChild(el("div", "c-muted", label("statuses", it.status)));
      var c2 = el("td", "", label("domains", it.domain) || "—");
      if (it.case_type) c2.appendChild(el("div", "c-muted", label("cases", it.case_type)));
      var c3 = el("td", "c-summary", it.summary);
      var c4 = el("td", "", ago(it.waiting_since));
      c4.title = fmt(it.waiting_since);
      var c5 = el("td", overdue(it) ? "c-overdue" : "", fmt(it.due_at));
      var c6 = el("td", "", it.assignee ? it.assignee.name : "—");
      var c7 = el("td", "c-row-actions");
      var open = el("a", "", "打开");
      open.href = "/console/conversations/" + encodeURIComponent(it.conversation_id);
      c7.appendChild(open);
      if (it.status === "waiting_mediator" && !it.assignee) {
        var claim = el("button", "c-primary c-claim", "接手");
        claim.type = "button";
        claim.addEventListener("click", function () {
          claim.disabled = true;
          api("POST", "/api/console/conversations/" + it.conversation_id + "/claim").then(function (j) {
            if (j.error) { showError(j); claim.disabled = false; tick(false); return; }
            location.href = open.href;
          });
        });
        c7.appendChild(claim);
      }
      [c1, c2, c3, c4, c5, c6, c7].forEach(function (c) { tr.appendChild(c); });
      return tr;
    }

    function tick(poll) {
      var wanted = ["waiting", "mine"];
      if (wanted.indexOf(view) < 0) wanted.push(view);
      Promise.all(wanted.map(function (v) { return api("GET", "/api/console/queue?view=" + v, null, poll); }))
        .then(function (answers) {
          var lists = {};
          wanted.forEach(function (v, i) { lists[v] = answers[i]; });
          var bad = answers.filter(function (j) { return j.error; })[0];
          showError(bad);
          if (bad) return;
          var waiting = lists.waiting.items, ids = {};
          var fresh = waiting.filter(function (it) { return known && !known[it.conversation_id]; });
          waiting.forEach(function (it) { ids[it.conversation_id] = true; });
          known = ids;
          if (fresh.length) alertNew(fresh);
          document.querySelector('[data-count="waiting"]').textContent = waiting.length || "";
          document.querySelector('[data-count="mine"]').textContent = lists.mine.items.length || "";
          document.title = (waiting.length ? "(" + waiting.length + ") " : "") + baseTitle;
          var freshIds = {};
          fresh.forEach(function (it) { freshIds[it.conversation_id] = true; });
          tbody.textContent = "";
          lists[view].items.forEach(function (it) { tbody.appendChild(row(it, freshIds[it.conversation_id])); });
          empty.hidden = lists[view].items.length > 0;
        }, function () { showError({error: "network", message: "网络连接不上，稍后会自动重试。"}); });
    }
    tick(false);
    setInterval(function () { tick(true); }, 5000);
  }

  // -- one conversation ----------------------------------------------------------------------------
  function conversationPage() {
    var id = body.dataset.conv, base = "/api/console/conversations/" + encodeURIComponent(id);
    var log = document.querySelector(".c-log"), head = document.querySelector(".c-head");
    var actions = document.querySelector(".c-actions"), reply = document.querySelector(".c-reply");
    var replyText = document.getElementById("c-reply-text");
    var shownKey = null, actionsKey = null, data = null, staff = [];

    function post(path, payload) {
      if (actions.contains(document.activeElement)) document.activeElement.blur();
      return api("POST", base + path, payload).then(function (j) {
        showError(j.error ? j : null);
        return load(false).then(function () { return j; });
      });
    }

    function message(m) {
      var who = m.from === "resident" ? "居民" : m.from === "bot" ? "机器人" : m.from === "system" ? "系统提示" : (m.author || "调解员");
      var box = el("div", "c-msg c-" + m.from);
      box.appendChild(el("div", "c-who", who + " · " + fmt(m.at) + (m.state === "paused" ? " · 转人工后" : "")));
      box.appendChild(el("div", "c-text", m.text));
      if (m.buttons && m.buttons.length) box.appendChild(el("div", "c-btns", "按钮：" + m.buttons.map(function (b) { return b.title; }).join(" / ")));
      if (m.from === "bot" && m.faq_id !== undefined) {
        box.appendChild(el("div", "c-meta", "FAQ " + (m.faq_id || "（没有把握）") +
          (typeof m.confidence === "number" ? " · 置信度 " + m.confidence.toFixed(2) : "")));
      }
      if (m.report_url) {
        var a = el("a", "", "法律分析和意见指南");
        a.href = m.report_url; a.target = "_blank"; a.rel = "noopener";
        box.appendChild(a);
      }
      return box;
    }

    function dl(pairs) {
      var d = el("dl");
      pairs.forEach(function (p) { d.appendChild(el("dt", "", p[0])); var dd = el("dd"); if (p[1] instanceof Node) dd.appendChild(p[1]); else dd.textContent = p[1]; d.appendChild(dd); });
      return d;
    }

    function renderHead(c) {
      var h = c.handoff || {};
      head.textContent = "";
      head.appendChild(el("strong", "", label("statuses", c.status)));
      if (h.priority) head.appendChild(el("span", "c-badge c-urgent", "紧急"));
      if (h.for_role === "lawyer") head.appendChild(el("span", "c-badge c-lawyer", "转值班律师"));
      head.appendChild(el("span", "", label("reasons", h.reason)));
      head.appendChild(el("span", "c-muted", [label("domains", h.domain), h.case_title].filter(Boolean).join(" · ")));
      head.appendChild(el("span", "c-muted", "处理人：" + (c.assignee ? c.assignee.name : "—")));
    }

    function renderActions(c) {
      var h = c.handoff || {};
      actions.textContent = "";
      actions.appendChild(el("h2", "", "处理"));
      var due = el("span", overdue({due_at: h.due_at, status: c.status}) ? "c-overdue" : "", fmt(h.due_at));
      var pairs = [["转人工时间", fmt(h.waiting_since) + "（已等待 " + ago(h.waiting_since) + "）"], ["应答时限", due],
                   ["答复居民", h.reply_expected_by ? fmt(h.reply_expected_by) + " 前" : "—"]];
      if (h.outcome) pairs.push(["结果", label("outcomes", h.outcome) || (h.outcome === "handback" ? "交回机器人" : "居民回到机器人")]);
      if (h.close_note) pairs.push(["结案说明", h.close_note]);
      c.ratings.forEach(function (r) {
        pairs.push(["居民评价", el("span", "c-stars", "★★★★★".slice(0, r.score) + "☆☆☆☆☆".slice(0, 5 - r.score) + " " + r.score + "分" + (r.comment ? "：" + r.comment : ""))]);
      });
      actions.appendChild(dl(pairs));
      // the dispute ledger: register this conversation as a dispute (facts and analysis attached)
      var ledger = el("button", "c-ledger", "登记台账"); ledger.type = "button";
      ledger.addEventListener("click", function () {
        ledger.disabled = true;
        api("POST", "/api/console/disputes", {conversation_id: c.id}).then(function (j) {
          ledger.disabled = false;
          if (j.error) { showError(j); return; }
          location.href = "/console/disputes/" + j.id;
        });
      });
      actions.appendChild(ledger);
      if (!c.can_act) return;
      var row = el("div", "c-row");
      if (h.status === "waiting") {
        var claim = el("button", "c-primary c-claim", "接手"); claim.type = "button";
        claim.addEventListener("click", function () { claim.disabled = true; post("/claim"); });
        row.appendChild(claim);
      }
      var back = el("button", "c-handback", "交回机器人"); back.type = "button";
      back.addEventListener("click", function () { if (confirm("把对话交回机器人？居民之后的消息由机器人回答。")) post("/handback"); });
      row.appendChild(back);
      actions.appendChild(row);

      var close = el("form", "c-row c-close-form");
      var outcome = el("select"); outcome.setAttribute("aria-label", "结案结果");
      ["resolved", "referred", "booked", "no_response", "other"].forEach(function (k) {
        var o = el("option", "", label("outcomes", k)); o.value = k; outcome.appendChild(o);
      });
      close.appendChild(el("span", "c-muted", "结案："));
      var note = el("input"); note.placeholder = "结案说明（可不填）"; note.setAttribute("aria-label", "结案说明"); note.maxLength = 1000;
      var closeBtn = el("button", "", "结案"); closeBtn.type = "submit";
      close.appendChild(outcome); close.appendChild(note); close.appendChild(closeBtn);
      close.addEventListener("submit", function (e) { e.preventDefault(); post("/close", {outcome: outcome.value, note: note.value}); });
      actions.appendChild(close);

      var move = el("form", "c-row");
      var to = el("select"); to.setAttribute("aria-label", "转交给");
      move.appendChild(el("span", "c-muted", "转交："));
      var lawyer = el("option", "", "值班律师（回到队列）"); lawyer.value = "lawyer"; to.appendChild(lawyer);
      staff.forEach(function (u) { if (u.username !== ME) { var o = el("option", "", u.name + "（" + label("roles", u.role) + "）"); o.value = u.username; to.appendChild(o); } });
      var moveBtn = el("button", "", "转交"); moveBtn.type = "submit";
      move.appendChild(to); move.appendChild(moveBtn);
      move.addEventListener("submit", function (e) {
        e.preventDefault();
        api("POST", base + "/transfer", {to: to.value}).then(function (j) {
          if (j.error) { showError(j); return; }
          location.href = "/console/";
        });
      });
      actions.appendChild(move);
    }

    function renderFacts(d) {
      var box = document.querySelector(".c-facts");
      box.textContent = "";
      var q = d.conversation.fact_questions || {};
      var keys = Object.keys(d.facts || {});
      if (keys.length) box.appendChild(dl(keys.map(function (k) { var v = d.facts[k]; return [q[k] || k, typeof v === "object" ? JSON.stringify(v) : String(v)]; })));
      var a = d.analysis;
      if (a) {
        box.appendChild(el("strong", "", a.title || ""));
        if (a.total !== undefined && a.total !== null) box.appendChild(el("div", "", "合计：" + a.total + " 元"));
        var ul = el("ul");
        (a.findings || []).forEach(function (f) { ul.appendChild(el("li", "", f.text)); });
        box.appendChild(ul);
      }
      if (d.report_url) {
        var link = el("a", "", "打开法律分析和意见指南（报告）");
        link.href = d.report_url; link.target = "_blank"; link.rel = "noopener";
        box.appendChild(link);
      }
      if (!keys.length && !a) box.appendChild(el("p", "c-muted", "居民还没有填写案情。"));
    }

    function renderSide(d) {
      var notes = document.querySelector(".c-notes");
      notes.textContent = "";
      d.notes.forEach(function (n) { var li = el("li", "", n.text); li.appendChild(el("br")); li.appendChild(el("small", "", n.author + " · " + fmt(n.created_at))); notes.appendChild(li); });
      var events = document.querySelector(".c-events");
      events.textContent = "";
      d.events.forEach(function (e) {
        var det = e.detail || {}, extra = [];
        if (det.outcome) extra.push(label("outcomes", det.outcome));
        if (det.to) extra.push("→ " + (det.to === "lawyer" ? "值班律师" : det.to));
        if (det.score) extra.push(det.score + "分");
        if (det.priority) extra.push("紧急");
        var li = el("li", "", label("events", e.kind) + (extra.length ? "（" + extra.join("，") + "）" : "") + " ");
        li.appendChild(el("small", "", (e.actor === "resident" ? "居民" : e.actor) + " · " + fmt(e.at)));
        events.appendChild(li);
      });
    }

    function load(poll) {
      return api("GET", base, null, poll).then(function (d) {
        if (d.error) { showError(d); document.querySelector(".c-conv").hidden = d._status === 403 || d._status === 404; return; }
        data = d;
        var c = d.conversation, h = c.handoff || {};
        var mine = h.status === "taken" && ((c.assignee && c.assignee.username === ME) || ROLE === "admin");
        var key = JSON.stringify([d.messages.length && d.messages[d.messages.length - 1].seq, c.assignee, h.status]);
        if (key !== shownKey) {
          var atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
          log.textContent = "";
          d.messages.forEach(function (m) { log.appendChild(message(m)); });
          if (atBottom || shownKey === null) log.scrollTop = log.scrollHeight;
          shownKey = key;
        }
        renderHead(c);
        // the forms of the side panel keep what is being typed unless the case itself changed
        var ak = JSON.stringify([c.status, c.assignee, c.can_act, h.status, h.outcome, c.ratings.length, staff.length,
                                 overdue({due_at: h.due_at, status: c.status}), Math.floor(Date.now() / 60000)]);
        if (ak !== actionsKey && !actions.contains(document.activeElement)) { renderActions(c); actionsKey = ak; }
        renderFacts(d);
        renderSide(d);
        reply.hidden = !mine;
      }, function () { showError({error: "network", message: "网络连接不上，稍后会自动重试。"}); });
    }

    reply.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = replyText.value.trim();
      if (!text) return;
      post("/messages", {text: text}).then(function (j) { if (!j.error) replyText.value = ""; });
    });
    replyText.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); reply.requestSubmit(); }
    });
    var noteText = document.getElementById("c-note-text");
    document.querySelector(".c-note-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var text = noteText.value.trim();
      if (!text) return;
      post("/notes", {text: text}).then(function (j) { if (!j.error) noteText.value = ""; });
    });
    var canned = document.querySelector(".c-canned");
    api("GET", "/api/console/canned").then(function (j) {
      (j.replies || []).forEach(function (r) { var o = el("option", "", r.title); o.value = r.text; canned.appendChild(o); });
    });
    canned.addEventListener("change", function () {
      if (!canned.value) return;
      replyText.value = replyText.value ? replyText.value + "\n" + canned.value : canned.value;
      canned.value = "";
      replyText.focus();
    });
    api("GET", "/api/console/staff").then(function (j) { staff = j.users || []; if (data) renderActions(data.conversation); });
    load(false);
    setInterval(function () { load(true); }, 3000);
  }

  if (body.dataset.page === "queue") queuePage();
  if (body.dataset.page === "conversation") conversationPage();
})();
