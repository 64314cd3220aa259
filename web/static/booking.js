/* 我的调解预约: view, reschedule or cancel one booking with the token of its manage link. */
(function () {
  "use strict";
  var MODES = {in_person: "到调解室面谈", video: "远程视频调解"};
  var STATUS = {confirmed: "已确认", cancelled: "已取消", attended: "已到场调解", no_show: "未到场"};
  var id = document.body.getAttribute("data-booking");
  var token = new URLSearchParams(location.hash.replace(/^#/, "")).get("token") || "";
  var $ = function (x) { return document.getElementById(x); };
  function api(path, opts) {
    opts = opts || {};
    opts.headers = {"Content-Type": "application/json", "X-Booking-Token": token};
    return fetch(path, opts).then(function (r) { return r.json().then(function (j) { j._status = r.status; return j; }); });
  }
  function when(iso) {
    var bj = new Date(new Date(iso).getTime() + 8 * 3600 * 1000);
    return bj.getUTCFullYear() + "年" + (bj.getUTCMonth() + 1) + "月" + bj.getUTCDate() + "日 " + iso.substr(11, 5);
  }
  function line(label, value) {
    var p = document.createElement("p"), b = document.createElement("strong");
    b.textContent = label + "："; p.appendChild(b); p.appendChild(document.createTextNode(value));
    return p;
  }
  function show(j) {
    var info = $("info");
    info.textContent = "";
    if (j.error) { info.appendChild(line("无法打开", j.message)); return; }
    info.appendChild(line("状态", STATUS[j.status] || j.status));
    info.appendChild(line("时间", when(j.start) + "–" + j.end.substr(11, 5)));
    info.appendChild(line("调解员", j.mediator.name + "，" + j.mediator.organization + "，电话 " + j.mediator.phone));
    info.appendChild(line("方式", MODES[j.mode] || j.mode));
    if (j.video_url) info.appendChild(line("视频调解链接", j.video_url));
    $("m-pdf").href = j.application_url + "?token=" + encodeURIComponent(token);
    $("m-ics").href = "/api/bookings/" + id + ".ics?token=" + encodeURIComponent(token);
    $("actions").hidden = j.status !== "confirmed";
    if (j.status === "confirmed") slots(j.mediator.id);
  }
  function slots(mid) {
    fetch("/api/mediators/" + encodeURIComponent(mid) + "/slots").then(function (r) { return r.json(); }).then(function (j) {
      var box = $("m-slots");
      box.textContent = "";
      (j.slots || []).slice(0, 30).forEach(function (s) {
        var b = document.createElement("button");
        b.type = "button"; b.textContent = when(s.start); b.setAttribute("data-start", s.start);
        b.addEventListener("click", function () {
          api("/api/bookings/" + id + "/reschedule", {method: "POST", body: JSON.stringify({start: s.start})}).then(function (r) {
            $("m-error").textContent = r.error ? r.message : "已改到 " + when(r.start);
            load();
          });
        });
        box.appendChild(b);
      });
    });
  }
  function load() { api("/api/bookings/" + id).then(show); }
  $("m-cancel").addEventListener("click", function () {
    if (!window.confirm("确定要取消这个调解预约吗？")) return;
    api("/api/bookings/" + id + "/cancel", {method: "POST", body: "{}"}).then(function (r) {
      $("m-error").textContent = r.error ? r.message : "预约已取消。";
      load();
    });
  });
  $("large").addEventListener("click", function (e) {
    var on = document.body.classList.toggle("large");
    e.target.setAttribute("aria-pressed", on ? "true" : "false");
  });
  load();
})();
