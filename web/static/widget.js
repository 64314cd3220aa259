/* 法律咨询机器人 chat widget: one <script src="/widget.js"> adds a launcher and a chat panel. */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script ? new URL(script.src, location.href).origin : "";
  var KEY = "legalbot.conversation";
  var state = JSON.parse(localStorage.getItem(KEY) || "null");
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
    ".lb-typing{padding:4px 12px;color:#52606d;font-size:14px}" +
    "@media (max-width:480px){.lb-panel{max-width:none;max-height:none;height:100%;top:0}}";
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
    '<button type="button" class="lb-large-btn" aria-pressed="false">大字</button> ' +
    '<button type="button" class="lb-close" aria-label="关闭对话">✕</button></span></div>' +
    '<div class="lb-privacy" role="note">隐私提示：咨询不需要您的姓名、电话或身份证号，请不要在对话里填写。' +
    '需要调解员联系您时，会先征得您的同意。<button type="button" class="lb-privacy-ok">我知道了</button></div>' +
    '<div class="lb-log" role="log" aria-live="polite" aria-label="对话记录"></div>' +
    '<div class="lb-typing" aria-hidden="true" hidden>正在输入…</div>' +
    '<form class="lb-form"><label for="lb-input" style="position:absolute;left:-9999px">输入您的问题</label>' +
    '<textarea id="lb-input" rows="2" maxlength="2000" placeholder="请输入您的问题"></textarea>' +
    '<button type="submit">发送</button></form>';
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
    div.className = "lb-msg lb-" + (m.from === "resident" ? "resident" : m.from === "system" ? "system" : "bot");
    div.textContent = m.text || "";
    if (m.report_url) {
      var a = document.createElement("a");
      a.href = base + m.report_url; a.target = "_blank"; a.rel = "noopener";
      a.className = "lb-report"; a.textContent = "查看完整的法律分析和意见指南";
      div.appendChild(document.createElement("br")); div.appendChild(a);
    }
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
      localStorage.setItem(KEY, JSON.stringify(state));
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
    }, function () {
      busy(false);
      add({from: "system", text: "网络连接不上，请稍后再试；您的消息没有丢，恢复后会回复您。着急请拨打12348。"});
    });
  }

  function restore() {
    if (!state) return ensure();
    return api("/api/conversations/" + state.id + "/messages?after=0").then(function (j) {
      if (j._status === 403 || j._status === 404) { state = null; localStorage.removeItem(KEY); return ensure(); }
      (j.messages || []).forEach(add);
    });
  }

  // replies that come later (a mediator, or the bot once the service is back)
  function poll() {
    if (!state || !panel.classList.contains("lb-open")) return;
    api("/api/conversations/" + state.id + "/messages?after=" + lastSeq).then(function (j) {
      (j.messages || []).forEach(function (m) { if (m.seq > lastSeq && m.from !== "resident") add(m); else if (m.seq > lastSeq) lastSeq = m.seq; });
    }, function () {});
  }
  setInterval(poll, 10000);

  var opened = false;
  launch.addEventListener("click", function () {
    panel.classList.add("lb-open"); launch.style.display = "none"; input.focus();
    if (!opened) { opened = true; restore(); }
  });
  panel.querySelector(".lb-close").addEventListener("click", function () {
    panel.classList.remove("lb-open"); launch.style.display = ""; launch.focus();
  });
  panel.querySelector(".lb-large-btn").addEventListener("click", function (e) {
    var on = panel.classList.toggle("lb-large");
    e.target.setAttribute("aria-pressed", on ? "true" : "false");
  });
  panel.querySelector("form").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send({text: text}, text);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); panel.querySelector("form").requestSubmit(); }
  });
})();
