"""Chooses which real messages the triage corpus labels (ids only; deterministic).

    python3 scripts/corpus/select.py > corpus/selection.txt

Pools, each sampled with a fixed seed, duplicates (same normalized text) dropped:
  chatter      1,100 random lines of chatter/chatter.jsonl (kind `other` candidates)
  misconduct   1,300 messages matching words that often come with an official's misconduct
  inquiry        420 messages phrased as questions about rules, procedures, entitlements
  thanks         150 messages with thanks or praise
  random       1,450 messages from all four message files (titles and bodies)
The pools only decide what is read; the labels come from reading (docs/annotation.md).
Bodies over 900 characters are skipped: village posts are short, and labellers read the whole text.
"""
import random
import re
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
from texts import load_all  # noqa: E402

MISCONDUCT = re.compile(
    r"村干部|村支书|村书记|支部书记|村主任|村长|村委|镇干部|乡干部|镇政府|乡政府|街道办|领导干部|"
    r"贪污|挪用|截留|克扣|优亲厚友|受贿|索要|吃拿卡要|好处费|红包|侵占|私分|滥用职权|公款|虚报|冒领|"
    r"账目|财务公开|推诿|不作为|乱作为|关系户|腐败|以权谋私|徇私|包庇|中饱私囊|吃空饷|违纪|纪委|"
    r"低保.{0,12}(亲戚|关系|家属)|(亲戚|关系|家属).{0,12}低保"
)
INQUIRY = re.compile(r"咨询|请问|怎么办理|如何办理|是否可以|能否|需要什么|什么条件|政策|规定|怎么申请|如何申请")
THANKS = re.compile(r"感谢|表扬|点赞|致敬|谢谢|为.{0,10}点赞|好评")


def main():
    texts = load_all()
    rnd = random.Random(20261129)
    seen = set()
    chosen = []

    def take(ids, n, pool):
        rnd.shuffle(ids)
        k = 0
        for i in ids:
            if k >= n:
                break
            key = re.sub(r"\s+", "", texts[i])[:200]
            if key in seen:
                continue
            seen.add(key)
            chosen.append((i, pool))
            k += 1

    chat = sorted(i for i in texts if i.startswith("chat:"))
    msgs = sorted(i for i in texts if not i.startswith("chat:") and len(texts[i]) <= 900)
    take(chat, 1100, "chatter")
    take([i for i in msgs if MISCONDUCT.search(texts[i])], 1300, "misconduct")
    take([i for i in msgs if INQUIRY.search(texts[i])], 420, "inquiry")
    take([i for i in msgs if THANKS.search(texts[i])], 150, "thanks")
    take(list(msgs), 1450, "random")
    for i, pool in chosen:
        print(f"{i}\t{pool}")


if __name__ == "__main__":
    main()
