"""The mediator console (contract 4 of DESIGN.md): pages under ``/console/``, JSON under
``/api/console/``. Views only translate HTTP into calls of ``web/services`` (accounts, console,
handoffs); who may call what is decided by :func:`role_required`, in one place.
"""
from __future__ import annotations

import datetime as dt
import time
from functools import wraps
from urllib.parse import urlparse

from flask import (Blueprint, current_app, flash, jsonify, redirect, render_template, request,
                   session, url_for)
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from wtforms import HiddenField, PasswordField, StringField, TextAreaField

from knowledge import settings
from knowledge.content.loader import tidy

from ..security import client_address
from ..services.accounts import ROLES, AccountError
from ..services.handoffs import DeskError
from . import json_object

bp = Blueprint("console", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()
STAFF = ROLES  # mediator, lawyer, admin
POLL_HEADER = "X-Console-Poll"  # background polls do not count as activity (idle timeout)


def _ext(name: str):
    return current_app.extensions[name]


def _texts() -> dict:
    return _ext("knowledge").texts["console"]


def refusal(status: int, code: str, retry_after: int | None = None, **values):
    message = tidy(_texts()["errors"][code]).format(**values)
    resp = jsonify({"error": code, "message": message})
    resp.status_code = status
    if retry_after:
        resp.headers["Retry-After"] = str(retry_after)
    return resp


class _Sessions(SecureCookieSessionInterface):
    """The session cookie: HttpOnly, SameSite=Lax, Secure when the request came over HTTPS
    (``COOKIE_SECURE=auto``) or always (``1``)."""

    def get_cookie_secure(self, app) -> bool:
        mode = app.config["LEGALBOT_COOKIE_SECURE"]
        return mode == "1" or (mode == "auto" and request.is_secure)


def init_app(app, overrides: dict) -> None:
    """Sessions, Flask-Login and CSRF for the console; the JSON errors of the desk."""
    idle = int(settings.get("CONSOLE_IDLE_MINUTES", overrides))
    app.config.update(
        WTF_CSRF_CHECK_DEFAULT=False,  # checked by role_required: the chat API has no session
        WTF_CSRF_TIME_LIMIT=None,  # a token lives as long as its session
        SESSION_COOKIE_NAME="legalbot_console", SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax", PERMANENT_SESSION_LIFETIME=dt.timedelta(minutes=idle),
        LEGALBOT_COOKIE_SECURE=settings.get("COOKIE_SECURE", overrides), CONSOLE_IDLE=idle * 60)
    app.session_interface = _Sessions()
    csrf.init_app(app)
    login_manager.init_app(app)
    app.register_error_handler(DeskError, lambda e: (jsonify(
        {"error": e.code, "message": e.message}), e.status))


@login_manager.user_loader
def _load_user(session_id: str):
    return _ext("accounts").load(session_id)


def _is_api() -> bool:
    return request.path.startswith("/api/")


def role_required(*roles: str):
    """Logged in (and not idle longer than CONSOLE_IDLE_MINUTES), one of ``roles``, and a valid
    CSRF token (header ``X-CSRF-Token`` or the form's field) on every state-changing request."""
    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            now = time.time()
            seen = session.get("seen")
            if current_user.is_authenticated and (
                    seen is None or now - seen > current_app.config["CONSOLE_IDLE"]):
                logout_user()
                session.clear()
            if not current_user.is_authenticated:
                if _is_api():
                    return refusal(401, "login_required")
                return redirect(url_for("console.login_page", next=request.path))
            if current_user.role not in roles:
                if _is_api():
                    return refusal(403, "forbidden")
                return render_template("console/denied.html", labels=_texts()["labels"]), 403
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                try:
                    csrf.protect()
                except CSRFError:
                    return refusal(403, "csrf")
            if not request.headers.get(POLL_HEADER):
                session["seen"] = now
            return view(*args, **kwargs)
        wrapped.roles = roles
        return wrapped
    return decorate


def _start_session(account) -> None:
    session.clear()
    login_user(account)
    session.permanent = True
    session["seen"] = time.time()


def _body() -> dict:
    body = json_object()
    if body is None:
        raise _ext("desk").error(400, "bad_request")
    return body


# -- logging in and out ---------------------------------------------------------------------------
@bp.post("/api/console/login")
def api_login():
    body = request.get_json(silent=True) if request.is_json else None
    if not (isinstance(body, dict) and isinstance(body.get("username"), str)
            and isinstance(body.get("password"), str)):
        return refusal(400, "bad_request")
    try:
        account = _ext("accounts").authenticate(body["username"], body["password"],
                                                client_address())
    except AccountError as e:
        return refusal(e.status, e.code, e.retry_after, **e.values)
    _start_session(account)
    return jsonify({"user": account.public(), "csrf_token": generate_csrf()})


@bp.post("/api/console/logout")
@role_required(*STAFF)
def api_logout():
    logout_user()
    session.clear()
    return jsonify({"ok": True})


@bp.get("/api/console/me")
@role_required(*STAFF)
def api_me():
    return jsonify({"user": current_user.public(), "csrf_token": generate_csrf()})


class LoginForm(FlaskForm):
    username = StringField("用户名")
    password = PasswordField("密码")


def _formdata():
    """Forms read only form fields (Flask-WTF would read a JSON body as the form)."""
    return request.form if request.method == "POST" else None


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/console/") and not urlparse(target).netloc \
            and "\\" not in target:
        return target
    return url_for("console.queue_page")


@bp.route("/console/login", methods=["GET", "POST"])
def login_page():
    form = LoginForm(formdata=_formdata())
    status, retry = 200, None
    if form.validate_on_submit():
        try:
            account = _ext("accounts").authenticate(form.username.data or "",
                                                    form.password.data or "", client_address())
        except AccountError as e:
            status, retry = e.status, e.retry_after
            flash(tidy(_texts()["errors"][e.code]).format(**e.values))
        else:
            _start_session(account)
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 403
        flash(tidy(_texts()["errors"]["csrf"]))
    resp = current_app.make_response((render_template("console/login.html", form=form), status))
    if retry:
        resp.headers["Retry-After"] = str(retry)
    return resp


@bp.post("/console/logout")
@role_required(*STAFF)
def logout_page():
    logout_user()
    session.clear()
    return redirect(url_for("console.login_page"))


# -- pages ----------------------------------------------------------------------------------------
def _page(template: str, **values):
    labels = {**_texts()["labels"], "cases": {c.id: c.title for c in
                                              _ext("knowledge").case_types.values()}}
    return render_template(template, user=current_user, labels=labels, **values)


@bp.get("/console/")
@role_required(*STAFF)
def queue_page():
    return _page("console/queue.html")


@bp.get("/console/conversations/<conv_id>")
@role_required(*STAFF)
def conversation_page(conv_id: str):
    return _page("console/conversation.html", conv_id=conv_id)


class UserForm(FlaskForm):
    action = HiddenField(default="add")
    username = StringField("用户名")
    name = StringField("姓名")
    role = StringField("角色")
    mediator_id = StringField("调解员编号（可不填）")
    password = PasswordField("密码（至少10位）")


@bp.route("/console/users", methods=["GET", "POST"])
@role_required("admin")
def users_page():
    form = UserForm(formdata=_formdata())
    accounts = _ext("accounts")
    if request.method == "POST" and form.validate():
        action, username = form.action.data, (form.username.data or "").strip()
        try:
            if action == "add":
                accounts.add(username, role=form.role.data, name=form.name.data or "",
                             password=form.password.data or "",
                             mediator_id=form.mediator_id.data)
            elif action == "edit":
                accounts.edit(username, role=form.role.data, name=form.name.data or "",
                              mediator_id=form.mediator_id.data)
            elif action == "passwd":
                accounts.set_password(username, form.password.data or "")
            elif action in ("disable", "enable"):
                if username == current_user.username and action == "disable":
                    raise AccountError(400, "forbidden")
                getattr(accounts, action)(username)
            flash("ok:" + action)
        except AccountError as e:
            flash(tidy(_texts()["errors"][e.code]).format(**e.values))
        return redirect(url_for("console.users_page"))
    return _page("console/users.html", form=form, users=accounts.users(), roles=ROLES)


class CannedForm(FlaskForm):
    action = HiddenField(default="save")
    key = StringField("编号")
    title = StringField("标题")
    text = TextAreaField("内容")


@bp.route("/console/canned", methods=["GET", "POST"])
@role_required("admin")
def canned_page():
    form = CannedForm(formdata=_formdata())
    if request.method == "POST" and form.validate():
        try:
            _ext("console").save_canned(current_user, form.key.data or "", form.title.data,
                                        form.text.data, hidden=form.action.data == "hide")
            flash("ok:" + (form.action.data or "save"))
        except DeskError as e:
            flash(e.message)
        return redirect(url_for("console.canned_page"))
    return _page("console/canned.html", form=form, replies=_ext("console").canned())


# -- the JSON API ---------------------------------------------------------------------------------
@bp.get("/api/console/queue")
@role_required(*STAFF)
def api_queue():
    chat = _ext("chat")
    for conv_id in _ext("desk").owed(limit=5):  # resumes Rasa missed while it was down
        chat.settle(conv_id)
    items = _ext("console").queue(current_user, request.args.get("view", "waiting"))
    return jsonify({"items": items})


@bp.get("/api/console/conversations/<conv_id>")
@role_required(*STAFF)
def api_conversation(conv_id: str):
    return jsonify(_ext("console").conversation(conv_id, current_user))


@bp.post("/api/console/conversations/<conv_id>/claim")
@role_required(*STAFF)
def api_claim(conv_id: str):
    _ext("desk").claim(conv_id, current_user)
    return jsonify(_ext("console").conversation(conv_id, current_user))


@bp.post("/api/console/conversations/<conv_id>/messages")
@role_required(*STAFF)
def api_reply(conv_id: str):
    return jsonify({"message": _ext("desk").reply(conv_id, current_user, _body().get("text"))})


@bp.post("/api/console/conversations/<conv_id>/notes")
@role_required(*STAFF)
def api_note(conv_id: str):
    return jsonify({"note": _ext("desk").note(conv_id, current_user, _body().get("text"))})


@bp.post("/api/console/conversations/<conv_id>/handback")
@role_required(*STAFF)
def api_handback(conv_id: str):
    _ext("desk").handback(conv_id, current_user)
    _ext("chat").settle(conv_id)  # Rasa resumes now, or when it is back
    return jsonify({"ok": True, "status": "active"})


@bp.post("/api/console/conversations/<conv_id>/close")
@role_required(*STAFF)
def api_close(conv_id: str):
    body = _body()
    _ext("desk").close(conv_id, current_user, body.get("outcome"), body.get("note"))
    _ext("chat").settle(conv_id)
    return jsonify({"ok": True, "status": "closed"})


@bp.post("/api/console/conversations/<conv_id>/transfer")
@role_required(*STAFF)
def api_transfer(conv_id: str):
    _ext("desk").transfer(conv_id, current_user, _body().get("to"))
    return jsonify({"ok": True})


@bp.get("/api/console/canned")
@role_required(*STAFF)
def api_canned():
    return jsonify({"replies": _ext("console").canned()})


@bp.get("/api/console/staff")
@role_required(*STAFF)
def api_staff():
    return jsonify({"users": [{"username": a.username, "name": a.name, "role": a.role}
                              for a in _ext("accounts").users() if a.active]})
