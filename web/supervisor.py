"""Preparing and running the three processes: Rasa, the action server, the web app.

``prepare()`` validates the knowledge base, builds the retrieval index when its content changed,
writes the jieba lexicon for Rasa, and trains the Rasa model when its data changed.
``up()`` starts the three, waits until each is ready (``Stack.probe``: Rasa with its model
loaded and parsing, the action server with its actions behind the shared secret, the web app's
database and index), prints the URL, restarts any that dies or stays unready
(``Stack.supervise``), and stops all of them on Ctrl-C. Every failure is one clear line and a
non-zero exit.
The same :class:`Stack` is used by the integration tests, on free ports.
"""
from __future__ import annotations

import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from knowledge import settings
from knowledge.content.library import get_knowledge
from knowledge.privacy import mask_personal

from .clients.actions import actions_state
from .clients.rasa import READY, rasa_state

ROOT = settings.ROOT
RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_PY = ROOT / ".venv-rasa" / "bin" / "python"
APP_PY = ROOT / ".venv" / "bin" / "python"


# lines a process prints at every start that tell an operator nothing (jieba's dictionary cache)
QUIET = ("Building prefix dict", "Loading model from cache", "Loading model cost",
         "Prefix dict has been built", "Dumping model to file cache")


ANSI = re.compile(r"\x1b\[[0-9;]*m")
WARNING = re.compile(r"^\S+\.py:\d+: \w*Warning: ")
LOG_START = re.compile(r"^(\d{4}-\d\d-\d\d|Traceback|[A-Z]{3,}[ :]|legalbot:|\[)")


class StartupError(RuntimeError):
    """A process could not be started or did not become ready; the message is one line."""


def say(msg: str) -> None:
    print(f"legalbot: {msg}", flush=True)


# -- preparing -----------------------------------------------------------------------------------
def rasa_data_hash(lexicon: Path) -> str:
    h = hashlib.sha256()
    files = [ROOT / "bot" / "config.yml", ROOT / "bot" / "domain.yml", lexicon]
    files += sorted((ROOT / "bot" / "data").rglob("*.yml"))
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def model_dir() -> Path:
    return settings.data_dir() / "models"


def train_rasa_if_changed(quiet: bool = False) -> bool:
    """Train when bot/ data or the lexicon changed since the last model; True when it trained."""
    from retrieval.tokenize import write_jieba_dictionary

    lexicon = write_jieba_dictionary(ROOT / "knowledge", settings.data_dir() / "lexicon")
    digest = rasa_data_hash(lexicon)
    stamp = model_dir() / "data.sha256"
    models = list(model_dir().glob("*.tar.gz"))
    if models and stamp.exists() and stamp.read_text().strip() == digest:
        return False
    if not RASA_BIN.exists():
        raise StartupError(f"Rasa is not installed at {RASA_BIN}: run `make setup`")
    model_dir().mkdir(parents=True, exist_ok=True)
    for old in models:
        old.unlink()
    say("training the Rasa model (data changed) ...")
    cmd = [str(RASA_BIN), "train", "--config", "bot/config.yml", "--domain", "bot/domain.yml",
           "--data", "bot/data", "--out", str(model_dir()), "--fixed-model-name", "legalbot"]
    log = settings.data_dir() / "rasa-train.log"
    with log.open("w") as out:
        rc = subprocess.call(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                             env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    if rc != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["(no output)"]
        raise StartupError(f"Rasa training failed ({tail[0][:200]}); full log: {log}")
    stamp.write_text(digest)
    return True


def prepare(quiet: bool = False) -> int:
    from knowledge.check import run_check
    from retrieval.service import build_index

    try:
        knowledge = get_knowledge()
        summary, problems = run_check(knowledge.root, knowledge.statutes)
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            for p in errors[:20]:
                print(p)
            raise StartupError(f"the knowledge base has {len(errors)} errors (see above)")
        say(f"knowledge ok: {summary['faqs']} FAQ entries, {summary['case_types']} case types")
        hint = settings.statutes_hint()
        if hint:
            unverified = sum(p.severity == "warning" and "text not available" in p.message
                             for p in problems)  # counted as `legalbot check` counts them
            say(f"warning: {unverified} citations checked by name and article only; {hint}")
        params = build_index(settings.index_dir(), encoder=settings.get("ENCODER"),
                             knowledge=knowledge)
        say("index up to date" if params is None else
            f"index built: {params['docs']} phrasings, {params['statutes']} articles")
        say("Rasa model trained" if train_rasa_if_changed(quiet) else "Rasa model up to date")
    except StartupError as exc:
        say(str(exc))
        return 1
    return 0


# -- running -------------------------------------------------------------------------------------
def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def web_server_command(host: str, port: int, workers: str | None = None) -> list[str]:
    """The web app behind gunicorn (threads in one worker by default), never Flask's
    development server."""
    return [str(ROOT / ".venv" / "bin" / "gunicorn"), "--bind", f"{host}:{port}",
            "--workers", workers or settings.get("WEB_WORKERS"), "--threads", settings.get("WEB_THREADS"),
            "--worker-class", "gthread", "--timeout", "120", "--graceful-timeout", "10",
            # an idle kept-alive connection outlives a resident's pause (2 s by default: a
            # client reusing it as the server closed it got a reset, 4 in the 10-minute soak)
            "--keep-alive", "75", "--log-level", "warning", "web:create_app()"]


@dataclass
class Proc:
    name: str
    cmd: list[str]
    url: str  # its base URL; what "ready" means is Stack.probe
    popen: subprocess.Popen | None = None
    lines: list[str] = field(default_factory=list)
    unready_since: float | None = None  # monotonic time of the first failed probe in a row
    env: dict = field(default_factory=dict)  # on top of the stack's environment

    def last_line(self) -> str:
        interesting = [ln for ln in self.lines if ln.strip()]
        errors = [ln for ln in interesting if "Error" in ln or "error" in ln or "Exception" in ln]
        return (errors or interesting or ["(no output)"])[-1].strip()[:300]


class Stack:
    """The three processes on given ports, sharing one data directory."""

    def __init__(self, *, host: str, web_port: int, rasa_port: int, actions_port: int,
                 data_dir: Path, extra_env: dict | None = None, echo: bool = True):
        self.host = host
        self.ports = {"web": web_port, "rasa": rasa_port, "actions": actions_port}
        self.data_dir = Path(data_dir)
        self.echo = echo
        # several Rasa processes share the tracker store; the web app routes each conversation
        # to always the same one (web/clients/rasa.py)
        n_rasa = max(1, int((extra_env or {}).get("LEGALBOT_RASA_PROCESSES")
                            or settings.get("RASA_PROCESSES")))
        self.rasa_ports = [rasa_port] + [rasa_port + i if rasa_port == int(settings.get(
            "RASA_PORT")) else free_port() for i in range(1, n_rasa)]
        for i, port in enumerate(self.rasa_ports[1:], start=2):
            self.ports[f"rasa-{i}"] = port
        # action servers: Rasa process i calls action server i mod n (all stateless)
        n_actions = max(1, int((extra_env or {}).get("LEGALBOT_ACTIONS_PROCESSES")
                               or settings.get("ACTIONS_PROCESSES")))
        self.actions_ports = [actions_port] + [free_port() for _ in range(1, n_actions)]
        for i, port in enumerate(self.actions_ports[1:], start=2):
            self.ports[f"actions-{i}"] = port
        rasa_url = ",".join(f"http://{host}:{p}" for p in self.rasa_ports)
        overrides = {"DATA_DIR": str(self.data_dir)}
        # secrets made on first start (mode 0600): Rasa's API token, the actions' shared secret
        self.rasa_token = settings.secret("rasa_token", overrides)
        self.actions_token = settings.secret("actions_token", overrides)
        self.env = {**os.environ, **(extra_env or {}),
                    "LEGALBOT_DATA_DIR": str(self.data_dir), "LEGALBOT_HOST": host,
                    "LEGALBOT_RASA_URL": rasa_url, "LEGALBOT_WEB_PORT": str(web_port),
                    "LEGALBOT_ACTIONS_URL": f"http://{host}:{actions_port}/webhook",
                    "LEGALBOT_ACTIONS_TOKEN": self.actions_token,
                    "LEGALBOT_TRACKER_DB": str(self.data_dir / "rasa_tracker.db"),
                    "SANIC_HOST": host, "PYTHONUNBUFFERED": "1", "TF_CPP_MIN_LOG_LEVEL": "2",
                    # a quiet start: the libraries' deprecation warnings are not ours to act on
                    "PYTHONWARNINGS": "ignore"}
        self.env.setdefault("LEGALBOT_INDEX_DIR", str(settings.index_dir()))
        # Rasa's tracker and lock stores (bot/endpoints.yml): empty means SQLite / in-process
        for name in ("TRACKER_URL", "LOCK_STORE_URL"):
            self.env.setdefault(f"LEGALBOT_{name}", settings.get(name))
        model = model_dir() / "legalbot.tar.gz"
        self.procs = [
            *[Proc("actions" if i == 0 else f"actions-{i + 1}",
                   [str(APP_PY), "-m", "bot.actions.server", "--host", host, "--port", str(port)],
                   f"http://{host}:{port}") for i, port in enumerate(self.actions_ports)],
            # Rasa's own `rasa run`, with bot/rasa_server.py's two measured speed-ups
            *[Proc("rasa" if i == 0 else f"rasa-{i + 1}",
                   [str(RASA_PY), "-m", "bot.rasa_server", "run", "--quiet", "--enable-api",
                    "--auth-token", self.rasa_token, "-i", host, "-p", str(port),
                    "--model", str(model), "--endpoints", "bot/endpoints.yml",
                    "--credentials", "bot/credentials.yml"], f"http://{host}:{port}",
                   env={"LEGALBOT_ACTIONS_URL": self.actions_url(i)})
              for i, port in enumerate(self.rasa_ports)],
            Proc("web", web_server_command(host, web_port, self.env.get("LEGALBOT_WEB_WORKERS")),
                 f"http://{host}:{web_port}"),
        ]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.ports['web']}"

    def actions_url(self, i: int) -> str:
        port = self.actions_ports[i % len(self.actions_ports)]
        return f"http://{self.host}:{port}/webhook"

    def rasa_urls(self) -> list[str]:
        return [f"http://{self.host}:{p}" for p in self.rasa_ports]

    def _pump(self, proc: Proc) -> None:
        in_warning = False
        for raw in proc.popen.stdout:
            # nothing a process prints shows a phone, ID or bank-card number in clear
            line = mask_personal(raw.decode("utf-8", "replace").rstrip())
            proc.lines.append(line)
            del proc.lines[:-200]
            # a library's warning and the source lines under it are not shown (kept in lines)
            plain = ANSI.sub("", line)
            if WARNING.match(plain):
                in_warning = True
                continue
            if in_warning and not LOG_START.match(plain):
                continue
            in_warning = False
            if self.echo and not any(n in line for n in QUIET):
                print(f"{proc.name:8}| {line}", flush=True)

    def start(self, timeout: float = 180) -> None:
        for name, port in self.ports.items():
            if not port_free(self.host, port):
                raise StartupError(f"port {port} for {name} is already in use: stop what runs there "
                                   f"or set LEGALBOT_{name.upper()}_PORT")
        if not RASA_BIN.exists():
            raise StartupError(f"Rasa is not installed at {RASA_BIN}: run `make setup`")
        if not (model_dir() / "legalbot.tar.gz").exists():
            raise StartupError("no trained Rasa model: run `legalbot build` first")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        os.umask(0o077)  # databases, tracker store, logs and secrets: readable by us only
        for p in self.data_dir.rglob("*"):
            if p.is_file():
                p.chmod(0o600)
        for p in self.procs:
            self._spawn(p)
        try:
            self._wait_ready(self.procs, timeout)
        except StartupError:
            self.stop()
            raise
        self.warm_up()

    def _spawn(self, p: Proc) -> None:
        p.popen = subprocess.Popen(p.cmd, cwd=ROOT, env={**self.env, **p.env},
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        threading.Thread(target=self._pump, args=(p,), daemon=True).start()

    def _wait_ready(self, procs: list[Proc], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        pending = {p.name: p for p in procs}
        why: dict[str, str] = {}
        while pending:
            for p in list(pending.values()):
                if p.popen.poll() is not None:
                    time.sleep(0.3)  # let the pump read the last lines
                    raise StartupError(f"{p.name} exited with code {p.popen.returncode} while "
                                       f"starting: {p.last_line()}")
                state = self.probe(p)
                if state == READY:
                    del pending[p.name]
                    p.unready_since = None
                else:
                    why[p.name] = state
            if time.monotonic() > deadline:
                first = next(iter(pending.values()))
                raise StartupError(f"{', '.join(pending)} not ready after {timeout:.0f}s "
                                   f"({why.get(first.name)}): {first.last_line()}")
            if pending:
                time.sleep(0.5)

    def probe(self, p: Proc, timeout: float = 5.0) -> str:
        """READY, or what is wrong. Answering HTTP is not enough: a Rasa process is ready when
        its model is loaded and a probe text goes through its NLU graph (a model that failed to
        load leaves Rasa answering ``/`` while every turn fails); the action server when its
        actions answer behind the shared secret; the web app when its ``/healthz`` finds its
        own database and index (not Rasa: the web app is not restarted for Rasa's sake)."""
        if p.name.startswith("rasa"):
            return rasa_state(p.url, self.rasa_token, timeout=timeout, parse=True)
        if p.name.startswith("actions"):
            return actions_state(p.url, self.actions_token, timeout=timeout)
        try:
            checks = requests.get(f"{p.url}/healthz", timeout=2 * timeout).json()["checks"]
        except (requests.RequestException, ValueError, KeyError, TypeError):
            return "unreachable"
        bad = [part for part in ("database", "index") if not checks.get(part)]
        return READY if not bad else f"{' and '.join(bad)} not ok"

    def restart(self, p: Proc, timeout: float = 180) -> bool:
        """Start a process that died or hung again (what is left of its process group is killed
        first, so its port is free); True once it is ready. Messages kept meanwhile are answered
        by the web app when the resident's widget polls or writes again."""
        try:
            os.killpg(p.popen.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        p.popen.wait()
        p.unready_since = None
        self._spawn(p)
        try:
            self._wait_ready([p], timeout)
        except StartupError as exc:
            say(f"{p.name} did not come back: {exc}")
            return False
        if p.name.startswith("actions"):
            self.warm_up()
        return True

    def supervise(self, stopping: threading.Event, *, timeout: float = 180,
                  max_failures: int = 5, unready_after: float | None = None,
                  probe_every: float = 5.0) -> int:
        """Until ``stopping`` is set: a process that dies, or stays unready (:meth:`probe`) for
        ``unready_after`` seconds (hung, stopped, its model gone), is restarted (with a growing
        pause when it keeps failing); after ``max_failures`` failed restarts in a row everything
        stops and the result is 1. Returns 0 when stopped on request."""
        if unready_after is None:
            unready_after = float(settings.get("UNREADY_SECONDS"))
        failures, next_probe = 0, time.monotonic() + probe_every
        while not stopping.is_set():
            victim = self.dead()
            if victim is not None:
                say(f"{victim.name} stopped unexpectedly (code {victim.popen.returncode}): "
                    f"{victim.last_line()}; restarting it")
            elif time.monotonic() >= next_probe:
                victim = self.unready(unready_after)
                next_probe = time.monotonic() + probe_every
            if victim is None:
                stopping.wait(1.0)
                continue
            if self.restart(victim, timeout):
                failures = 0
                say(f"{victim.name} is back")
                continue
            failures += 1
            if failures >= max_failures:
                say(f"{victim.name} failed to restart {failures} times; stopping everything")
                self.stop()
                return 1
            stopping.wait(min(2 ** failures, 30))
        return 0

    def warm_up(self) -> None:
        """Make the action server load the retriever now, not on a resident's first question:
        one real action call over its HTTP protocol."""
        body = {"next_action": "action_answer_question", "sender_id": "warm-up", "version": "3.6.21",
                "tracker": {"sender_id": "warm-up", "slots": {}, "events": [], "paused": False,
                            "latest_message": {"text": "劳动合同", "intent": {}, "entities": []},
                            "latest_action_name": "action_listen", "active_loop": {}},
                "domain": {}}
        for port in self.actions_ports:
            try:
                requests.post(f"http://{self.host}:{port}/webhook", json=body,
                              params={"token": self.actions_token}, timeout=120)
            except requests.RequestException:
                pass  # a failing action shows up in the first real turn, with its own message

    def dead(self) -> Proc | None:
        return next((p for p in self.procs if p.popen and p.popen.poll() is not None), None)

    def unready(self, after: float) -> Proc | None:
        """Probes every running process once; the first that has failed its probe continuously
        for ``after`` seconds (one clear line says so), else None."""
        now = time.monotonic()
        for p in self.procs:
            if not p.popen or p.popen.poll() is not None:
                continue
            state = self.probe(p)
            if state == READY:
                if p.unready_since is not None:
                    say(f"{p.name} is ready again")
                p.unready_since = None
                continue
            if p.unready_since is None:
                p.unready_since = now
                say(f"{p.name} is not ready ({state}); restarting it if it stays so for "
                    f"{after:.0f}s")
            if now - p.unready_since >= after:
                say(f"{p.name} has not been ready for {now - p.unready_since:.0f}s ({state}): "
                    f"{p.last_line()}; restarting it")
                return p
        return None

    def stop(self) -> None:
        for p in self.procs:
            if p.popen and p.popen.poll() is None:
                try:
                    os.killpg(p.popen.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for p in self.procs:
            if p.popen:
                try:
                    p.popen.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(p.popen.pid, signal.SIGKILL)
                    p.popen.wait()


def up() -> int:
    host = settings.get("HOST")
    stack = Stack(host=host, web_port=int(settings.get("WEB_PORT")),
                  rasa_port=int(settings.get("RASA_PORT")),
                  actions_port=int(settings.get("ACTIONS_PORT")), data_dir=settings.data_dir())
    stopping = threading.Event()

    def _stop(signum, _frame):
        stopping.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        stack.start(timeout=float(settings.get("STARTUP_TIMEOUT")))
    except StartupError as exc:
        say(str(exc))
        return 1
    say(f"ready: open {stack.url}/  (Ctrl-C stops Rasa, the action server and the web app)")
    if stack.supervise(stopping, timeout=float(settings.get("STARTUP_TIMEOUT"))):
        return 1
    say("stopping ...")
    stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(up())


def start_web_only(data_dir: Path, *, extra_env: dict | None = None,
                   timeout: float = 60) -> tuple[subprocess.Popen, str]:
    """The web app alone behind gunicorn on a free loopback port (Rasa not started), for tests and
    benchmarks of the parts that do not need the bot (the board and bookings). Returns the
    process and its base URL; stop it with ``proc.terminate()``."""
    import urllib.request

    port = free_port()
    env = {**os.environ, "LEGALBOT_DATA_DIR": str(data_dir),
           "LEGALBOT_RASA_URL": f"http://127.0.0.1:{free_port()}", **(extra_env or {})}
    log = open(Path(data_dir) / "web.log", "wb")  # noqa: SIM115 - the child keeps writing it
    proc = subprocess.Popen(web_server_command("127.0.0.1", port), cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    log.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = (Path(data_dir) / "web.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"web server exited: {tail}")
        try:
            urllib.request.urlopen(url + "/livez", timeout=2).read()
            return proc, url
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("web server did not start")
