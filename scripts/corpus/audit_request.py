#!/usr/bin/env python3
"""What the message asks for, and where the reply touches it: an error-analysis tool for the
reply audit, on the TRAINING part of the gold only (FNV-1a 64 of the id mod 5 != 0; held-out
items are dropped when the labels are read and never printed).

    target/release/suqiu audit ../shared/data/messages/replies.jsonl > /tmp/x/pred.jsonl
    python3 scripts/corpus/audit_request.py errors --pred /tmp/x/pred.jsonl   # disagreements
    python3 scripts/corpus/audit_request.py gates  --pred /tmp/x/pred.jsonl   # fixed / broken

The request: the title, the clause after 希望/要求/请求/恳请/请/能否/何时/为什么/… of each
sentence, and the question sentences; its salient words are character bigrams minus the
profile's generic_bigrams, boilerplate and bigrams with a function character. Each clause of
the reply (split at ，；。！？：) holding request words is a restatement (您反映…的问题), a
future step (a deferral or promise phrase of the profile, 将/拟, and no 已/了), a done
clause (已, 了, 完成, 经查, 发现… or a fact or action element), or other. `gates` counts, for
each candidate gate, the training verdicts it would fix and break (poor-or-not), as recorded
in docs/audit.md; none was kept but the when-question rule, which is in the engine.
"""
import argparse
import collections
import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def fnv1a64(s):
    h = 0xCBF29CE484222325
    for b in s.encode():
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def is_train(i):
    return fnv1a64(i) % 5 != 0


PHRASES = tomllib.load(open(ROOT / "core/profiles/zhuzhou/audit.toml", "rb"))["phrases"]
GENERIC = set(PHRASES["generic_bigrams"]) | set(
    "有关 部门 领导 解决 尽快 希望 政府 请求 恳请 能否 是否 为什么 何时 什么 时候 一下 这样 "
    "那么 现在 目前 还是 可以 不能 能够 应该 得到 给予 我们 大家 老百 百姓 业主 居民 村民 小区 "
    "问题 情况 谢谢 感谢".split())
FUNCTION = set("的了是在和与及对向由把被从为等或并后到让该各有无其此这那所于以因而即就也都又还"
               "再则吗呢吧啊呀么我你您他她们请能否希望要求个一不没很太更最多少")
TRIGGERS = ["希望", "要求", "请求", "恳请", "恳求", "请问", "请", "能否", "能不能", "可否", "何时",
            "什么时候", "为什么", "为何", "是否", "怎么", "如何", "呼吁", "建议", "盼望", "尽快"]
RESTATE = re.compile(r"(您|你|网友|来信人|留言人|市民|群众)[^，,。；]{0,8}(反映|来信|留言|咨询|所述|提出|"
                     r"投诉|举报|提到|询问|建议|所提)|关于[^，,。]{0,40}(问题|的留言|的来信|一事|的建议)")
FUTURE = PHRASES["deferral"] + PHRASES["future"] + ["将", "拟"]
DONE = re.compile(r"已|了|完成|完毕|查明|经查|经核|发现")
CLAUSE = re.compile(r"[，,；;。!?！？\n：:]")


def cjk(c):
    return "\u4e00" <= c <= "\u9fff"


def salient(text):
    out, run = set(), ""
    for c in text + "#":
        if cjk(c):
            run += c
            continue
        for k in range(len(run) - 1):
            b = run[k:k + 2]
            if b not in GENERIC and b[0] not in FUNCTION and b[1] not in FUNCTION:
                out.add(b)
        run = ""
    return out


def request(title, text):
    parts = [title]
    for s in re.split(r"[。！!？?；;\n]", text):
        for t in TRIGGERS:
            k = s.find(t)
            if k >= 0:
                parts.append(s[k:])
                break
    parts += re.findall(r"[^。！!？?；;\n]*[？?]", text)
    return salient(" ".join(parts))


def coverage(row, pred):
    """Request words by the kind of reply clause they first count in."""
    reply = row["reply"]
    req = request(row.get("title", ""), row.get("text", ""))
    raw = reply.encode()
    elements = [(len(raw[:e["start"]].decode(errors="ignore")), e["label"]) for e in pred["elements"]]
    kinds = collections.defaultdict(set)
    start = 0
    for m in list(CLAUSE.finditer(reply)) + [None]:
        end = m.start() if m else len(reply)
        t = reply[start:end]
        words = salient(t) & req
        labels = {l for x, l in elements if start <= x < end}
        start = m.end() if m else end
        if not words:
            continue
        if RESTATE.search(t):
            kinds["restated"] |= words
        elif any(p in t for p in FUTURE) and not re.search("已|了", t):
            kinds["future"] |= words
        elif DONE.search(t) or labels & {"facts", "action", "date", "rule"}:
            kinds["done"] |= words
        else:
            kinds["other"] |= words
    done = kinds["done"]
    fut = kinds["future"] - done
    return dict(done=len(done), future=len(fut), restated=len(kinds["restated"] - done - fut),
                other=len(kinds["other"] - done - fut), content=pred["content_chars"],
                date=any(e["label"] == "date" for e in pred["elements"]),
                strict_deferral=any(p in reply for p in PHRASES["deferral"]))


def load(args):
    gold = {}
    for line in open(args.labels):
        v = json.loads(line)
        if is_train(v["id"]):  # held-out items are never kept
            gold[v["id"]] = v
    data = {}
    for line in open(Path(args.data) / "messages/replies.jsonl"):
        v = json.loads(line)
        if v["id"] in gold:
            data[v["id"]] = v
    pred = {}
    for line in open(args.pred):
        v = json.loads(line)
        if v["id"] in gold:
            pred[v["id"]] = v
    return gold, data, pred


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["errors", "gates"])
    ap.add_argument("--pred", required=True, help="suqiu audit output over replies.jsonl")
    ap.add_argument("--labels", default=str(ROOT / "corpus/audit_labels.jsonl"))
    ap.add_argument("--data", default=str(ROOT.parent / "shared/data"))
    args = ap.parse_args()
    gold, data, pred = load(args)
    if args.command == "errors":
        for i, g in gold.items():
            p = pred[i]
            if (g["verdict"] == "substantive") == (p["verdict"] == "substantive"):
                continue
            row = data[i]
            print(f"== {i} gold {g['verdict']} {g['flags']} predicted {p['verdict']} {p['flags']}"
                  f" request {coverage(row, p)}")
            print("message:", row.get("title", ""), "|", re.sub(r"\s+", " ", row["text"])[:300])
            print("reply:", re.sub(r"\s+", " ", row["reply"])[:600])
        return
    gates = {
        "request only in future steps, none in a done clause":
            lambda c: c["future"] > 0 and c["done"] == 0,
        "the same, and no date":
            lambda c: c["future"] > c["done"] and c["done"] == 0 and not c["date"],
        "more request words in future steps than in done clauses, no date":
            lambda c: c["future"] > c["done"] and not c["date"],
        "a deferral phrase, request words in no done clause, no date":
            lambda c: c["strict_deferral"] and c["done"] == 0 and c["future"] > 0 and not c["date"],
        "long (>= 100) and no request word in a done clause (sidestepped)":
            lambda c: c["done"] == 0 and c["content"] >= 100,
        "request words only in the restatement (>= 60)":
            lambda c: c["restated"] > 0 and c["done"] + c["future"] + c["other"] == 0
            and c["content"] >= 60,
    }
    cov = {i: coverage(data[i], pred[i]) for i in gold}
    print("gate (predicted substantive -> poor): fixed / broken on the training part")
    for name, gate in gates.items():
        hit = [i for i in gold if pred[i]["verdict"] == "substantive" and gate(cov[i])]
        fixed = sum(gold[i]["verdict"] != "substantive" for i in hit)
        print(f"  {name}: {fixed} / {len(hit) - fixed}")
    print("rescue (predicted poor -> substantive when the request is answered in a done clause)")
    for k in (1, 3, 5):
        hit = [i for i in gold if pred[i]["verdict"] != "substantive" and cov[i]["done"] >= k]
        fixed = sum(gold[i]["verdict"] == "substantive" for i in hit)
        print(f"  >= {k} request words: {fixed} / {len(hit) - fixed}")


if __name__ == "__main__":
    sys.exit(main())
