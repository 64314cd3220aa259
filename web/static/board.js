/* 调解点将台: the board's cards and filters, free slots, the booking form (contract 5 API). */
(function () {
  "use strict";
  var LABELS = {marriage: "婚姻家庭与继承", traffic: "交通事故", labor: "劳动争议"};
  var MODES = {in_person: "到调解室面谈", video: "远程视频调解"};
  var query = new URLSearchParams(location.search);
  // a link from the chat carries the conversation in the fragment (never sent to the server
  // as part of the URL): #c=<conversation id>&t=<conversation token>
  var frag = new URLSearchParams(location.hash.replace(/^#/, ""));
  var conv = frag.get("c") && frag.get("t") ? {id: frag.get("c"), token: frag.get("t")} : null;
  if (conv) {
    sessionStorage.setItem("legalbot.board.conv", JSON.stringify(conv));
    history.replaceState(null, "", location.pathname + location.search);
  } else {
    conv = JSON.parse(sessionStorage.getItem("legalbot.board.conv") || "null");
  }
  var prefer = query.get("prefer") || "";
  var $ = function (id) { return document.getElementById(id); };
  var chosen = null, mediator = null, idemKey = null;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function when(iso) {
    var d = new Date(iso), bj = new Date(d.getTime() + 8 * 3600 * 1000);
    var wd = "日一二三四五六".charAt(bj.getUTCDay());
    return (bj.getUTCMonth() + 1) + "月" + bj.getUTCDate() + "日（周" + wd + "）";
  }
  function hm(iso) { return iso.substr(11, 5); }
  function api(path, opts) {
    opts = opts || {};
    opts.headers = Object.assign({"Content-Type": "application/json"}, opts.headers || {});
    return fetch(path, opts).then(function (r) {
      return r.json().then(function (j) { j._status = r.status; return j; });
    });
  }

  function load() {
    var p = new URLSearchParams();
    if ($("f-township").value) p.set("township", $("f-township").value);
    if ($("f-specialty").value) p.set("specialty", $("f-specialty").value);
    if (prefer) p.set("prefer", prefer);
    api("/api/mediators?" + p.toString()).then(function (j) {
      var sel = $("f-township");
      if (sel.options.length <= 1) (j.townships || []).forEach(function (t) {
        var o = el("option", "", t); o.value = t; sel.appendChild(o);
      });
      var list = $("cards");
      list.textContent = "";
      if (!(j.mediators || []).length) list.appendChild(el("li", "", "没有符合条件的调解员，请换个条件。"));
      (j.mediators || []).forEach(function (m) { list.appendChild(card(m)); });
    });
  }

  function card(m) {
    var li = el("li", "card");
    li.setAttribute("data-id", m.id);
    var img = el("img"); img.src = m.photo_url; img.alt = m.name + "的照片"; img.width = 72; img.height = 72;
    li.appendChild(img);
    var box = el("div");
    box.appendChild(el("h3", "", m.name));
    box.appendChild(el("p", "org", m.organization + (m.village ? " · " + m.village : "") + " · " + m.township));
    var tags = el("div", "tags");
    if (m.recommended) tags.appendChild(el("span", "rec", "推荐"));
    m.specialties.forEach(function (s) { tags.appendChild(el("span", "", LABELS[s] || s)); });
    box.appendChild(tags);
    if (m.intro) box.appendChild(el("p", "intro", m.intro));
    var acts = el("div", "acts");
    var tel = el("a", "tel", "打电话 " + m.phone); tel.href = "tel:" + m.phone;
    acts.appendChild(tel);
    var b = el("button", "pick", "预约时间"); b.type = "button";
    b.addEventListener("click", function () { pick(m); });
    acts.appendChild(b);
    box.appendChild(acts);
    li.appendChild(box);
    return li;
  }

  function pick(m) {
    mediator = m; chosen = null;
    $("book").hidden = false; $("done").hidden = true; $("book-form").hidden = true;
    $("book-name").textContent = m.name;
    $("slots").textContent = "正在查空闲时间……";
    api("/api/mediators/" + encodeURIComponent(m.id) + "/slots").then(function (j) {
      showSlots(j.slots || []);
      $("book").scrollIntoView();
    });
  }

  function showSlots(slots) {
    var box = $("slots");
    box.textContent = "";
    if (!slots.length) { box.textContent = "最近没有空闲时间，可以直接打电话联系调解员。"; return; }
    var day = "";
    slots.forEach(function (s) {
      var d = when(s.start);
      if (d !== day) { day = d; box.appendChild(el("div", "day", d)); }
      var b = el("button", "slot", hm(s.start) + "–" + hm(s.end));
      b.type = "button"; b.setAttribute("data-start", s.start); b.setAttribute("aria-pressed", "false");
      b.addEventListener("click", function () {
        Array.prototype.forEach.call(box.querySelectorAll("button"), function (x) { x.setAttribute("aria-pressed", "false"); });
        b.setAttribute("aria-pressed", "true");
        choose(s);
      });
      box.appendChild(b);
    });
  }

  function choose(s) {
    chosen = s; idemKey = null;
    $("chosen").textContent = when(s.start) + " " + hm(s.start) + "–" + hm(s.end);
    var modes = $("modes");
    Array.prototype.slice.call(modes.querySelectorAll("label")).forEach(function (x) { x.remove(); });
    s.modes.forEach(function (m, i) {
      var l = el("label"), r = el("input");
      r.type = "radio"; r.name = "mode"; r.value = m; r.checked = i === 0;
      l.appendChild(r); l.appendChild(document.createTextNode(MODES[m] || m));
      modes.appendChild(l);
    });
    $("linked").hidden = !conv;
    $("b-error").textContent = "";
    $("book-form").hidden = false;
    $("b-name").focus();
  }

  function key() {
    if (!idemKey) idemKey = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() :
      String(Date.now()) + Math.random().toString(16).slice(2);
    return idemKey;
  }

  $("book-form").addEventListener("submit", function (e) {
    e.preventDefault();
    if (!chosen) return;
    var mode = document.querySelector("input[name=mode]:checked");
    var body = {mediator_id: mediator.id, start: chosen.start, mode: mode ? mode.value : "in_person",
                name: $("b-name").value.trim(), phone: $("b-phone").value.trim(),
                consent: $("b-consent").checked, note: $("b-note").value.trim(),
                respondent: $("b-respondent").value.trim()};
    if (conv) { body.conversation_id = conv.id; body.conversation_token = conv.token; }
    $("b-submit").disabled = true;
    $("b-error").textContent = "";
    api("/api/bookings", {method: "POST", body: JSON.stringify(body), headers: {"Idempotency-Key": key()}})
      .then(function (j) {
        $("b-submit").disabled = false;
        if (j._status === 201) return done(j);
        $("b-error").textContent = j.message || "预约没有成功，请稍后再试。";
        if (j.error === "slot_taken") { idemKey = null; showSlots(j.next_slots || []); $("book-form").hidden = true; }
      }, function () {
        $("b-submit").disabled = false;
        $("b-error").textContent = "网络不通，请稍后再点一次“提交预约”（不会重复预约）。";
      });
  });

  function done(j) {
    $("book").hidden = true;
    $("done").hidden = false;
    $("done-text").textContent = when(j.start) + " " + hm(j.start) + "，" + j.mediator.name + "（" +
      j.mediator.organization + "），" + (MODES[j.mode] || j.mode) + "。调解员电话：" + j.mediator.phone +
      (j.video_url ? "。视频调解链接：" + j.video_url : "");
    $("done-manage").href = j.manage_url;
    $("done-pdf").href = j.application_url + "?token=" + encodeURIComponent(j.manage_token);
    $("done-ics").href = j.ics_url;
    $("done").scrollIntoView();
  }

  $("f-township").addEventListener("change", load);
  $("f-specialty").addEventListener("change", load);
  $("large").addEventListener("click", function (e) {
    var on = document.body.classList.toggle("large");
    e.target.setAttribute("aria-pressed", on ? "true" : "false");
  });
  load();
})();
