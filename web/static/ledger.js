/* 纠纷台账: the dispute list and one dispute, over /api/console/disputes (contract 6).
   What people wrote is put into the page as text (textContent), never as HTML. */
(function () {
  "use strict";
  var body = document.body;
  var CSRF = body.dataset.csrf;
  var L = JSON.parse(body.dataset.ledger || "{}");
  function label(group, key) { return (L[group] && L[group][key]) || key || ""; }
  function api(method, path, data) {
    var headers = {"Accept": "application/json"};
    if (method !== "GET") { headers["Content-Type"] = "application/json"; headers["X-CSRF-Token"] = CSRF; }
    var opts = {method: method, headers: headers, credentials: "same-origin"};
    if (method !== "GET") opts.body = JSON.stringify(data || {});
    return fetch(path, opts).then(function (r) {
      return r.json().catch(function () { return {error: "bad_response", message: "服务器的回答无法读取，请刷新页面。"}; })
        .then(function (j) { j._status = r.status; return j; });
    });
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function day(iso) { return iso ? iso.slice(0, 10) : "—"; }
  function showError(j) {
    var box = document.querySelector(".c-error");
    box.hidden = !j || !j.error;
    box.textContent = j && j.error ? j.message : "";
    return !(j && j.error);
  }
  function form(f) {
    var out = {};
    new FormData(f).forEach(function (v, k) { out[k] = v; });
    return out;
  }

  function listPage() {
    var filters = document.getElementById("dispute-filters");
    var tbody = document.querySelector("#dispute-list tbody");
    function load() {
      var q = new URLSearchParams();
      new FormData(filters).forEach(function (v, k) { if (v) q.set(k, v); });
      api("GET", "/api/console/disputes?" + q.toString()).then(function (j) {
        if (!showError(j)) return;
        tbody.textContent = "";
        document.querySelector(".c-empty").hidden = j.items.length > 0;
        j.items.forEach(function (d) {
          var tr = el("tr");
          tr.dataset.id = d.id;
          var a = el("a", null, d.number);
          a.href = "/console/disputes/" + d.id;
          var td = el("td"); td.appendChild(a); tr.appendChild(td);
          tr.appendChild(el("td", null, label("statuses", d.status)));
          tr.appendChild(el("td", null, label("domains", d.domain)));
          tr.appendChild(el("td", null, (d.township || "") + " " + (d.village || "")));
          tr.appendChild(el("td", null, d.parties.map(function (p) { return p.name; }).join("、")));
          tr.appendChild(el("td", null, day(d.registered_at)));
          tr.appendChild(el("td", d.overdue ? "c-overdue" : (d.due_soon ? "c-soon" : ""), d.deadline || "—"));
          tr.appendChild(el("td", null, d.mediator ? d.mediator.name : "—"));
          tbody.appendChild(tr);
        });
      });
    }
    filters.addEventListener("change", load);
    document.getElementById("walk-in").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var f = form(ev.target);
      var parties = [{name: f.a_name, role: "applicant", phone: f.a_phone || null}];
      if (f.r_name) parties.push({name: f.r_name, role: "respondent"});
      api("POST", "/api/console/disputes", {parties: parties, domain: f.domain, source: f.source,
        township: f.township, village: f.village, summary: f.summary}).then(function (j) {
        if (showError(j)) location.href = "/console/disputes/" + j.id;
      });
    });
    load();
  }

  function disputePage() {
    var id = body.dataset.dispute, url = "/api/console/disputes/" + id;
    var extra = {agreement: "d-agreement", no_agreement: "d-noagreement", followed_up: "d-followup"};
    function render(d) {
      document.getElementById("d-number").textContent = d.number;
      document.getElementById("d-status").textContent = label("statuses", d.status);
      var dl = document.getElementById("d-deadline");
      dl.textContent = d.deadline || "—";
      dl.className = d.overdue ? "c-overdue" : "";
      var moves = document.getElementById("d-moves");
      moves.textContent = "";
      Object.keys(extra).forEach(function (k) { document.getElementById(extra[k]).hidden = d.next.indexOf(k) < 0; });
      d.next.forEach(function (target) {
        var b = el("button", "c-primary", label("moves", target));
        b.type = "button";
        b.dataset.move = target;
        b.disabled = !d.can_change;
        b.addEventListener("click", function () { move(target); });
        moves.appendChild(b);
      });
      var parties = document.getElementById("d-parties");
      parties.textContent = "";
      d.parties.forEach(function (p) {
        parties.appendChild(el("li", null, label("roles", p.role) + "：" + p.name +
          (p.phone ? "，" + p.phone : "") + (p.address ? "，" + p.address : "")));
      });
      document.getElementById("d-summary").textContent = d.summary;
      var facts = document.getElementById("d-facts");
      facts.textContent = "";
      Object.keys(d.facts || {}).forEach(function (k) {
        facts.appendChild(el("dt", null, k));
        facts.appendChild(el("dd", null, JSON.stringify(d.facts[k])));
      });
      var docs = document.getElementById("d-docs");
      docs.textContent = "";
      Object.keys(d.documents).forEach(function (k) {
        var a = el("a", null, {application: "调解申请书", record: "调解记录", agreement: "调解协议书", followup: "回访记录"}[k]);
        a.href = d.documents[k]; a.target = "_blank"; a.rel = "noopener";
        docs.appendChild(a); docs.appendChild(document.createTextNode("　"));
      });
      document.getElementById("d-confirmation").hidden = !d.confirmation_due;
      document.getElementById("d-confirmation-due").textContent = d.confirmation_due || "";
      var c = d.confirmation;
      document.getElementById("d-confirmation-noted").textContent = c ? "已记录：" + c.applied_on +
        " 向" + c.court + "申请" + (c.result === "confirmed" ? "，裁定确认有效" : c.result === "refused" ? "，裁定驳回申请" : "") + "。" : "";
      var sessions = document.getElementById("d-sessions");
      sessions.textContent = "";
      d.sessions.forEach(function (x) {
        sessions.appendChild(el("li", null, day(x.held_at) + " " + x.place + "（" + x.attendees.join("、") + "）：" + x.record));
      });
      var events = document.getElementById("d-events");
      events.textContent = "";
      d.events.forEach(function (e) {
        events.appendChild(el("li", null, day(e.at) + " " + e.actor + " " + e.kind + " " + JSON.stringify(e.detail)));
      });
    }
    function move(target) {
      var data = {status: target};
      if (target === "agreement") data.agreement = fields("d-agreement");
      if (target === "no_agreement") { var n = fields("d-noagreement"); data.reason = n.reason; data.referral = n.referral; }
      if (target === "followed_up") data.followup = fields("d-followup");
      api("PATCH", url, data).then(function (j) { if (showError(j)) render(j); });
    }
    function fields(boxId) {
      var out = {};
      document.getElementById(boxId).querySelectorAll("input, textarea, select").forEach(function (i) {
        if (i.value) out[i.name] = i.value;
      });
      return out;
    }
    document.getElementById("d-extend").addEventListener("submit", function (ev) {
      ev.preventDefault();
      api("PATCH", url, form(ev.target)).then(function (j) { if (showError(j)) render(j); });
    });
    document.getElementById("d-confirm").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var f = form(ev.target);
      api("PATCH", url, {confirmation: {applied_on: f.applied_on, court: f.court,
        result: f.result || null}}).then(function (j) { if (showError(j)) render(j); });
    });
    document.getElementById("d-session").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var f = form(ev.target);
      api("POST", url + "/sessions", {place: f.place, record: f.record,
        attendees: f.attendees.split(/[、,，\s]+/).filter(Boolean)}).then(function (j) { if (showError(j)) render(j); });
    });
    api("GET", url).then(function (j) { if (showError(j)) render(j); });
  }

  function gapsPage() {
    document.querySelectorAll(".c-gap-mark").forEach(function (f) {
      f.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var v = form(f);
        api("POST", "/api/console/gaps/mark", {key: f.dataset.key, decision: v.decision || null,
          faq_id: v.faq_id || null}).then(function (j) { if (showError(j)) location.reload(); });
      });
    });
  }

  function importPage() {
    var f = document.getElementById("import-form");
    var result = document.getElementById("import-result");
    var commit = document.getElementById("import-commit");
    var checked = null;
    function send(extra) {
      var data = new FormData(f);
      Object.keys(extra).forEach(function (k) { data.append(k, extra[k]); });
      return fetch("/api/console/ledger/import", {method: "POST", body: data,
        credentials: "same-origin", headers: {"X-CSRF-Token": CSRF, "Accept": "application/json"}})
        .then(function (r) {
          return r.json().catch(function () { return {error: "bad_response", message: "服务器的回答无法读取，请刷新页面。"}; });
        });
    }
    function rows(id, items, cells) {
      var table = document.getElementById(id), tb = table.querySelector("tbody");
      tb.textContent = "";
      items.forEach(function (it) {
        var tr = el("tr");
        cells(it).forEach(function (c) { tr.appendChild(el("td", "", c)); });
        tb.appendChild(tr);
      });
      table.hidden = !items.length;
    }
    function show(j) {
      result.hidden = false;
      var errors = j.errors || [];
      rows("import-errors", errors, function (e) { return [e.row || "", e.column, e.cell, e.message]; });
      rows("import-preview", errors.length ? [] : (j.preview || []), function (p) {
        return [p.row, p.number || "（自动编号）", p.applicant, p.respondent || "",
                label("domains", p.domain), p.township, p.registered_at, label("statuses", p.outcome)];
      });
      var s = document.getElementById("import-summary");
      if (j.written) s.textContent = "已导入 " + j.written + " 件纠纷。";
      else if (errors.length) s.textContent = "发现 " + errors.length + " 处错误，请改正后重新检查；什么也没有写入。";
      else s.textContent = "检查通过：将登记 " + j.rows + " 件纠纷。请核对后点“确认导入”。";
      checked = !errors.length && j.dry_run ? j.checked : null;
      commit.hidden = !checked;
    }
    f.addEventListener("submit", function (ev) {
      ev.preventDefault();
      send({}).then(function (j) { if (showError(j)) show(j); else { result.hidden = true; } });
    });
    f.querySelector("input[type=file]").addEventListener("change", function () {
      checked = null; commit.hidden = true; result.hidden = true;
    });
    commit.addEventListener("click", function () {
      commit.disabled = true;
      send({commit: "1", checked: checked}).then(function (j) {
        commit.disabled = false;
        if (showError(j)) show(j); else if (j.errors) show(j);
      });
    });
  }

  if (body.dataset.page === "import") importPage();
  if (body.dataset.page === "gaps") gapsPage();
  if (body.dataset.page === "disputes") listPage();
  if (body.dataset.page === "dispute") disputePage();
})();
