"""A fourth draw for the triage corpus (ids only; deterministic).

    python3 scripts/corpus/select_fourth.py >> corpus/selection.tsv

Scikit-learn's learning curve on the 9,071-message corpus still rose by about 2.7 points of
category accuracy per doubling of the training part (0.796 at half, 0.823 at all of it), and
misconduct recall stayed the weakest figure. This draw therefore reads:
  - every not yet selected message with a misconduct cue word (村干部, 书记, 举报, 低保, 不作为 …)
    — these are where a flagged report can be; most turn out not to be misconduct, which the
    learner needs to see too ("misconduct2");
  - 5,600 more messages of the four message files uniformly at random ("random4");
  - 800 more chatter lines ("chatter2"), because chatter that reads like a question or a
    complaint is where `other` is lost.
Bodies over 900 characters and texts already drawn (by their first 200 characters) are skipped.
"""
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from texts import load_all  # noqa: E402

HERE = os.path.dirname(__file__)
CUES = re.compile(
    "村干部|书记|村主任|村长|举报|贪|挪用|截留|克扣|优亲厚友|低保|不作为|吃拿卡要|红包|回扣|"
    "好处费|违规|腐败|滥用职权|以权谋私|公款|村委"
)


def main():
    texts = load_all()
    taken = {line.split("\t")[0] for line in open(os.path.join(HERE, "..", "..", "corpus", "selection.tsv"), encoding="utf-8")}
    seen = {re.sub(r"\s+", "", texts[i])[:200] for i in taken}
    rnd = random.Random(20261129)

    def fresh(ids):
        for i in ids:
            key = re.sub(r"\s+", "", texts[i])[:200]
            if key not in seen:
                seen.add(key)
                yield i

    messages = sorted(i for i in texts if not i.startswith("chat:") and i not in taken and len(texts[i]) <= 900)
    cued = [i for i in messages if CUES.search(texts[i])]
    picked = [(i, "misconduct2") for i in fresh(cued)]
    rest = [i for i in messages if not CUES.search(texts[i])]
    rnd.shuffle(rest)
    picked += [(i, "random4") for i, _ in zip(fresh(rest), range(5600))]
    chatter = sorted(i for i in texts if i.startswith("chat:") and i not in taken)
    rnd.shuffle(chatter)
    picked += [(i, "chatter2") for i, _ in zip(fresh(chatter), range(800))]
    for i, why in picked:
        print(f"{i}\t{why}")


if __name__ == "__main__":
    main()
