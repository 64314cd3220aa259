"""Soak and step-load benchmark: simulated residents with 3–8 s think time.

    .venv/bin/python bench/soak.py [--soak-residents 50] [--soak-seconds 600]
                                   [--steps 50,75,100,125,150] [--step-seconds 120]
                                   [--overhead-residents 30] [--overhead-seconds 90]

Starts the system as `make run` does (Rasa, action server, web under gunicorn with the default
workers and threads; only the per-client limits are off, since every simulated resident comes from
127.0.0.1) on free loopback ports with a temporary data folder. Each resident opens a
conversation and is one of four kinds: asks 2–4 free questions in everyday words; goes through a
whole case form (greeting, domain and case-type buttons, typed answers from
bot/tests/answers.yml) to the report; asks a question, presses 转人工 and writes while waiting;
or books a mediation: presses 预约调解, then through the contract-5 API opens the mediator board
for a domain, a recommended mediator's free slots, books one with consent (linked to its
conversation), reads the booking back and sometimes cancels it (a 409 ``slot_taken`` — another
resident was faster — is a right answer: it takes another slot). After each answer it thinks
3–8 s, and starts a new conversation when done. A turn is one POST of a message and its answer,
or one booking API call (kinds board, slots, book, booking, cancel); an error is a non-2xx
answer (but that 409), an exception, a turn without any reply, or the offline notice.

Phases, in one run: (1) overhead — the same residents against the web app, then against Rasa's
REST channel directly (same scripts, payloads as intents), for the web/Rasa latency ratio; (2) a
soak of N residents for T seconds; (3) a step load: for each resident count, a fresh population
for `--step-seconds` (the first 15 s of ramp-up not counted); the highest turns/s with p95 under
300 ms and no error is the sustained capacity. Each phase records the load average of the
machine (other people's work included: start, end, and min / mean / max of samples every 5 s)
and the RSS of each process (sampled every 5 s, with children). Writes bench/results/soak.json. Needs `legalbot build`. Traffic stays on 127.0.0.1.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from functools import partial
from pathlib import Path

import numpy as np
import psutil
import requests
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import machine, write_report  # noqa: E402
from knowledge.content.cases import load_case_types  # noqa: E402
from web.supervisor import Stack, free_port  # noqa: E402

CASES = load_case_types(ROOT / "knowledge" / "cases")
ANSWERS = yaml.safe_load((ROOT / "bot" / "tests" / "answers.yml").read_text(encoding="utf-8"))
LINES = yaml.safe_load((Path(__file__).parent / "soak_residents.yml").read_text(encoding="utf-8"))
OFFLINE = yaml.safe_load((ROOT / "knowledge" / "texts" / "chat.yml").read_text(
    encoding="utf-8")).get("offline_notice", "")[:12]
TARGET_P95_MS = 300.0
READ_BACK, SUMMARY = "对吗", "请核对"  # the bot's read-back and summary (as the browser test)
BOOKING_KINDS = ("board", "slots", "book", "booking", "cancel")  # API calls, not chat turns


class Error(Exception):
    pass


class Target:
    """Where a resident's turns go: the web app's chat API, or Rasa's REST channel directly."""

    def __init__(self, kind: str, url: str):
        self.kind, self.url = kind, url.rstrip("/")
        self.http = requests.Session()

    def open(self) -> dict:
        if self.kind == "rasa":
            return {"sender": f"soak-{uuid.uuid4().hex}"}
        r = self.http.post(f"{self.url}/api/conversations", timeout=60)
        if r.status_code != 201:
            raise Error(f"open {r.status_code}")
        body = r.json()
        return {"id": body["conversation_id"], "h": {"X-Conversation-Token": body["token"]}}

    def send(self, conv: dict, *, text: str | None = None, payload: str | None = None,
             title: str | None = None) -> list[dict]:
        if self.kind == "rasa":
            r = self.http.post(f"{self.url}/webhooks/rest/webhook", timeout=120,
                               json={"sender": conv["sender"], "message": payload or text})
            if r.status_code != 200:
                raise Error(f"rasa {r.status_code}")
            if any((m.get("custom") or {}).get("handoff") for m in r.json()):
                conv["paused"] = True  # the bot handed it to a person: Rasa stays silent now
            return [{"text": m.get("text") or "", "buttons": m.get("buttons") or [],
                     "report": bool((m.get("custom") or {}).get("consultation"))}
                    for m in r.json()]
        body = {"payload": payload, "title": title} if payload else {"text": text}
        r = self.http.post(f"{self.url}/api/conversations/{conv['id']}/messages", json=body,
                           headers=conv["h"], timeout=120)
        if r.status_code != 200:
            raise Error(f"web {r.status_code}")
        msgs = r.json()["messages"]
        if not msgs:  # right only when the conversation waits for a person (a handoff)
            st = self.http.get(f"{self.url}/api/conversations/{conv['id']}", headers=conv["h"],
                               timeout=60).json().get("status")
            conv["paused"] = st in ("waiting_mediator", "with_mediator")
        if any(m.get("from") == "system" and OFFLINE and OFFLINE in m.get("text", "")
               for m in msgs):
            raise Error("offline notice")
        return [{"text": m.get("text") or "", "buttons": m.get("buttons") or [],
                 "report": bool(m.get("report_url"))} for m in msgs]

    def api(self, method: str, path: str, *, ok=(200,), **kw) -> tuple[int, dict]:
        """One call of the booking API (contract 5); a status outside ``ok`` is an error."""
        r = self.http.request(method, f"{self.url}{path}", timeout=60, **kw)
        if r.status_code not in ok:
            raise Error(f"{method} {path.split('?')[0]} {r.status_code}")
        return r.status_code, r.json()


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.turns: list[tuple[float, float, str]] = []  # (end time, ms, kind)
        self.errors: list[tuple[float, str]] = []

    def turn(self, target: Target, conv: dict, kind: str, expect_reply: bool = True, **body):
        t = time.perf_counter()
        try:
            msgs = target.send(conv, **body)
            if expect_reply and not msgs and not conv.get("paused"):
                raise Error("no reply")
        except (Error, requests.RequestException, ValueError, KeyError) as exc:
            with self.lock:
                self.errors.append((time.monotonic(), f"{kind}: {exc.__class__.__name__} {exc}"[:200]))
            raise Error(str(exc)) from exc
        with self.lock:
            self.turns.append((time.monotonic(), (time.perf_counter() - t) * 1000, kind))
        return msgs

    def call(self, target: Target, kind: str, method: str, path: str, **kw) -> tuple[int, dict]:
        """One booking API call, timed and counted as a turn of ``kind``."""
        t = time.perf_counter()
        try:
            out = target.api(method, path, **kw)
        except (Error, requests.RequestException, ValueError) as exc:
            with self.lock:
                self.errors.append((time.monotonic(), f"{kind}: {exc.__class__.__name__} {exc}"[:200]))
            raise Error(str(exc)) from exc
        with self.lock:
            self.turns.append((time.monotonic(), (time.perf_counter() - t) * 1000, kind))
        return out


def buttons(msgs: list[dict]) -> list[dict]:
    return [b for m in msgs for b in m["buttons"]]


class Resident:
    def __init__(self, target: Target, rec: Recorder, stop: threading.Event, rnd: random.Random):
        self.target, self.rec, self.stop, self.rnd = target, rec, stop, rnd

    def think(self) -> bool:
        return not self.stop.wait(self.rnd.uniform(3.0, 8.0))

    def run(self, first_delay: float) -> None:
        if self.stop.wait(first_delay):
            return
        while not self.stop.is_set():
            kind = self.rnd.choices(("faq", "form", "handoff", "booking"),
                                    weights=(5, 3, 2, 2))[0]
            try:
                conv = self.target.open()
                getattr(self, kind)(conv)
            except Error:
                pass  # recorded; this resident starts over after a pause
            if not self.think():
                return

    def faq(self, conv: dict) -> None:
        for q in self.rnd.sample(LINES["questions"], self.rnd.randint(2, 4)):
            self.rec.turn(self.target, conv, "faq", text=q)
            if not self.think():
                return

    def form(self, conv: dict) -> None:
        case_id = self.rnd.choice(sorted(ANSWERS))
        case = CASES[case_id]
        msgs = self.rec.turn(self.target, conv, "greet", text="你好")
        for needle in (f'"{case.domain}"', f'"{case_id}"'):
            if not self.think():
                return
            b = next((b for b in buttons(msgs) if needle in b["payload"]), None)
            if b is None:
                raise self._error(f"no button {needle}")
            msgs = self.rec.turn(self.target, conv, "button", payload=b["payload"],
                                 title=b["title"])
        for _ in range(30):
            if any(m["report"] for m in msgs):
                return
            text = "\n".join(m["text"] for m in msgs)
            if not self.think():
                return
            if any(READ_BACK in m["text"] or SUMMARY in m["text"] for m in msgs):
                # the bot reads an answer (or all the facts) back: the resident confirms
                msgs = self.rec.turn(self.target, conv, "form", text="对")
                continue
            facts = [f for f in case.facts if f.question and f.question in text]
            if not facts:
                raise self._error(f"{case_id}: no question recognised")
            msgs = self.rec.turn(self.target, conv, "form",
                                 text=ANSWERS[case_id].get(facts[-1].key, "不知道"))
        raise self._error(f"{case_id}: no report after 30 answers")

    def handoff(self, conv: dict) -> None:
        msgs = self.rec.turn(self.target, conv, "greet", text="你好")
        if not self.think():
            return
        self.rec.turn(self.target, conv, "faq", text=self.rnd.choice(LINES["questions"]))
        if not self.think():
            return
        b = next((b for b in buttons(msgs) if b["payload"] == "/handoff"), None)
        if b is None:
            raise self._error("no 转人工 button")
        # no reply is right when the question itself was handed to a person (nothing goes to
        # Rasa while the conversation waits); a failure would be the offline notice
        self.rec.turn(self.target, conv, "handoff", expect_reply=False, payload=b["payload"],
                      title=b["title"])
        if self.target.kind == "rasa":
            return  # Rasa is paused for this sender now: the web app keeps these for a person
        for text in self.rnd.sample(LINES["waiting"], 2):
            if not self.think():
                return
            self.rec.turn(self.target, conv, "waiting", expect_reply=False, text=text)

    def booking(self, conv: dict) -> None:
        msgs = self.rec.turn(self.target, conv, "greet", text="你好")
        if not self.think():
            return
        b = next((b for b in buttons(msgs) if b["payload"] == "/book_mediation"), None)
        if b is None:
            raise self._error("no 预约调解 button")
        self.rec.turn(self.target, conv, "button", payload=b["payload"], title=b["title"])
        if self.target.kind == "rasa" or not self.think():
            return  # Rasa alone has no board: the overhead phase compares chat turns only
        call = partial(self.rec.call, self.target)
        domain = self.rnd.choice(("marriage", "traffic", "labor"))
        board = call("board", "GET", f"/api/mediators?specialty={domain}")[1]["mediators"]
        if not board:
            raise self._error(f"no mediator for {domain}")
        mediator = board[0] if board[0]["recommended"] else self.rnd.choice(board)
        if not self.think():
            return
        slots = call("slots", "GET", f"/api/mediators/{mediator['id']}/slots?days=14")[1]["slots"]
        for slot in self.rnd.sample(slots, min(3, len(slots))):
            if not self.think():
                return
            status, out = call("book", "POST", "/api/bookings", ok=(201, 409), json={
                "mediator_id": mediator["id"], "start": slot["start"],
                "mode": self.rnd.choice(slot["modes"]), "name": "测试居民",
                "phone": f"139{self.rnd.randrange(10**8):08d}", "consent": True,
                "conversation_id": conv["id"],
                "conversation_token": conv["h"]["X-Conversation-Token"]},
                headers={"Idempotency-Key": uuid.uuid4().hex})
            if status == 201:
                break
            if out.get("error") != "slot_taken":
                raise self._error(f"book 409 {out.get('error')}")
        else:
            return  # no free slot left that this resident tried (all taken meanwhile)
        token = {"X-Booking-Token": out["manage_token"]}
        if not self.think():
            return
        call("booking", "GET", f"/api/bookings/{out['booking_id']}", headers=token)
        if self.rnd.random() < 0.3 and self.think():
            call("cancel", "POST", f"/api/bookings/{out['booking_id']}/cancel", headers=token)

    def _error(self, what: str) -> Error:
        with self.rec.lock:
            self.rec.errors.append((time.monotonic(), what[:200]))
        return Error(what)


class MemorySampler:
    """RSS of each process with its children every 5 s, and the CPU time they used in between
    (user + system, children included): CPU per turn does not depend on what else runs."""

    def __init__(self, procs: dict[str, int]):
        self.procs, self.peak, self.last, self.cpu0, self.cpu = procs, {}, {}, {}, {}
        self.load: list[float] = []  # 1-minute load average, every 5 s
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def rss(pid: int) -> float:
        try:
            p = psutil.Process(pid)
            return sum(q.memory_info().rss for q in [p, *p.children(recursive=True)]) / 2**20
        except psutil.Error:
            return 0.0

    @staticmethod
    def cpu_seconds(pid: int) -> float:
        try:
            p = psutil.Process(pid)
            return sum(sum(q.cpu_times()[:2]) for q in [p, *p.children(recursive=True)])
        except psutil.Error:
            return 0.0

    def _run(self) -> None:
        while not self.stop.is_set():
            self.load.append(os.getloadavg()[0])
            for name, pid in self.procs.items():
                mb = round(self.rss(pid), 1)
                self.last[name] = mb
                self.peak[name] = max(self.peak.get(name, 0.0), mb)
            self.stop.wait(5.0)

    def __enter__(self):
        self.peak, self.last, self.load = {}, {}, []
        self.cpu0 = {name: self.cpu_seconds(pid) for name, pid in self.procs.items()}
        self.stop.clear()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        self.cpu = {name: self.cpu_seconds(pid) - self.cpu0[name]
                    for name, pid in self.procs.items()}


def pct(times: list[float], q: float) -> float:
    return round(float(np.percentile(times, q)), 1) if times else float("nan")


def stats(turns: list[tuple[float, float, str]], window: float) -> dict:
    times = [ms for _, ms, _ in turns]
    per_kind = {}
    for kind in sorted({k for _, _, k in turns}):
        ks = [ms for _, ms, k in turns if k == kind]
        per_kind[kind] = {"turns": len(ks), "p50_ms": pct(ks, 50), "p95_ms": pct(ks, 95)}
    return {"turns": len(times), "turns_per_s": round(len(times) / window, 2),
            "p50_ms": pct(times, 50), "p95_ms": pct(times, 95), "p99_ms": pct(times, 99),
            "max_ms": round(max(times), 1) if times else None, "per_kind": per_kind}


def run_phase(targets: list[Target], residents: int, seconds: float,
              sampler: MemorySampler | None, *, warmup: float = 15.0, seed: int = 7) -> dict:
    """``residents`` residents per target, all targets at once (so a comparison between them
    sees the same machine load), for ``seconds``; turns ending in the first ``warmup`` seconds
    (the ramp-up) are not counted."""
    recs = {t.kind: Recorder() for t in targets}
    stop = threading.Event()
    threads = []
    for target in targets:
        rnd = random.Random(seed)  # the same residents for every target
        for _ in range(residents):
            person = Resident(target, recs[target.kind], stop, random.Random(rnd.random()))
            threads.append(threading.Thread(target=person.run, args=(rnd.uniform(0, 8.0),),
                                            daemon=True))
    load0 = os.getloadavg()
    t0 = time.monotonic()
    with (sampler or MemorySampler({})) as mem:
        for t in threads:
            t.start()
        time.sleep(seconds)
        stop.set()
        for t in threads:
            t.join(timeout=150)
    start = t0 + min(warmup, seconds / 4)
    window = max(1e-9, t0 + seconds - start)
    out = {"residents": residents, "seconds": seconds,
           "loadavg_start": [round(x, 2) for x in load0],
           "loadavg_end": [round(x, 2) for x in os.getloadavg()],
           "loadavg_1min_during": {"min": round(min(mem.load), 2), "mean": round(
               sum(mem.load) / len(mem.load), 2), "max": round(max(mem.load), 2)} if mem.load else None,
           "rss_mb_peak": dict(mem.peak), "rss_mb_end": dict(mem.last)}
    all_turns = 0
    for kind, rec in recs.items():
        counted = [x for x in rec.turns if x[0] >= start]
        all_turns += len(rec.turns)
        out[kind] = {**stats(counted, window), "errors": len(rec.errors),
                     "error_samples": sorted({e for _, e in rec.errors})[:10],
                     # chat turns alone (what the web/Rasa ratio compares)
                     "chat": stats([x for x in counted if x[2] not in BOOKING_KINDS], window)}
    out["cpu_ms_per_turn"] = {name: round(1000 * sec / max(1, all_turns), 1)
                              for name, sec in mem.cpu.items()}
    return out


def say(msg: str) -> None:
    print(f"soak: {msg}", file=sys.stderr, flush=True)


def summary(r: dict) -> str:
    parts = [f"{k} {v['turns']} turns {v['turns_per_s']}/s p50/p95/p99 {v['p50_ms']}/"
             f"{v['p95_ms']}/{v['p99_ms']} ms {v['errors']} errors"
             for k, v in r.items() if k in ("web", "rasa")]
    return (f"{r['residents']} residents {r['seconds']:.0f}s: {'; '.join(parts)}; cpu ms/turn "
            f"{r['cpu_ms_per_turn']}; load {r['loadavg_start'][0]}->{r['loadavg_end'][0]}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--soak-residents", type=int, default=50)
    ap.add_argument("--soak-seconds", type=float, default=600)
    ap.add_argument("--steps", default="50,75,100,125,150")
    ap.add_argument("--step-seconds", type=float, default=120)
    ap.add_argument("--overhead-residents", type=int, default=30)
    ap.add_argument("--overhead-seconds", type=float, default=90)
    ap.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                    help="extra setting for the stack, e.g. LEGALBOT_RASA_PROCESSES=2")
    args = ap.parse_args()
    extra = {"LEGALBOT_LIMITS_ENABLED": "0", **dict(e.split("=", 1) for e in args.env)}
    os.environ.update(extra)  # the Stack reads process counts from the settings
    stack = Stack(host="127.0.0.1", web_port=free_port(), rasa_port=free_port(),
                  actions_port=free_port(), data_dir=Path(tempfile.mkdtemp(prefix="soak-")),
                  echo=False, extra_env=extra)
    say("starting the stack ...")
    stack.start(timeout=600)
    report = {"machine": machine(), "settings": extra, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
              "processes": {p.name: p.popen.pid for p in stack.procs}}
    say(f"processes: {report['processes']}")
    sampler = MemorySampler(report["processes"])
    web, rasa = Target("web", stack.url), Target("rasa", stack.rasa_urls()[0])
    try:
        if args.overhead_seconds > 0:
            ov = run_phase([web, rasa], args.overhead_residents, args.overhead_seconds, sampler)
            say("overhead: " + summary(ov))
            ov["ratio_p50"] = round(ov["web"]["chat"]["p50_ms"] / ov["rasa"]["chat"]["p50_ms"], 2)
            ov["ratio_p95"] = round(ov["web"]["chat"]["p95_ms"] / ov["rasa"]["chat"]["p95_ms"], 2)
            report["overhead"] = ov
        if args.soak_seconds > 0:
            report["soak"] = run_phase([web], args.soak_residents, args.soak_seconds, sampler)
            say("soak: " + summary(report["soak"]))
        steps = []
        for n in [int(x) for x in args.steps.split(",") if x.strip()]:
            r = run_phase([web], n, args.step_seconds, sampler)
            say("step: " + summary(r))
            steps.append(r)
            if r["web"]["p95_ms"] >= 2 * TARGET_P95_MS and r["web"]["errors"]:
                break  # far past saturation: more residents only add errors
        report["steps"] = steps
        ok = [r for r in steps if r["web"]["p95_ms"] < TARGET_P95_MS and not r["web"]["errors"]]
        best = max(ok, key=lambda r: r["web"]["turns_per_s"]) if ok else None
        report["capacity"] = ({"residents": best["residents"],
                               "turns_per_s": best["web"]["turns_per_s"]} if best else None)
    finally:
        report["rasa_log_tail"] = [ln for p in stack.procs for ln in p.lines[-3:]
                                   if "rror" in ln][:10]
        stack.stop()
    write_report("soak", report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
