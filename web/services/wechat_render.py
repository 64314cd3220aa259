"""What a resident reads on WeChat, made from the conversation's messages: one text (the
robot's words, a mediator's name before their words, report links on the public URL that open in
WeChat's browser), buttons turned into numbered choices ("回复数字选择：1 …") or a customer-service
menu (msgmenu), split at sentence ends within WeChat's 2,048-byte limit."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape

from knowledge.content.loader import tidy

TEXT_LIMIT = 2000  # bytes of UTF-8 per text message (WeChat's limit is 2,048)
HEAD_LIMIT = 1000  # bytes of a msgmenu's head_content
MAX_OPTIONS = 10  # items of a msgmenu
_SENTENCE = re.compile(r"[^。！？!?；;\n]*(?:[。！？!?；;\n]+|$)")


def nbytes(text: str) -> int:
    return len(text.encode("utf-8"))


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Pieces of at most ``limit`` bytes, cut after a sentence end (。！？；or a line break)
    where one falls; a single longer sentence is cut between characters."""
    text = text.strip()
    if nbytes(text) <= limit:
        return [text] if text else []
    pieces, current = [], ""
    for sentence in (s for s in _SENTENCE.findall(text) if s):
        while nbytes(sentence) > limit:  # one sentence longer than a message
            if current:
                pieces.append(current)
                current = ""
            cut = _fit(sentence, limit)
            pieces.append(sentence[:cut])
            sentence = sentence[cut:]
        if nbytes(current + sentence) > limit:
            pieces.append(current)
            current = ""
        current += sentence
    if current.strip():
        pieces.append(current)
    return [p.strip() for p in pieces if p.strip()]


def _fit(text: str, limit: int) -> int:
    n, used = 0, 0
    for ch in text:
        used += nbytes(ch)
        if used > limit:
            break
        n += 1
    return max(n, 1)


@dataclass
class Rendering:
    body: str  # the words, without the choices
    options: list[dict] = field(default_factory=list)  # [{"n", "title", "payload"}]: numbered
    hint: str = ""  # the choices as words ("也可以回复：不知道 / 算了"), or the numbered list

    def full_text(self) -> str:
        return "\n\n".join(p for p in (self.body, self.hint) if p)

    def passive(self) -> tuple[str, list[tuple[str, dict]]]:
        """The passive reply (one message) and what must follow through the customer-service
        API when the whole does not fit in one."""
        parts = split_text(self.full_text())
        if not parts:
            return "", []
        return parts[0], [("text", {"content": p}) for p in parts[1:]]

    def outbox(self, tail: str) -> list[tuple[str, dict]]:
        """Customer-service messages: texts, the last one a msgmenu when there are choices
        (with the numbered text as its fallback where menus are not allowed)."""
        parts = split_text(self.body)
        if not self.options:
            return [("text", {"content": p}) for p in split_text(self.full_text())]
        head = parts.pop() if parts and nbytes(parts[-1]) <= HEAD_LIMIT else ""
        items = [("text", {"content": p}) for p in parts]
        menu = {"head_content": head or self.hint.split("\n", 1)[0],
                "list": [{"id": str(o["n"]), "content": o["title"][:40]} for o in self.options],
                "tail_content": tail}
        fallback = "\n\n".join(p for p in (head, self.hint) if p)
        items.append(("msgmenu", {"msgmenu": menu, "fallback": fallback}))
        return items


class Renderer:
    def __init__(self, texts: dict, *, auxiliary: tuple[str, ...] = ()):
        self.texts = texts  # knowledge/texts/wechat.yml
        self.auxiliary = set(auxiliary)  # 不知道 / 算了: choices beside a question, not answers

    def say(self, key: str, **values) -> str:
        text = tidy(self.texts[key])
        return text.format(**values) if values else text

    def render(self, messages: list[dict], public_url: str) -> Rendering:
        """One rendering of several messages (a turn's replies, or a mediator's words)."""
        blocks, buttons = [], []
        for m in messages:
            text = (m.get("text") or "").strip()
            if m.get("from") == "mediator" and text:
                name = m.get("author")
                text = (self.say("mediator_prefix", name=name) if name
                        else self.say("staff_prefix")) + text
            if m.get("report_url"):
                url = escape(public_url.rstrip("/") + m["report_url"], quote=True)
                text = f'{text}\n<a href="{url}">{self.say("report_link")}</a>'.strip()
            for link in m.get("links") or []:  # e.g. the mediator board after 预约调解
                if isinstance(link, dict) and str(link.get("url", "")).startswith("/"):
                    url = escape(public_url.rstrip("/") + link["url"], quote=True)
                    title = escape(str(link.get("title") or ""))
                    text = f'{text}\n<a href="{url}">{title}</a>'.strip()
            if text:
                blocks.append(text)
            for b in m.get("buttons") or []:
                if isinstance(b, dict) and b.get("title") and b.get("payload") and \
                        not any(o["payload"] == b["payload"] for o in buttons):
                    buttons.append({"title": str(b["title"]), "payload": str(b["payload"])})
        buttons = buttons[:MAX_OPTIONS]
        out = Rendering(body="\n\n".join(blocks))
        if not buttons:
            return out
        if all(b["title"] in self.auxiliary for b in buttons):
            # the question wants a number or a date: "1" must stay an answer, not a choice
            sep = str(self.texts.get("word_separator", " / "))
            out.hint = self.say("words", words=sep.join(b["title"] for b in buttons))
            return out
        out.options = [{"n": i, **b} for i, b in enumerate(buttons, 1)]
        out.hint = "\n".join([self.say("choose")] + [f"{o['n']} {o['title']}" for o in out.options])
        return out


_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def pick(text: str, options: list[dict], menu_id: str = "") -> dict | None:
    """The choice a typed "1" (１, 1., 一), a tapped menu item or the choice's own words mean."""
    if not options:
        return None
    by_n = {int(o["n"]): o for o in options if str(o.get("n", "")).isdigit()}
    if menu_id.isdigit() and int(menu_id) in by_n:
        return by_n[int(menu_id)]
    word = text.strip().translate(_DIGITS).rstrip(".。、)）")
    n = int(word) if word.isdigit() and len(word) <= 2 else _NUMERALS.get(word)
    if n in by_n:
        return by_n[n]
    plain = word.strip("“”\"' ")
    return next((o for o in options if o["title"] == plain), None)


def checked_menu(buttons: list[dict]) -> dict:
    """``{"button": buttons}`` for WeChat's menu API, after WeChat's limits: 1–3 buttons with
    names up to 16 bytes, at most 5 sub-buttons each with names up to 60 bytes."""
    if not 1 <= len(buttons) <= 3:
        raise ValueError("a WeChat menu has 1 to 3 buttons")
    for b in buttons:
        if not 0 < nbytes(b["name"]) <= 16:
            raise ValueError(f"menu name {b['name']!r} is over 16 bytes")
        subs = b.get("sub_button") or []
        if len(subs) > 5:
            raise ValueError(f"{b['name']!r} has more than 5 sub-buttons")
        for sub in subs:
            if not 0 < nbytes(sub["name"]) <= 60 or len(sub.get("key", "")) > 128:
                raise ValueError(f"sub-button {sub['name']!r} is over WeChat's limits")
    return {"button": buttons}
