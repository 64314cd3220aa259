"""Fit the retrieval parameters of knowledge/scope/retrieval.yml on the DEV half of the judged
set (never the test half), and print them as YAML to paste:

    .venv/bin/python -m retrieval.tuning [--index DIR] [--keep 0.96] [--lenient 0.85]

1. fusion weights (dense_weight, bm25_weight, domain_bonus): a small grid, for the share of
   answerable questions whose best FAQ answers them (ties: the share with one in the top three);
2. scope: a logistic regression (balanced classes) of "out of scope" on the classifier's logit,
   the out-of-scope keyword groups and the in-domain words; the threshold is the lowest that
   keeps ``--keep`` of the in-domain questions in scope;
3. answer: a logistic regression of "the best FAQ answers it" on its log-probability and lead;
   the threshold is the lowest at which the confident answers are at least partly right for
   ``--lenient`` of them (strict precision is reported beside it);
4. statutes: a small grid for the share of questions with named articles that get one of them
   among the first five citations (needs ../shared/data/dev_questions.jsonl).
"""
from __future__ import annotations

import argparse
import itertools
import json
import math
from pathlib import Path

import numpy as np

from .judged import cited_articles, half_of, load_judged


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _fit(x: np.ndarray, y: np.ndarray, balanced: bool):
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1.0, class_weight="balanced" if balanced else None)
    model.fit(x, y)
    return [float(v) for v in model.coef_[0]], float(model.intercept_[0])


def tune(retriever, rows: list[dict], cited: dict, *, keep: float, lenient: float) -> dict:
    rows = [r for r in rows if half_of(r["id"]) == "dev"]
    sig = {r["id"]: retriever.signals(r["question"]) for r in rows}
    faq = retriever._faq
    answerable = [r for r in rows if r["label"] == "answered"]
    out: dict = {}

    # 1. fusion
    best = None
    for dw, bw, bonus in itertools.product((2.0, 3.0, 4.0), (0.3, 0.5, 1.0), (0.0, 0.5, 1.0, 2.0)):
        retriever.params.update(dense_weight=dw, bm25_weight=bw, domain_bonus=bonus)
        top1 = top3 = 0
        for r in answerable:
            s = sig[r["id"]]
            domain = retriever.decide(r["question"], s["probs"])[1].domain
            _, order = retriever.faq_order(retriever.fused(s), domain)
            ids = [retriever.index.entries[e]["id"] for e in order[:3]]
            top1 += ids[0] in r["answers"]
            top3 += bool(set(ids) & set(r["answers"]))
        key = (top1, top3)
        if best is None or key > best[0]:
            best = (key, dw, bw, bonus)
    (top1, top3), dw, bw, bonus = best
    retriever.params.update(dense_weight=dw, bm25_weight=bw, domain_bonus=bonus)
    out["fusion"] = {"dense_weight": dw, "bm25_weight": bw, "domain_bonus": bonus,
                     "top1": round(top1 / len(answerable), 3),
                     "top3": round(top3 / len(answerable), 3)}

    # 2. scope
    feats, labels = [], []
    for r in rows:
        probs = sig[r["id"]]["probs"]
        groups, words = retriever.keywords.hits(r["question"])
        feats.append([_logit(float(probs[~faq].sum())), min(len(groups), 2),
                      min(sum(words.values()), 3)])
        labels.append(r["domain"] == "other")
    x, y = np.array(feats), np.array(labels)
    (w_model, w_out, w_in), bias = _fit(x, y, balanced=True)
    z = bias + x @ np.array([w_model, w_out, w_in])
    threshold = float(np.quantile(z[~y], keep))
    out["scope"] = {"bias": round(bias, 3), "model": round(w_model, 3),
                    "out_words": round(w_out, 3), "in_words": round(w_in, 3),
                    "threshold": round(threshold, 3),
                    "kept": round(float((z[~y] < threshold).mean()), 3),
                    "rejected": round(float((z[y] >= threshold).mean()), 3)}
    retriever.params["scope"].update({k: out["scope"][k] for k in
                                      ("bias", "model", "out_words", "in_words", "threshold")})

    # 3. answer calibration
    feats, right, ok = [], [], []
    for r in rows:
        if r["domain"] == "other":
            continue
        s = sig[r["id"]]
        probs = s["probs"]
        domain = retriever.decide(r["question"], probs)[1].domain
        faq_score, order = retriever.faq_order(retriever.fused(s), domain)
        top = retriever.index.entries[order[0]]["id"]
        feats.append(retriever.answer_features(probs, faq_score, order))
        right.append(top in r["answers"])
        ok.append(top in r["answers"] + r["partly"])
    x, right, ok = np.array(feats), np.array(right), np.array(ok)
    (w_lp, w_margin), bias = _fit(x, right, balanced=False)
    p = 1 / (1 + np.exp(-(bias + x @ np.array([w_lp, w_margin]))))
    chosen = None
    for t in np.round(np.arange(0.2, 0.9, 0.025), 3):
        sel = p >= t
        if sel.sum() >= 5 and ok[sel].mean() >= lenient:
            chosen = float(t)
            break
    chosen = chosen if chosen is not None else 0.5
    sel = p >= chosen
    curve = {f"{t:.2f}": [round(float(right[p >= t].mean()), 3), round(float(ok[p >= t].mean()), 3),
                          round(float((p >= t).mean()), 3)]
             for t in (0.2, 0.3, 0.4, 0.5, 0.6) if (p >= t).sum()}
    out["answer"] = {"curve (threshold: strict, lenient, share answered)": curve,
                     "bias": round(bias, 3), "log_p": round(w_lp, 3),
                     "margin": round(w_margin, 3), "threshold": chosen,
                     "precision": round(float(right[sel].mean()), 3) if sel.any() else None,
                     "precision_lenient": round(float(ok[sel].mean()), 3) if sel.any() else None,
                     "answered_share": round(float(sel.mean()), 3)}
    retriever.params["answer"].update({k: out["answer"][k]
                                       for k in ("bias", "log_p", "margin", "threshold")})

    # 4. statutes
    with_laws = [r for r in rows if r["domain"] != "other" and cited.get(r["id"])]
    if with_laws:
        best = None
        for wf, wd, wk, lb in itertools.product((1.0, 2.0), (0.0, 0.5, 1.0, 2.0), (0.0, 0.3, 1.0),
                                                (0.0, 0.2, 0.5)):
            retriever.params["statutes"].update(faq=wf, dense=wd, keyword=wk, law_bonus=lb)
            retriever.statutes.params = retriever.params["statutes"]
            hits = 0
            for r in with_laws:
                res = retriever.respond(r["question"], sig[r["id"]])
                got = {(c["law"], c["article"]) for c in res["citations"][:5]}
                hits += bool(got & cited[r["id"]])
            if best is None or hits > best[0]:
                best = (hits, wf, wd, wk, lb)
        hits, wf, wd, wk, lb = best
        out["statutes"] = {"faq": wf, "dense": wd, "keyword": wk, "law_bonus": lb,
                           "hit_at_5": round(hits / len(with_laws), 3), "questions": len(with_laws)}
    return out


def main(argv: list[str] | None = None) -> int:
    from knowledge import settings

    from .service import open_retriever

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", default=None, help="index folder (default: the configured one)")
    ap.add_argument("--judged", default=str(settings.ROOT / "knowledge/eval/judged.jsonl"))
    ap.add_argument("--keep", type=float, default=0.96, help="share of in-domain kept in scope")
    ap.add_argument("--lenient", type=float, default=0.85,
                    help="share of confident answers that must be at least partly right")
    args = ap.parse_args(argv)
    retriever = open_retriever(Path(args.index) if args.index else settings.index_dir(),
                               encoder=settings.get("ENCODER"))
    faq_ids = {e["id"] for e in retriever.index.entries if e["kind"] == "faq"}
    rows = load_judged(Path(args.judged), faq_ids)
    dev_file = settings.ROOT.parent / "shared/data/dev_questions.jsonl"
    cited = cited_articles(dev_file if dev_file.exists() else None, retriever.store)
    print(json.dumps(tune(retriever, rows, cited, keep=args.keep, lenient=args.lenient),
                     ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
