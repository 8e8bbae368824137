#!/usr/bin/env python3
"""Derives core/data/former-names.tsv from the shared divisions data.

Regenerate (from the project root, with ../shared/data present):

    python3 scripts/gen_former_names.py ../shared/data/divisions/changes.csv \
        ../shared/data/divisions/china.csv > core/data/former-names.tsv

Input: changes.csv (old_code,old_name,old_level,new_code,new_name,year,kind,source: names that
units had before a rename, upgrade, move or merger, levels 2-4, mapped to the unit of china.csv
that holds the territory now) and china.csv (only its codes, to place each old unit's parent).

Output, one former name per line, tab-separated, sorted, with a header:
    name  target_code  anchor_code
- name: the old name as written (襄樊市, 辽中县, 江东区, 跳马镇);
- target_code: the current unit that holds it now (4206 襄阳市, 210115 辽中区, ...);
- anchor_code: the current unit that holds the old unit's parent, i.e. where a text of the
  time places it (430121 长沙县 for the former 长沙县跳马镇, now 雨花区跳马镇); empty when the
  old parent cannot be placed. The resolver lets a former name join an address chain through
  either code.
Rows that say nothing new (same name, same parent: a code change only) are left out.
"""
import csv
import sys


def main(changes_path, china_path):
    codes = {}
    with open(china_path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if int(row["level"]) <= 4:
                codes[row["code"]] = row["name"]
    # Where each old code went, to place an old parent that is itself gone.
    went = {}
    rows = []
    with open(changes_path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            went.setdefault(row["old_code"], row["new_code"])
            rows.append(row)
    out = set()
    for row in rows:
        old_code, name, level = row["old_code"], row["old_name"], int(row["old_level"])
        parent = {2: old_code[:2], 3: old_code[:4], 4: old_code[:6]}[level]
        anchor = parent if parent in codes else went.get(parent, "")
        new_code = row["new_code"]
        new_parent = {2: 2, 4: 4, 6: 4, 9: 6}[len(new_code)]
        if name == row["new_name"] and anchor == new_code[:new_parent]:
            continue
        if len(name) < 2:
            continue
        out.add((name, new_code, anchor))
    w = sys.stdout
    w.write("name\ttarget_code\tanchor_code\n")
    for r in sorted(out):
        w.write("\t".join(r) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
