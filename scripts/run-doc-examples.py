#!/usr/bin/env python3
"""Runs every code example of the given Markdown files, so that none of them can drift.

Usage: run-doc-examples.py [--python PY] [--python-full PY] FILE.md...

Each fenced block is handled by its info string (first word = language, then attributes):

  rust            skipped here: core/src/lib.rs includes README.md and docs/*.md as doc tests
  sh              run with bash -euo pipefail (suqiu from target/release first on PATH)
  python          run with --python (a fresh venv holding only `pip install ./python`)
  python full     run with --python-full (a venv with the pandas and sklearn extras)
  c file=NAME     written to NAME, for a later sh block to compile
  json output     must equal, value by value, the first lines the previous sh block printed
  sh needs-shared run from the repository root when ../shared (the data folder beside the
                  clone) exists, else only checked for syntax, with a note
  ... no-run      only checked for syntax (bash -n, compile()): long benchmarks, the test
                  command itself, commands that need ../shared when it is absent
  text, toml, tsv not code: ignored

The blocks of one file run in order in a scratch directory of their own that holds a symlink to
every top-level entry of the repository, so that paths in the examples read as from the root of
a clone (examples/messages.jsonl, include/suqiu.h) while what they write stays in the scratch.
HOME is the scratch's home/, so an install into "$HOME/.local" stays there too.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FENCE = re.compile(r"^```(\S*)([^\n]*)\n(.*?)^```\s*$", re.S | re.M)
IGNORED = {"text", "toml", "tsv", "console", "csv"}


def blocks(path):
    text = open(path, encoding="utf-8").read()
    for m in FENCE.finditer(text):
        line = text[: m.start()].count("\n") + 1
        lang, attrs = m.group(1), m.group(2).split()
        yield line, lang, attrs, m.group(3)


def json_values(text):
    dec, i, out = json.JSONDecoder(), 0, []
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return out
        v, i = dec.raw_decode(text, i)
        out.append(v)


def main(argv):
    python, python_full, files = sys.executable, None, []
    it = iter(argv)
    for a in it:
        if a == "--python":
            python = next(it)
        elif a == "--python-full":
            python_full = next(it)
        else:
            files.append(a)
    env = dict(os.environ)
    env["PATH"] = os.path.join(ROOT, "target", "release") + os.pathsep + env["PATH"]
    # HOME moves to the scratch below; the Rust toolchain stays where it is.
    home = os.path.expanduser("~")
    env.setdefault("RUSTUP_HOME", os.path.join(home, ".rustup"))
    env.setdefault("CARGO_HOME", os.path.join(home, ".cargo"))
    ran = skipped = 0
    failures = []
    for md in files:
        scratch = tempfile.mkdtemp(prefix="suqiu-docs-")
        for entry in os.listdir(ROOT):
            if not entry.startswith("."):
                os.symlink(os.path.join(ROOT, entry), os.path.join(scratch, entry))
        os.makedirs(os.path.join(scratch, "home"))
        benv = dict(env, HOME=os.path.join(scratch, "home"))
        last_stdout = ""
        for line, lang, attrs, code in blocks(md):
            where = f"{os.path.relpath(md, ROOT)}:{line}"
            files_attr = [a[5:] for a in attrs if a.startswith("file=")]
            try:
                if lang == "rust" or lang in IGNORED:
                    continue
                if files_attr:
                    with open(os.path.join(scratch, files_attr[0]), "w", encoding="utf-8") as f:
                        f.write(code)
                    continue
                shared = os.path.isdir(os.path.join(ROOT, "..", "shared"))
                if "needs-shared" in attrs and not shared:
                    print(f"{where}: skipped, ../shared is not beside the clone", file=sys.stderr)
                    attrs = attrs + ["no-run"]
                if "no-run" in attrs:
                    if lang == "sh":
                        subprocess.run(["bash", "-n"], input=code, text=True, check=True)
                    elif lang == "python":
                        compile(code, where, "exec")
                    skipped += 1
                    continue
                if lang == "sh":
                    cwd = ROOT if "needs-shared" in attrs else scratch
                    p = subprocess.run(["bash", "-euo", "pipefail", "-c", code], cwd=cwd, env=benv,
                                       capture_output=True, text=True)
                    if p.returncode != 0:
                        raise RuntimeError(f"exit {p.returncode}\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
                    last_stdout = p.stdout
                elif lang == "python":
                    py = python_full if "full" in attrs else python
                    if py is None:
                        raise RuntimeError("needs --python-full")
                    p = subprocess.run([py, "-c", code], cwd=scratch, env=benv, capture_output=True, text=True)
                    if p.returncode != 0:
                        raise RuntimeError(f"exit {p.returncode}\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
                    last_stdout = p.stdout
                elif lang == "json" and "output" in attrs:
                    want = json_values(code)
                    got = [json.loads(l) for l in last_stdout.splitlines() if l.strip()][: len(want)]
                    if got != want:
                        raise RuntimeError(
                            "the documented output differs from the real one:\n"
                            + "\n".join(json.dumps(g, ensure_ascii=False) for g in got)
                        )
                elif lang == "json":
                    json_values(code)  # must at least be valid JSON
                else:
                    raise RuntimeError(f"unknown block language {lang!r}: tag it (text, sh, ...)")
                ran += 1
            except Exception as e:  # noqa: BLE001 - every failure is reported with its place
                failures.append(f"{where} ({lang}): {e}")
        subprocess.run(["rm", "-rf", scratch])
    for f in failures:
        print("FAIL", f, file=sys.stderr)
    print(f"doc examples: {ran} ran, {skipped} syntax-checked only, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
