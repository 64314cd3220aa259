"""``legalbot``: the command line. It only wires the core objects together."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from knowledge import settings
from knowledge.content.library import get_knowledge
from knowledge.content.statutes import citation_label


def _err(msg: str, code: int = 1) -> int:
    print(f"legalbot: {msg}", file=sys.stderr)
    return code


# -- check ---------------------------------------------------------------------------------------
def cmd_check(args) -> int:
    from knowledge.check import run_check

    knowledge = get_knowledge()
    summary, problems = run_check(knowledge.root, knowledge.statutes)
    errors = [p for p in problems if p.severity == "error"]
    for p in problems:
        if p.severity == "error" or args.verbose:
            print(p)
    print(f"{summary['faqs']} FAQ entries {summary['per_domain']}, {summary['phrasings']} phrasings, "
          f"{summary['case_types']} case types, {summary['statements']} cited statements in texts; "
          f"{len(errors)} errors, "
          f"{len(problems) - len(errors)} warnings")
    unverified = sum(p.severity == "warning" and "text not available" in p.message
                     for p in problems)
    hint = settings.statutes_hint()
    if hint:
        print(f"warning: {unverified} citations of regulations and judicial interpretations checked "
              f"by name and article only; {hint}")
    return 1 if errors else 0


# -- index ---------------------------------------------------------------------------------------
def cmd_index_build(args) -> int:
    from tqdm import tqdm

    from retrieval.service import build_index

    bar = None

    def progress(n, total):
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc="encoding", unit="text", disable=args.quiet)
        bar.update(n)

    t0 = time.time()
    params = build_index(settings.index_dir(), encoder=settings.get("ENCODER"),
                         force=args.force,
                         hnsw=args.hnsw, progress=progress)
    if bar:
        bar.close()
    if params is None:
        print(f"index at {settings.index_dir()} is up to date")
    else:
        print(f"built index at {settings.index_dir()}: {params['entries']} entries, "
              f"{params['docs']} phrasings, {params['statutes']} articles, "
              f"encoder {params['encoder']}, {time.time() - t0:.1f}s")
    return 0


# -- ask -----------------------------------------------------------------------------------------
def _open_retriever():
    from retrieval.service import open_retriever

    return open_retriever(settings.index_dir(), encoder=settings.get("ENCODER"))


PUBLIC_KEYS = ("domain", "in_scope", "confidence", "faq_id", "answer", "citations", "escalate",
               "alternatives")


def public_answer(qid, result: dict) -> dict:
    row = {"id": qid, **{k: result.get(k) for k in PUBLIC_KEYS}}
    row["alternatives"] = [{"faq_id": a["faq_id"], "question": a["question"]}
                           for a in (result.get("alternatives") or [])][:3]
    return row


def ask_lines(retriever, lines, out) -> None:
    """One JSON line out per line in; a bad line gets an error object, never a crash."""
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        qid = None
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("each line must be a JSON object")
            qid = obj.get("id")
            q = obj.get("question")
            if not isinstance(q, str) or not q.strip():
                raise ValueError("'question' must be a non-empty string")
            if len(q) > 5000:
                raise ValueError("'question' is longer than 5000 characters")
            row = public_answer(qid, retriever.ask(q))
        except Exception as exc:  # noqa: BLE001 - reported per line
            row = {"id": qid, "error": f"line {n}: {exc}"}
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        out.flush()


def cmd_ask(args) -> int:
    try:
        retriever = _open_retriever()
    except (FileNotFoundError, RuntimeError) as exc:
        return _err(str(exc))
    if args.jsonl is not None:
        src = sys.stdin if args.jsonl == "-" else open(args.jsonl, encoding="utf-8")
        ask_lines(retriever, src, sys.stdout)
        return 0
    if not args.question:
        return _err("give a question, or --jsonl - to read JSON lines", 2)
    result = public_answer(None, retriever.ask(" ".join(args.question)))
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(f"领域: {result['domain']}  在范围内: {result['in_scope']}  置信度: {result['confidence']}"
          f"  FAQ: {result['faq_id']}")
    print(result["answer"])
    for a in result["alternatives"]:
        print(f"  ? {a['faq_id']}: {a['question']}")
    for c in result["citations"]:
        print(f"  {citation_label(c['law'], c['article'], c.get('sub', 0))}（{c['status']}）"
              f"{c['text'][:60]}…")
    if result["escalate"]:
        print("  [需要转人工/紧急处理]")
    return 0


# -- eval ----------------------------------------------------------------------------------------
def cmd_eval(args) -> int:
    from retrieval.evaluate import evaluate_dev
    from retrieval.judged import judged_report

    if not (args.dev or args.judged):
        return _err("say what to evaluate: --dev or --judged", 2)
    dev_path = settings.ROOT.parent / "shared/data/dev_questions.jsonl"
    if args.judged:
        path = Path(args.file) if args.file else settings.ROOT / "knowledge/eval/judged.jsonl"
        if not path.exists():
            return _err(f"judged set not found: {path}")
        try:
            report = judged_report(_open_retriever(), path, half=args.half, limit=args.limit,
                                   dev_path=dev_path if dev_path.exists() else None)
        except ValueError as exc:
            return _err(str(exc))
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    path = Path(args.file) if args.file else dev_path
    if not path.exists():
        return _err(f"development questions not found: {path}")
    report = evaluate_dev(_open_retriever(), path, limit=args.limit)
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


# -- analyze -------------------------------------------------------------------------------------
def cmd_analyze(args) -> int:
    from knowledge.analysis.engine import AnalysisError, analyze

    knowledge = get_knowledge()
    types = knowledge.case_types
    if args.case_type not in types:
        return _err(f"unknown case type {args.case_type!r}; known: {', '.join(sorted(types))}", 2)
    try:
        raw = sys.stdin.read() if args.facts == "-" else Path(args.facts).read_text(encoding="utf-8")
        facts = json.loads(raw)
    except (OSError, ValueError) as exc:
        return _err(f"cannot read facts: {exc}", 2)
    if not isinstance(facts, dict):
        return _err("facts must be a JSON object", 2)
    try:
        result = analyze(types[args.case_type], facts, region=settings.get("REGION"))
    except AnalysisError as exc:
        return _err(f"invalid fact {exc.fact}: {exc}", 2)
    if args.html or args.pdf:
        from knowledge.analysis.report import render_html, render_pdf

        store = knowledge.statutes
        if args.html:
            Path(args.html).write_text(render_html(result.as_json(), types[args.case_type], store),
                                       encoding="utf-8")
        if args.pdf:
            Path(args.pdf).write_bytes(render_pdf(result.as_json(), types[args.case_type], store))
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
    elif not (args.html or args.pdf):
        print(result.as_text())
    return 0


# -- running the system --------------------------------------------------------------------------
def cmd_build(args) -> int:
    from .supervisor import prepare

    return prepare(quiet=args.quiet)


def cmd_up(args) -> int:
    from .supervisor import up

    return up()


def cmd_serve(args) -> int:
    import os

    from .supervisor import web_server_command

    cmd = web_server_command(settings.get("HOST"), int(args.port or settings.get("WEB_PORT")))
    os.execv(cmd[0], cmd)  # gunicorn takes this process over
    return 0


# -- console accounts ----------------------------------------------------------------------------
def _accounts():
    from .db import make_engine, make_sessionmaker, migrate
    from .services.accounts import Accounts

    settings.data_dir().mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url())
    migrate(engine)
    return Accounts(make_sessionmaker(engine))


def _password(args) -> str:
    """From standard input (--password-stdin: its first line), else asked twice at a terminal;
    never from the command line, where other users could read it."""
    import getpass

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise SystemExit(_err("give the password on standard input with --password-stdin", 2))
    first, second = getpass.getpass("password: "), getpass.getpass("again: ")
    if first != second:
        raise SystemExit(_err("the two passwords differ", 2))
    return first


def cmd_users(args) -> int:
    from knowledge.content.texts import Texts

    from .services.accounts import AccountError

    accounts = _accounts()
    try:
        if args.users_cmd == "list":
            for a in accounts.users():
                print(f"{a.username}\t{a.role}\t{a.name}\t{a.mediator_id or '-'}\t"
                      f"{'active' if a.active else 'disabled'}")
            return 0
        if args.users_cmd == "add":
            a = accounts.add(args.username, role=args.role, name=args.name,
                             password=_password(args), mediator_id=args.mediator_id)
            print(f"added {a.username} ({a.role}, {a.name}); log in at /console/login")
        elif args.users_cmd == "passwd":
            accounts.set_password(args.username, _password(args))
            print(f"password of {args.username} changed; its open sessions have ended")
        else:  # disable | enable
            getattr(accounts, args.users_cmd)(args.username)
            print(f"{args.username} {args.users_cmd}d")
    except AccountError as e:
        errors = Texts(settings.ROOT / "knowledge" / "texts")["console"]["errors"]
        return _err(f"{e.code}: {' '.join(errors[e.code].split())}".format(**e.values))
    return 0


def cmd_backup(args) -> int:
    import datetime as dt

    from .db import backup_sqlite

    dest = Path(args.dest) if args.dest else settings.data_dir() / "backups" / (
        f"legalbot-{dt.datetime.now():%Y%m%d-%H%M%S}.db")
    try:
        pages = backup_sqlite(settings.database_url(), dest)
    except (ValueError, OSError) as exc:
        return _err(str(exc))
    print(f"backed up the app database to {dest} ({pages} pages)")
    return 0


def cmd_purge(args) -> int:
    """Deletes conversation transcripts older than RETENTION_DAYS (README, "Dispute ledger")."""
    from .db import make_engine, make_sessionmaker, migrate
    from .services.retention import purge

    engine = make_engine(settings.database_url())
    migrate(engine)
    report = purge(make_sessionmaker(engine), days=args.days, dry_run=args.dry_run)
    if report is None:
        print("retention is off (RETENTION_DAYS=0): nothing purged")
        return 0
    verb = "would delete" if args.dry_run else "deleted"
    print(f"{verb} the transcripts of {report['conversations']} conversations "
          f"({report['messages']} messages) whose last message is older than {report['cutoff']}")
    return 0


def cmd_ledger_import(args) -> int:
    """Checks (and with --commit writes) an Excel ledger (README, "Dispute ledger")."""
    import json

    from knowledge.content.texts import Texts

    from .db import make_engine, make_sessionmaker, migrate
    from .services.ledger_import import run

    engine = make_engine(settings.database_url())
    migrate(engine)
    texts = Texts(settings.ROOT / "knowledge" / "texts")["ledger"]
    report = run(make_sessionmaker(engine), args.file, texts, commit=args.commit)
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 1 if report["errors"] else 0


def cmd_wechat_menu(args) -> int:
    """Publishes the 公众号's custom menu (knowledge/texts/wechat.yml) through WeChat's API."""
    from . import create_app
    from .clients.wechat import WeChatApiError, WeChatUnavailable

    svc = create_app().extensions["wechat"]
    if svc is None:
        return _err("WeChat is not configured: set LEGALBOT_WECHAT_TOKEN, _APPID and _SECRET")
    try:
        menu = svc.menu()
        if args.dry_run:
            print(json.dumps(menu, ensure_ascii=False, indent=2))
            return 0
        svc.publish_menu()
    except (ValueError, WeChatApiError, WeChatUnavailable) as exc:
        return _err(f"menu not published: {exc}")
    print(f"menu published: {', '.join(b['name'] for b in menu['button'])}")
    return 0


def cmd_mediators(args) -> int:
    """The mediator board's roster: import a YAML or CSV file, or list the mediators."""
    from .db import make_engine, make_sessionmaker, migrate
    from .services.mediators import Roster, RosterError

    engine = make_engine(settings.database_url())
    migrate(engine)
    roster = Roster(make_sessionmaker(engine), photo_dir=settings.data_dir() / "photos",
                    video=bool(settings.get("VIDEO_ROOM_URL")))
    if args.mediators_cmd == "list":
        for m in roster.board():
            print(f"{m['id']}\t{m['name']}\t{m['township']}\t{m['organization']}\t"
                  f"{','.join(m['specialties'])}")
        return 0
    try:
        if args.dry_run:
            from .services.mediators import read_roster

            entries, sample = read_roster(args.file)
            print(f"{args.file}: {len(entries)} mediators OK" + (" (sample)" if sample else ""))
            return 0
        n = roster.import_file(args.file, replace=args.replace)
    except RosterError as exc:
        return _err(f"{args.file}: {exc} (nothing imported)")
    print(f"imported {n} mediators from {args.file}")
    return 0


def cmd_settings(args) -> int:
    for env, default, help_ in settings.as_table():
        print(f"{env} (default {default!r})\n    {help_}")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="legalbot", description="法律咨询机器人 command line")
    sub = p.add_subparsers(dest="cmd", required=True)

    c = sub.add_parser("check", help="validate the knowledge base")
    c.add_argument("-v", "--verbose", action="store_true", help="also print warnings")
    c.set_defaults(func=cmd_check)

    ix = sub.add_parser("index", help="retrieval index").add_subparsers(dest="index_cmd", required=True)
    b = ix.add_parser("build", help="build the index when its content changed")
    b.add_argument("--force", action="store_true", help="rebuild even when up to date")
    b.add_argument("--hnsw", action="store_true", help="HNSW instead of a flat index")
    b.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    b.set_defaults(func=cmd_index_build)

    a = sub.add_parser("ask", help="answer a question (contract 1)")
    a.add_argument("question", nargs="*")
    a.add_argument("--jsonl", metavar="FILE", help="read {id, question} lines from FILE or -")
    a.add_argument("--json", action="store_true", help="print JSON")
    a.set_defaults(func=cmd_ask)

    e = sub.add_parser("eval", help="measure retrieval on the development or the judged questions")
    e.add_argument("--dev", action="store_true", help="the development questions (noisy labels)")
    e.add_argument("--judged", action="store_true", help="the judged set (knowledge/eval)")
    e.add_argument("--half", choices=("all", "dev", "test"), default="all",
                   help="with --judged: the tuning half, the held-out half, or both")
    e.add_argument("--file")
    e.add_argument("--limit", type=int)
    e.set_defaults(func=cmd_eval)

    an = sub.add_parser("analyze", help="analyze the facts of a case type")
    an.add_argument("case_type")
    an.add_argument("--facts", required=True, help="JSON file of facts, or - for stdin")
    an.add_argument("--json", action="store_true")
    an.add_argument("--html", metavar="FILE", help="also write the report as an HTML page")
    an.add_argument("--pdf", metavar="FILE", help="also write the report as a PDF")
    an.set_defaults(func=cmd_analyze)

    bl = sub.add_parser("build", help="check knowledge, build index and Rasa model if changed")
    bl.add_argument("-q", "--quiet", action="store_true")
    bl.set_defaults(func=cmd_build)
    sub.add_parser("up", help="start Rasa, the action server and the web app").set_defaults(func=cmd_up)
    s = sub.add_parser("serve", help="run only the web app")
    s.add_argument("--port")
    s.set_defaults(func=cmd_serve)
    sub.add_parser("settings", help="list settings").set_defaults(func=cmd_settings)
    bk = sub.add_parser("backup", help="online, consistent copy of the SQLite app database")
    bk.add_argument("dest", nargs="?", help="file to write (default: DATA_DIR/backups/…)")
    bk.set_defaults(func=cmd_backup)

    us = sub.add_parser("users", help="console accounts (mediators, duty lawyers, admins)")
    usub = us.add_subparsers(dest="users_cmd", required=True)
    ua = usub.add_parser("add", help="open an account")
    ua.add_argument("username")
    ua.add_argument("--role", required=True, choices=("mediator", "lawyer", "admin"))
    ua.add_argument("--name", required=True, help="the person's name, shown to residents")
    ua.add_argument("--mediator-id", help="the mediator's id on the mediator board")
    ua.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    usub.add_parser("list", help="list the accounts")
    for name, help_ in (("disable", "end an account's sessions and logins"),
                        ("enable", "allow a disabled account again")):
        usub.add_parser(name, help=help_).add_argument("username")
    up_ = usub.add_parser("passwd", help="set a new password")
    up_.add_argument("username")
    up_.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    us.set_defaults(func=cmd_users)

    pg = sub.add_parser("purge", help="delete conversation transcripts past RETENTION_DAYS")
    pg.add_argument("--days", type=int, default=None, help="override RETENTION_DAYS")
    pg.add_argument("--dry-run", action="store_true", help="count, do not delete")
    pg.set_defaults(func=cmd_purge)
    lg = sub.add_parser("ledger", help="the dispute ledger").add_subparsers(
        dest="ledger_cmd", required=True)
    li = lg.add_parser("import", help="check an Excel ledger (a dry run); --commit writes it")
    li.add_argument("file")
    li.add_argument("--commit", action="store_true", help="write the rows (all or none)")
    li.set_defaults(func=cmd_ledger_import)
    md = sub.add_parser("mediators", help="the mediator board's roster")
    msub = md.add_subparsers(dest="mediators_cmd", required=True)
    mi = msub.add_parser("import", help="add or update mediators from a YAML or CSV file "
                         "(all or nothing; errors name the line)")
    mi.add_argument("file")
    mi.add_argument("--dry-run", action="store_true", help="only check the file")
    mi.add_argument("--replace", action="store_true",
                    help="mediators not in the file leave the board")
    msub.add_parser("list", help="list the mediators on the board")
    md.set_defaults(func=cmd_mediators)

    wx = sub.add_parser("wechat", help="the WeChat official account")
    wsub = wx.add_subparsers(dest="wechat_cmd", required=True)
    wm = wsub.add_parser("menu", help="publish the custom menu (labels checked against WeChat's limits)")
    wm.add_argument("--dry-run", action="store_true", help="print the menu, do not publish it")
    wm.set_defaults(func=cmd_wechat_menu)

    args = p.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
