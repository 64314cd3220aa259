/* 法律咨询机器人 chat widget: one <script src="/widget.js"> adds a launcher and a chat panel. */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script ? new URL(script.src, location.href).origin : "";
  var KEY = "legalbot.conversation";
  // the conversation lives only as long as this tab (sessionStorage): a shared phone or computer
  // keeps no one's history once the tab is closed, and "清除记录" forgets it at once
  var store = window.sessionStorage;
  var state = JSON.parse(store.getItem(KEY) || "null");
  var lastSeq = 0;
  var typing = null;

  var css = ".lb-launch{position:fixed;right:16px;bottom:16px;z-index:9999;background:#9b1c1c;color:#fff;border:0;border-radius:28px;padding:14px 20px;font-size:18px}" +
    ".lb-panel{position:fixed;right:0;bottom:0;z-index:10000;width:100%;max-width:420px;height:100%;max-height:680px;background:#fff;display:none;flex-direction:column;box-shadow:0 0 16px rgba(0,0,0,.25);font-family:system-ui,sans-serif}" +
    ".lb-panel.lb-open{display:flex}.lb-head{background:#9b1c1c;color:#fff;padding:10px 14px;display:flex;justify-content:space-between;align-items:center}" +
    ".lb-log{flex:1;overflow-y:auto;padding:12px;background:#f5f5f5}.lb-msg{margin:6px 0;padding:8px 12px;border-radius:10px;max-width:85%;white-space:pre-wrap;line-height:1.6}" +
    ".lb-bot{background:#fff}.lb-resident{background:#dbeafe;margin-left:auto}.lb-system{background:#fff7ed}" +
    ".lb-btns button{margin:4px 4px 0 0;padding:8px 12px;border:1px solid #9b1c1c;background:#fff;color:#9b1c1c;border-radius:16px;font-size:15px}" +
    ".lb-form{display:flex;border-top:1px solid #ddd}.lb-form textarea{flex:1;border:0;padding:10px;font-size:16px;resize:none}.lb-form button{background:#9b1c1c;color:#fff;border:0;padding:0 18px;font-size:16px}" +
    ".lb-large .lb-msg,.lb-large .lb-form textarea,.lb-large .lb-btns button{font-size:22px}" +
    ".lb-head button{background:#fff;color:#9b1c1c;border:0;border-radius:12px;padding:6px 10px;font-size:15px}" +
    ".lb-privacy{background:#fff7ed;padding:8px 12px;font-size:14px;line-height:1.5}.lb-privacy button{margin-left:6px}" +
    ".lb-typing{padding:4px 12px;color:#52606d;font-size:14px}.lb-link{display:inline-block;margin-top:6px;color:#9b1c1c;font-weight:bold}" +
    "@media (max-width:480px){.lb-panel{max-width:none;max-height:none;height:100%;top:0}}" +
    // every control at least 44 px (a phone in an elderly hand); large text on every element
    ".lb-launch,.lb-panel button{min-height:44px;min-width:44px;box-sizing:border-box}" +
    ".lb-head{flex-wrap:wrap;gap:6px}.lb-head span{display:flex;flex-wrap:wrap;gap:6px}" +
    ".lb-notice{padding:6px 12px;background:#fef3c7;color:#7c2d12;font-size:14px;line-height:1.5}" +
    ".lb-large,.lb-large *{font-size:22px !important;line-height:1.6}.lb-launch.lb-large{font-size:22px}";
  css += ".lb-mediator{background:#dcfce7}.lb-who{display:block;font-size:12px;color:#166534;margin-bottom:2px}" +
    ".lb-status{background:#ecfdf5;border-bottom:1px solid #a7f3d0;padding:8px 12px;font-size:14px;line-height:1.5;display:flex;gap:8px;align-items:center;justify-content:space-between;flex-wrap:wrap}" +
    ".lb-status[hidden]{display:none}.lb-status button{padding:6px 10px;border:1px solid #9b1c1c;background:#fff;color:#9b1c1c;border-radius:14px;font-size:14px}" +
    ".lb-rate{display:flex;flex-direction:column;gap:6px;width:100%}.lb-stars button{font-size:26px;border:0;background:none;color:#cbd2d9;padding:0 3px}.lb-stars button.lb-on{color:#d97706}" +
    ".lb-rate textarea{width:100%;box-sizing:border-box;font-size:15px;padding:6px}.lb-rate .lb-rate-submit{align-self:flex-start}.lb-large .lb-status{font-size:20px}";
  var style = document.createElement("style");
  style.textContent = css;
  document.head.appendChild(style);

  var launch = document.createElement("button");
  launch.className = "lb-launch";
  launch.type = "button";
  launch.textContent = "法律咨询";
  launch.setAttribute("aria-label", "打开法律咨询对话");
  var panel = document.createElement("section");
  panel.className = "lb-panel";
  panel.setAttribute("aria-label", "法律咨询机器人");
  panel.innerHTML = '<div class="lb-head"><strong>法律咨询机器人</strong><span>' +
    '<button type="button" class="lb-handoff-btn">转人工</button> ' +
    '<button type="button" class="lb-new-btn">新的咨询</button> ' +
    '<button type="button" class="lb-wechat-btn" hidden>在微信继续</button> ' +
    '<button type="button" class="lb-large-btn" aria-pressed="false">大字</button> ' +
    '<button type="button" class="lb-clear-btn">清除记录</button> ' +
    '<button type="button" class="lb-close" aria-label="关闭对话">✕</button></span></div>' +
    '<div class="lb-privacy" role="note">隐私提示：咨询不需要您的姓名、电话或身份证号，请不要在对话里填写。' +
    '需要调解员联系您时，会先征得您的同意。在公用电脑或别人的手机上咨询完，请点“清除记录”。<button type="button" class="lb-privacy-ok">我知道了</button></div>' +
    '<div class="lb-log" role="log" aria-live="polite" aria-relevant="additions" aria-label="对话记录"></div>' +
    '<div class="lb-typing" aria-hidden="true" hidden>正在输入…</div>' +
    '<form class="lb-form"><label for="lb-input" style="position:absolute;left:-9999px">输入您的问题</label>' +
    '<textarea id="lb-input" rows="2" placeholder="请输入您的问题"></textarea>' +
    '<button type="submit">发送</button></form>' +
    '<div class="lb-notice" role="status" aria-live="polite" hidden></div>';
  document.body.appendChild(launch);
  document.body.appendChild(panel);
  var log = panel.querySelector(".lb-log");
  typing = panel.querySelector(".lb-typing");
  if (localStorage.getItem("legalbot.privacy") === "ok") panel.querySelector(".lb-privacy").hidden = true;
  panel.querySelector(".lb-privacy-ok").addEventListener("click", function () {
    localStorage.setItem("legalbot.privacy", "ok"); panel.querySelector(".lb-privacy").hidden = true; input.focus();
  });
  panel.querySelector(".lb-handoff-btn").addEventListener("click", function () {
    send({payload: "/handoff", title: "转人工"}, "转人工");
  });
  var input = panel.querySelector("textarea");

  var seen = {};  // seq -> true: a reply can arrive both with a post and with a poll
  function add(m) {
    if (m.seq && seen[m.seq]) return;
    if (m.seq) { seen[m.seq] = true; lastSeq = Math.max(lastSeq, m.seq); }
    var div = document.createElement("div");
    div.className = "lb-msg lb-" + (m.from === "resident" ? "resident" : m.from === "system" ? "system" :
      m.from === "mediator" ? "mediator" : "bot");
    div.textContent = m.text || "";
    if (m.from === "mediator") {  // a person answers: say who
      var who = document.createElement("span");
      who.className = "lb-who"; who.textContent = "调解员" + (person && person.name ? person.name : "");
      div.insertBefore(who, div.firstChild);
    }
    if (m.report_url) {
      var a = document.createElement("a");
      a.href = base + m.report_url; a.target = "_blank"; a.rel = "noopener";
      a.className = "lb-report"; a.textContent = "查看完整的法律分析和意见指南";
      div.appendChild(document.createElement("br")); div.appendChild(a);
    }
    (m.links || []).forEach(function (l) {  // the mediator board, a booking's manage page
      var a = document.createElement("a");
      var url = base + l.url;
      // the board links the booking to this consultation: the conversation travels in the
      // fragment, which is never sent to a server
      if (l.url.indexOf("/mediators") === 0 && state) url += "#c=" + encodeURIComponent(state.id) + "&t=" + encodeURIComponent(state.token);
      a.href = url; a.target = "_blank"; a.rel = "noopener"; a.className = "lb-link"; a.textContent = l.title;
      div.appendChild(document.createElement("br")); div.appendChild(a);
    });
    if (m.buttons && m.buttons.length) {
      var box = document.createElement("div");
      box.className = "lb-btns";
      m.buttons.forEach(function (b) {
        var btn = document.createElement("button");
        btn.type = "button"; btn.textContent = b.title;
        btn.addEventListener("click", function () { send({payload: b.payload, title: b.title}, b.title); });
        box.appendChild(btn);
      });
      div.appendChild(box);
    }
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
  }

  function api(path, opts) {
    opts = opts || {};
    opts.headers = Object.assign({"Content-Type": "application/json"}, opts.headers || {},
      state ? {"X-Conversation-Token": state.token} : {});
    return fetch(base + path, opts).then(function (r) { return r.json().then(function (j) { j._status = r.status; return j; }); });
  }

  function ensure() {
    if (state) return Promise.resolve(state);
    return api("/api/conversations", {method: "POST", body: "{}"}).then(function (j) {
      state = {id: j.conversation_id, token: j.token};
      store.setItem(KEY, JSON.stringify(state));
      return send({text: "你好"}, null);
    });
  }


  function busy(on) { if (typing) typing.hidden = !on; }

  function send(body, shown) {
    return ensure().then(function () {
      if (shown) add({from: "resident", text: shown});
      busy(true);
      return api("/api/conversations/" + state.id + "/messages", {method: "POST", body: JSON.stringify(body)});
    }).then(function (j) {
      busy(false);
      if (j.error) add({from: "system", text: j.message});
      (j.messages || []).forEach(add);
      refreshStatus();
    }, function () {
      busy(false);
      add({from: "system", text: "网络连接不上，请稍后再试；您的消息没有丢，恢复后会回复您。着急请拨打12348。"});
    });
  }

  function restore() {
    if (!state) return ensure();
    return api("/api/conversations/" + state.id + "/messages?after=0").then(function (j) {
      if (j._status === 403 || j._status === 404) { state = null; store.removeItem(KEY); return ensure(); }
      (j.messages || []).forEach(add);
      refreshStatus();
    });
  }

  // -- a person instead of the robot: a status bar, "回到机器人", a rating after the close ----------
  var status = null, person = null, rated = false;
  var bar = document.createElement("div");
  bar.className = "lb-status"; bar.setAttribute("role", "status"); bar.hidden = true;
  panel.insertBefore(bar, log);

  function when(iso) {  // "今天17:00" or "12月7日 12:00", in Beijing time
    var d = new Date(Date.parse(iso) + 8 * 3600 * 1000), now = new Date(Date.now() + 8 * 3600 * 1000);
    var hm = d.getUTCHours() + ":" + (d.getUTCMinutes() < 10 ? "0" : "") + d.getUTCMinutes();
    return d.toISOString().slice(0, 10) === now.toISOString().slice(0, 10) ? "今天" + hm :
      (d.getUTCMonth() + 1) + "月" + d.getUTCDate() + "日 " + hm;
  }
  function button(text, cls, onClick) {
    var b = document.createElement("button");
    b.type = "button"; b.className = cls || ""; b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }
  function showStatus(s) {
    var same = status && JSON.stringify(status) === JSON.stringify(s);
    status = s; person = s.mediator || null;
    if (s.status !== "closed") rated = false;
    if (same) return;  // keep a half-written rating
    bar.textContent = "";
    var line = document.createElement("span");
    if (s.status === "waiting_mediator" || s.status === "with_mediator") {
      line.textContent = s.status === "with_mediator" ? "调解员" + (person ? person.name : "") + "正在为您服务。紧急请拨打12348" :
        "已转人工" + (s.reply_expected_by ? "，预计" + when(s.reply_expected_by) + "前回复" : "") + "。紧急请拨打12348";
      bar.appendChild(line);
      bar.appendChild(button("回到机器人", "lb-back", leaveWait));
      bar.hidden = false;
    } else if (s.status === "closed" && !rated) {
      bar.appendChild(ratingForm());
      bar.hidden = false;
    } else {
      bar.hidden = true;
    }
    log.scrollTop = log.scrollHeight;  // the bar took room from the log: keep the last words in view
  }
  function refreshStatus() {
    if (!state) return;
    api("/api/conversations/" + state.id).then(function (j) { if (j.status) showStatus(j); }, function () {});
  }
  function leaveWait() {
    api("/api/conversations/" + state.id + "/handback", {method: "POST", body: "{}"}).then(function (j) {
      if (j.error) add({from: "system", text: j.message});
      if (j.status) showStatus(j);
      poll();
    }, function () {});
  }
  function ratingForm() {
    var box = document.createElement("div"), ask = document.createElement("span");
    var stars = document.createElement("div"), comment = document.createElement("textarea"), score = 0;
    box.className = "lb-rate";
    ask.textContent = "这次人工服务您满意吗？请点星星打分：";
    stars.className = "lb-stars"; stars.setAttribute("role", "group"); stars.setAttribute("aria-label", "评分");
    [1, 2, 3, 4, 5].forEach(function (n) {
      var b = button("★", "", function () {
        score = n;
        Array.prototype.forEach.call(stars.children, function (x, k) {
          x.classList.toggle("lb-on", k < n); x.setAttribute("aria-pressed", k < n ? "true" : "false");
        });
      });
      b.setAttribute("aria-label", n + "星"); b.setAttribute("aria-pressed", "false");
      stars.appendChild(b);
    });
    comment.rows = 2; comment.maxLength = 500; comment.placeholder = "想说的话（可以不填）";
    comment.setAttribute("aria-label", "评价内容");
    var submit = button("提交评价", "lb-rate-submit", function () {
      if (!score) { ask.textContent = "请先点星星打分（1到5星）："; return; }
      submit.disabled = true;
      api("/api/conversations/" + state.id + "/rating", {method: "POST",
        body: JSON.stringify({score: score, comment: comment.value})}).then(function (j) {
        rated = true; bar.hidden = true;
        add({from: "system", text: j.error ? j.message : "谢谢您的评价！"});
      }, function () { submit.disabled = false; });
    });
    [ask, stars, comment, submit].forEach(function (e) { box.appendChild(e); });
    return box;
  }

  // replies that come later (a mediator, or the bot once the service is back)
  function poll() {
    if (!state || !panel.classList.contains("lb-open")) return;
    refreshStatus();
    api("/api/conversations/" + state.id + "/messages?after=" + lastSeq).then(function (j) {
      (j.messages || []).forEach(function (m) { if (m.seq > lastSeq && m.from !== "resident") add(m); else if (m.seq > lastSeq) lastSeq = m.seq; });
    }, function () {});
  }
  // every 3 s while waiting for or talking with a person, else every 10 s
  var lastPoll = 0;
  setInterval(function () {
    if (!state) { bar.hidden = true; status = null; return; }
    var live = status && (status.status === "waiting_mediator" || status.status === "with_mediator");
    if (Date.now() - lastPoll < (live ? 3000 : 10000) - 200) return;
    lastPoll = Date.now();
    poll();
  }, 1000);

  var opened = false;
  launch.addEventListener("click", function () {
    panel.classList.add("lb-open"); launch.style.display = "none"; input.focus();
    if (!opened) { opened = true; restore(); }
  });
  panel.querySelector(".lb-close").addEventListener("click", function () {
    panel.classList.remove("lb-open"); launch.style.display = ""; launch.focus();
  });
  panel.querySelector(".lb-clear-btn").addEventListener("click", function () {
    state = null; store.removeItem(KEY); seen = {}; lastSeq = 0;
    log.textContent = "";
    add({from: "system", text: "本机上的对话记录已清除。再发消息会开始一次新的咨询。"});
  });
  // large text on every element, remembered on this device
  function large(on) {
    panel.classList.toggle("lb-large", on); launch.classList.toggle("lb-large", on);
    panel.querySelector(".lb-large-btn").setAttribute("aria-pressed", on ? "true" : "false");
    try { localStorage.setItem("legalbot.large", on ? "1" : "0"); } catch (err) { /* private mode */ }
  }
  if (localStorage.getItem("legalbot.large") === "1") large(true);
  panel.querySelector(".lb-large-btn").addEventListener("click", function () {
    large(!panel.classList.contains("lb-large"));
  });
  // "新的咨询": forget this conversation and start another one with the greeting
  panel.querySelector(".lb-new-btn").addEventListener("click", function () {
    state = null; store.removeItem(KEY); seen = {}; lastSeq = 0; status = null; bar.hidden = true;
    log.textContent = ""; notice.hidden = true;
    ensure();
  });
  // "在微信继续": a short code to send to the 公众号 (only while it is connected)
  var maxChars = 2000, notice = panel.querySelector(".lb-notice");
  api("/api/widget").then(function (j) {
    if (j.max_chars) maxChars = j.max_chars;
    panel.querySelector(".lb-wechat-btn").hidden = !j.wechat;
  }, function () {});
  panel.querySelector(".lb-wechat-btn").addEventListener("click", function () {
    ensure().then(function () {
      return api("/api/conversations/" + state.id + "/wechat-code", {method: "POST", body: "{}"});
    }).then(function (j) { add({from: "system", text: j.error ? j.message : j.text}); }, function () {});
  });
  // a paste longer than a message may be: cut, and said so (never silently)
  function fit() {
    if (input.value.length <= maxChars) return;
    var had = input.value.length;
    input.value = input.value.slice(0, maxChars);
    notice.textContent = "您输入的内容有" + had + "字，一条消息最多" + maxChars + "字，只保留了前" + maxChars +
      "字。剩下的内容请发完这条后再粘贴发送。";
    notice.hidden = false;
  }
  input.addEventListener("input", fit);
  panel.querySelector("form").addEventListener("submit", function (e) {
    e.preventDefault();
    fit();
    var text = input.value.trim();
    if (!text) return;
    input.value = ""; notice.hidden = true;
    send({text: text}, text);
  });
  // Enter sends, except while a Chinese input method is composing (its Enter picks the words)
  var composing = false;
  input.addEventListener("compositionstart", function () { composing = true; });
  input.addEventListener("compositionend", function () { setTimeout(function () { composing = false; }, 0); });
  input.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || e.shiftKey) return;
    if (composing || e.isComposing || e.keyCode === 229) return;
    e.preventDefault(); panel.querySelector("form").requestSubmit();
  });
})();
