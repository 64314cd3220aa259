"""Real PostgreSQL and Redis servers for the scale tests, started from Debian's packages
(`postgresql`, `redis-server`) on free loopback ports and torn down afterwards.

PostgreSQL's `pg_ctl` refuses to run as root, so when the tests run as root both servers run as
the unprivileged user ``nobody`` (``runuser``) in a temporary folder owned by it. PostgreSQL
listens on 127.0.0.1 only and asks for a password on TCP (scram-sha-256); Redis listens on
127.0.0.1 only with ``requirepass``. ``missing()`` names what is not installed, so the tests
can skip with that reason and nothing else.
"""
from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

USER = "nobody"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                   key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def missing() -> str | None:
    """Why the engines cannot be started here, or None."""
    need = []
    if pg_bin() is None:
        need.append("PostgreSQL (Debian package postgresql: /usr/lib/postgresql/*/bin)")
    if shutil.which("redis-server") is None:
        need.append("redis-server (Debian package redis-server)")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        need.append("runuser (util-linux), to run PostgreSQL unprivileged")
    return ("not installed: " + "; ".join(need)) if need else None


def _as_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", USER, "--", *cmd] if os.geteuid() == 0 else cmd


def _own_dir(prefix: str) -> Path:
    """A temporary folder the unprivileged user owns (mode 0700)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        shutil.chown(path, USER, USER if _has_group(USER) else "nogroup")
    path.chmod(0o700)
    return path


def _has_group(name: str) -> bool:
    import grp

    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


def _end(proc: subprocess.Popen | None, folder: Path) -> None:
    """Stop a server started in the foreground and remove its folder."""
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    shutil.rmtree(folder, ignore_errors=True)


class Postgres:
    """One PostgreSQL cluster; ``database()`` makes a fresh database and returns its URL."""

    def __init__(self):
        self.port = _free_port()
        self.password = secrets.token_hex(12)
        self.user = "legalbot"
        self.dir = _own_dir("legalbot-pg-")
        self.data = self.dir / "data"
        self._count = 0

    def _run(self, *cmd: str) -> None:
        subprocess.run(_as_user(list(cmd)), check=True, capture_output=True, timeout=120)

    def start(self) -> "Postgres":
        pwfile = self.dir / "pw"
        pwfile.write_text(self.password)
        if os.geteuid() == 0:
            shutil.chown(pwfile, USER)
        bindir = pg_bin()
        self._run(str(bindir / "initdb"), "-D", str(self.data), "-U", self.user, "-E", "UTF8",
                  "--locale=C.UTF-8", "--auth-local=trust", "--auth-host=scram-sha-256",
                  f"--pwfile={pwfile}")
        pwfile.unlink()
        opts = (f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                f"-c unix_socket_directories={self.dir} -c max_connections=300 "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        self._run(str(bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"),
                  "-o", opts, "-w", "-t", "60", "start")
        return self

    def url(self, database: str = "postgres") -> str:
        return (f"postgresql+psycopg2://{self.user}:{self.password}@127.0.0.1:{self.port}/"
                f"{database}")

    def _admin(self, sql: str) -> None:
        import psycopg2

        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user=self.user,
                                password=self.password, dbname="postgres")
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
        finally:
            conn.close()

    def database(self, name: str | None = None) -> str:
        """A new, empty database; its SQLAlchemy URL."""
        self._count += 1
        name = name or f"t{os.getpid()}_{self._count}"
        self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        try:
            self._run(str(pg_bin() / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w",
                      "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


class Redis:
    """One redis-server with a password, nothing saved to disk."""

    def __init__(self):
        self.port = _free_port()
        self.password = secrets.token_hex(12)
        self.dir = _own_dir("legalbot-redis-")
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Redis":
        conf = self.dir / "redis.conf"
        conf.write_text(f"bind 127.0.0.1\nport {self.port}\nrequirepass {self.password}\n"
                        f"dir {self.dir}\nsave \"\"\nappendonly no\nprotected-mode yes\n")
        conf.chmod(0o600)
        if os.geteuid() == 0:
            shutil.chown(conf, USER)
        self.proc = subprocess.Popen(_as_user([shutil.which("redis-server"), str(conf)]),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited with code {self.proc.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(f"AUTH {self.password}\r\nPING\r\n".encode())
                    if b"PONG" in s.recv(100):
                        return self
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("redis-server did not answer")

    def url(self, db: int = 0) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/{db}"

    def stop(self) -> None:
        _end(self.proc, self.dir)


class Nginx:
    """Debian's nginx in the foreground (``daemon off``) as the unprivileged user, on a free
    loopback port, round-robin over ``upstreams`` (host:port of the web processes). Each answer
    names the web process that served it in ``X-Upstream`` (nginx's $upstream_addr)."""

    BIN = "/usr/sbin/nginx"

    def __init__(self, upstreams: list[str]):
        self.port = _free_port()
        self.upstreams = upstreams
        self.dir = _own_dir("legalbot-nginx-")
        self.proc: subprocess.Popen | None = None

    @classmethod
    def missing(cls) -> str | None:
        return None if Path(cls.BIN).exists() else "not installed: nginx (Debian package nginx)"

    def config(self) -> str:
        d = self.dir
        servers = "".join(f"        server {u};\n" for u in self.upstreams)
        temps = "".join(f"    {k}_temp_path {d}/{k};\n"
                        for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        return (f"daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\n"
                f"error_log {d}/error.log warn;\nevents {{ worker_connections 512; }}\n"
                f"http {{\n    access_log off;\n{temps}"
                f"    upstream legalbot_web {{\n{servers}        keepalive 16;\n    }}\n"
                f"    server {{\n        listen 127.0.0.1:{self.port};\n"
                "        client_max_body_size 64k;\n        proxy_read_timeout 120s;\n"
                "        location / {\n            proxy_pass http://legalbot_web;\n"
                "            proxy_http_version 1.1;\n"
                "            proxy_set_header Connection \"\";\n"
                "            proxy_set_header Host $host;\n"
                "            proxy_set_header X-Forwarded-For $remote_addr;\n"
                "            add_header X-Upstream $upstream_addr always;\n"
                "        }\n    }\n}\n")

    def start(self) -> "Nginx":
        conf = self.dir / "nginx.conf"
        conf.write_text(self.config())
        if os.geteuid() == 0:
            shutil.chown(conf, USER)
        self.proc = subprocess.Popen(
            _as_user([self.BIN, "-p", str(self.dir), "-e", str(self.dir / "error.log"),
                      "-c", str(conf)]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                log = (self.dir / "error.log")
                raise RuntimeError(f"nginx exited: {log.read_text() if log.exists() else ''}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not listen")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        _end(self.proc, self.dir)


class BehindNginx:
    """A started :class:`web.supervisor.Stack` reached through nginx: ``url`` is nginx's; the
    rest (ports, tokens, processes) is the stack's."""

    def __init__(self, stack, nginx: Nginx, app_db: str, tracker_db: str, redis: Redis):
        self.stack, self.nginx = stack, nginx
        self.app_db, self.tracker_db, self.redis = app_db, tracker_db, redis

    def __getattr__(self, name):
        return getattr(self.stack, name)

    @property
    def url(self) -> str:
        return self.nginx.url

    def stop(self) -> None:
        self.nginx.stop()
        self.stack.stop()


def start_scale_stack(pg: Postgres, redis: Redis, data_dir: Path, *, echo: bool = False,
                      extra_env: dict | None = None, timeout: float = 600) -> BehindNginx:
    """The scale-out deployment on one machine: app data and Rasa's tracker store in PostgreSQL
    (two new databases); the limiter, Rasa's lock store and the WeChat token in Redis (dbs 0, 1,
    2); two Rasa processes, two action servers, two gunicorn web servers of two workers each
    (the supervisor's Stack starts and watches them all), and one nginx round-robin over the
    two web servers."""
    from knowledge import settings
    from web.supervisor import Proc, Stack, free_port, web_server_command

    app_db, tracker_db = pg.database(), pg.database()
    s = Stack(host="127.0.0.1", web_port=free_port(), rasa_port=free_port(),
              actions_port=free_port(), data_dir=data_dir, echo=echo,
              extra_env={"LEGALBOT_INDEX_DIR": str(settings.index_dir()),
                         "LEGALBOT_DATABASE_URL": app_db,
                         "LEGALBOT_TRACKER_URL": tracker_db.replace("+psycopg2", ""),
                         "LEGALBOT_LIMITS_STORAGE": redis.url(0),
                         "LEGALBOT_LOCK_STORE_URL": redis.url(1),
                         "LEGALBOT_REDIS_URL": redis.url(2),
                         "LEGALBOT_RASA_PROCESSES": "2", "LEGALBOT_ACTIONS_PROCESSES": "2",
                         "LEGALBOT_WEB_WORKERS": "2", "LEGALBOT_TRUSTED_PROXIES": "127.0.0.1",
                         **(extra_env or {})})
    port2 = free_port()
    s.ports["web-2"] = port2
    s.procs.append(Proc("web-2", web_server_command("127.0.0.1", port2, "2"),
                        f"http://127.0.0.1:{port2}"))
    s.start(timeout=timeout)
    try:
        nginx = Nginx([f"127.0.0.1:{s.ports['web']}", f"127.0.0.1:{port2}"]).start()
    except Exception:
        s.stop()
        raise
    return BehindNginx(s, nginx, app_db, tracker_db, redis)
