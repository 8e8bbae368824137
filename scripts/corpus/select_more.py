"""A second, targeted draw for the triage corpus (ids only; deterministic).

    python3 scripts/corpus/select_more.py >> corpus/selection.tsv

The first draw (select.py) left thin categories: agri_water had 24 labelled messages, utilities
103, construction 111, and village cadres were rare. This draw reads messages not yet in the
selection that mention farming and water works, utilities, building quality and wages, or village
cadres. As in the first draw, the pool only decides what is read; the labels come from reading.
"""
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from texts import load_all  # noqa: E402

HERE = os.path.dirname(__file__)
POOLS = [
    ("agri", 330, r"水渠|灌溉|农田|水库|山塘|种植|养殖|农业|耕地|稻|农机|林地|山林|防汛|堤|鱼塘|果园|茶园|化肥|农药|种子|补贴.{0,4}(农|种)|生猪|渔"),
    ("village", 57, r"村(干部|支书|书记|主任|委|长|会计)|组长|村务|村账|村民小组"),
    ("utilities", 160, r"停电|停水|自来水|供水|供电|电压|燃气|天然气|宽带|信号|网络|水压|水质"),
    ("construction", 120, r"偷工减料|豆腐渣|工程质量|烂尾|停工|施工质量|农民工工资|拖欠工资|欠薪"),
]


def main():
    texts = load_all()
    taken = {line.split("\t")[0] for line in open(os.path.join(HERE, "..", "..", "corpus", "selection.tsv"), encoding="utf-8")}
    seen = {re.sub(r"\s+", "", texts[i])[:200] for i in taken}
    rnd = random.Random(20261130)
    for name, n, pat in POOLS:
        p = re.compile(pat)
        ids = sorted(i for i in texts if not i.startswith("chat:") and i not in taken and len(texts[i]) <= 900 and p.search(texts[i]))
        rnd.shuffle(ids)
        k = 0
        for i in ids:
            if k >= n:
                break
            key = re.sub(r"\s+", "", texts[i])[:200]
            if key in seen:
                continue
            seen.add(key)
            taken.add(i)
            print(f"{i}\t{name}")
            k += 1


if __name__ == "__main__":
    main()
