#!/usr/bin/env python3
"""Regenerate core/data/t2s.tsv, the traditional -> simplified character table.

Source: OpenCC's TSCharacters.txt (Apache-2.0), as shipped inside the PyPI package
`opencc-python-reimplemented` (also Apache-2.0). Only one-character -> one-character
entries are kept, taking OpenCC's first (preferred) candidate, so that normalization
maps every character to exactly one character and offsets stay trivial to map back.

Usage:  python3 scripts/gen_t2s.py            # downloads the wheel with pip into a temp dir
"""
import pathlib, subprocess, sys, tempfile, zipfile

OUT = pathlib.Path(__file__).resolve().parent.parent / "core" / "data" / "t2s.tsv"

def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp,
                        "opencc-python-reimplemented==0.1.7"], check=True)
        wheel = next(pathlib.Path(tmp).glob("*.whl"))
        with zipfile.ZipFile(wheel) as z:
            text = z.read("opencc/dictionary/TSCharacters.txt").decode("utf-8")
    rows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        trad, cands = line.split("\t", 1)
        simp = cands.split()[0]
        if len(trad) == 1 and len(simp) == 1 and trad != simp:
            rows.append(f"{trad}\t{simp}")
    header = ("# traditional\tsimplified — derived from OpenCC TSCharacters.txt (Apache-2.0)\n"
              "# regenerate: python3 scripts/gen_t2s.py\n")
    OUT.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    print(f"wrote {len(rows)} pairs to {OUT}")

if __name__ == "__main__":
    main()
