"""The demo host page and the widget script."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template

bp = Blueprint("pages", __name__, static_folder="../static", static_url_path="/static",
               template_folder="../templates")


@bp.get("/")
def demo():
    return render_template("demo.html")


@bp.get("/widget.js")
def widget():
    return bp.send_static_file("widget.js") if bp.static_folder else ("", 404)


@bp.get("/livez")
def livez():
    return jsonify({"status": "ok"})
