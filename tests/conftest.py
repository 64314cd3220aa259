"""Shared fixtures: the expensive objects (statute store, index, retriever, running stack) are
built once per session; everything that holds state (databases) is per test."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"


@pytest.fixture(scope="session")
def knowledge():
    """The knowledge object the app and the action server use (statute folders from settings)."""
    from knowledge.content.library import get_knowledge

    return get_knowledge()


@pytest.fixture(scope="session")
def store(knowledge):
    return knowledge.statutes


@pytest.fixture(scope="session")
def faqs():
    """Every FAQ entry of knowledge/faqs by id, read from the files as they stand."""
    from knowledge.content.faq import load_faqs

    return {e.id: e for e in load_faqs(KNOWLEDGE / "faqs")}


@pytest.fixture(scope="session")
def encoder():
    from retrieval.encoders import make_encoder

    return make_encoder("use")


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory, knowledge, encoder):
    """A real index of the real knowledge base, built once for the session."""
    from retrieval.index import build, collect
    from retrieval.tokenize import Tokenizer

    out = tmp_path_factory.mktemp("index") / "index"
    build(out, collect(knowledge), encoder, Tokenizer.from_knowledge(KNOWLEDGE))
    return out


@pytest.fixture(scope="session")
def retriever(index_dir, knowledge, encoder):
    from retrieval.hybrid import HybridRetriever

    return HybridRetriever(index_dir, encoder=encoder, knowledge=knowledge)


@pytest.fixture(scope="session")
def analyze_cli():
    """Runs `legalbot analyze CASE --facts - --json` as a resident's helper would."""
    import json
    import subprocess

    def run(case_id: str, facts: dict) -> subprocess.CompletedProcess:
        return subprocess.run([str(ROOT / ".venv" / "bin" / "legalbot"), "analyze", case_id,
                               "--facts", "-", "--json"], input=json.dumps(facts), cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
    return run


# -- the engines under the app: SQLite by default; PostgreSQL + Redis in the scale run ----------
def _selects_scale(config) -> bool:
    return "scale" in (config.option.markexpr or "")


def pytest_generate_tests(metafunc):
    """A test that builds the app (fixture ``db``) runs on SQLite; when the run selects the
    ``scale`` marker (``make test-scale``: ``pytest -m scale``), it runs on a real PostgreSQL
    with the per-client limits in a real Redis instead."""
    if metafunc.definition.get_closest_marker("sqlite_only") or not _selects_scale(metafunc.config):
        return
    if "db" in metafunc.fixturenames:
        metafunc.parametrize("db", [pytest.param("pg-redis", marks=pytest.mark.scale)],
                             indirect=True)
    if "stack" in metafunc.fixturenames and metafunc.definition.get_closest_marker("on_engines"):
        metafunc.parametrize("stack", [pytest.param("engines", marks=pytest.mark.scale)],
                             indirect=True, scope="session")


def pytest_collection_modifyitems(config, items):
    """Without ``-m``, the scale tests (real PostgreSQL, Redis, nginx) are left out."""
    if config.option.markexpr:
        return
    keep = [i for i in items if i.get_closest_marker("scale") is None]
    if len(keep) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep


@pytest.fixture(scope="session")
def engines():
    """A real PostgreSQL and a real Redis for the whole run (tests/engines.py)."""
    import engines as eng

    reason = eng.missing()
    if reason:
        pytest.skip(reason)
    pg, redis = eng.Postgres().start(), None
    try:
        redis = eng.Redis().start()
        yield pg, redis
    finally:
        if redis:
            redis.stop()
        pg.stop()


@pytest.fixture
def db(request, tmp_path):
    """The app's database settings: a SQLite file, or (param ``pg-redis``) a fresh PostgreSQL
    database and an emptied Redis for the per-client limits."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield {"DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}"}
        return
    import redis as redis_client

    pg, redis = request.getfixturevalue("engines")
    redis_client.Redis.from_url(redis.url()).flushall()
    url = pg.database()
    yield {"DATABASE_URL": url, "LIMITS_STORAGE": redis.url()}
    import gc

    gc.collect()  # engines of apps the test dropped let go of their connections
    pg.drop(url)


@pytest.fixture
def make_app(tmp_path, index_dir, db):
    """Builds the web app on a fresh database (SQLite, or PostgreSQL in the scale run) with
    settings as keyword arguments; Rasa is not running (closed loopback port)."""
    from web import create_app
    from web.supervisor import free_port

    def build(**overrides):
        return create_app({"TESTING": True, "DATA_DIR": str(tmp_path), **db,
                           "INDEX_DIR": str(index_dir),
                           "RASA_URL": f"http://127.0.0.1:{free_port()}", "RASA_TIMEOUT": "2",
                           **overrides})
    return build


@pytest.fixture
def app(make_app):
    """The web app with a per-conversation limit of 5 messages a minute."""
    return make_app(RATE_LIMIT="5")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def stack(request, tmp_path_factory):
    """The real system: Rasa, the action server and the web app on free loopback ports; in the
    scale run (param ``engines``) the scale-out stack behind nginx instead (``scale_stack``).

    Needs `legalbot build` to have run (the Makefile's test target does it first)."""
    from knowledge import settings
    from web.supervisor import Stack, free_port, model_dir

    if getattr(request, "param", None) == "engines":
        yield request.getfixturevalue("scale_stack")
        return
    if not (model_dir() / "legalbot.tar.gz").exists():
        pytest.fail("no trained Rasa model: run `make test` (it runs `legalbot build` first)")
    data = tmp_path_factory.mktemp("stack-data")
    s = Stack(host="127.0.0.1", web_port=free_port(), rasa_port=free_port(),
              actions_port=free_port(), data_dir=data, echo=bool(os.environ.get("LEGALBOT_ECHO")),
              extra_env={"LEGALBOT_INDEX_DIR": str(settings.index_dir()),
                         # the whole suite is one client address opening many conversations
                         "LEGALBOT_CONVERSATION_LIMIT": "2000 per minute",
                         "LEGALBOT_IP_MESSAGE_LIMIT": "20000 per minute"})
    s.start(timeout=240)
    yield s
    s.stop()



@pytest.fixture(scope="session")
def scale_stack(tmp_path_factory, engines):
    """The scale-out deployment on one machine (tests/engines.py ``start_scale_stack``):
    PostgreSQL, Redis, two Rasa processes, two action servers, two web servers, one nginx."""
    import engines as eng

    from web.supervisor import model_dir

    if eng.Nginx.missing():
        pytest.skip(eng.Nginx.missing())
    if not (model_dir() / "legalbot.tar.gz").exists():
        pytest.fail("no trained Rasa model: run `make test` (it runs `legalbot build` first)")
    pg, redis = engines
    s = eng.start_scale_stack(pg, redis, tmp_path_factory.mktemp("scale-data"),
                              echo=bool(os.environ.get("LEGALBOT_ECHO")),
                              extra_env={"LEGALBOT_CONVERSATION_LIMIT": "2000 per minute",
                                         "LEGALBOT_IP_MESSAGE_LIMIT": "20000 per minute"})
    yield s
    s.stop()
