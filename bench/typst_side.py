"""The press's structure tree beside Typst's for the same brief: `python -m bench.typst_side
BRIEF.md OUT_DIR` (after `make bench`, which installs Typst and pandoc). It builds the press's
distributable and print copy, turns the brief into Typst with pandoc and compiles it as PDF/UA-1,
and prints, for each PDF, what docs/tags.md's side-by-side counts."""

from __future__ import annotations

import collections
import json
import re
import subprocess
import sys
from pathlib import Path

import pikepdf
import pypandoc
import typst
import yaml

from press import cli

TIMESTAMP = 1764547200  # 2025-12-01: the same Typst bytes on every run


def typst_source(brief: Path) -> str:
    """The brief in Typst: what pandoc writes, and what PDF/UA-1 and the press's layout need."""
    meta, body = re.match(r"^---\n(.*?)\n---\n(.*)$", brief.read_text("utf-8"), re.S).groups()
    meta, seen = yaml.safe_load(meta), set()

    def call(match: re.Match) -> str:  # a note called again keeps its number, as the press's
        name = match[1]
        if name in seen:
            return f"`#footnote(<fn-{name}>)`{{=typst}}"
        seen.add(name)
        return f"[^{name}]`<fn-{name}>`{{=typst}}"

    body = re.sub(r"\[\^([^\]]+)\](?!:)", call, body)
    converted = pypandoc.convert_text(body, "typst", format="markdown")
    converted = re.sub(r"#link\(\)\[([^\[\]]*)\]", r"\1", converted)  # a placeholder (#) link

    def quoted(value: str) -> str:
        return json.dumps(str(value), ensure_ascii=False)

    head = (
        f"#set document(title: {quoted(meta['country'] + ': ' + meta['title'])})\n"
        f"#set text(lang: {quoted(meta.get('lang', 'en'))})\n"
        "#set page(header: context if counter(page).get().first() > 1 "
        f"[CIVICUS Monitor Watchlist — {meta['country']}], footer: context align(right)"
        "[Page #counter(page).display() of #counter(page).final().first()])\n"
        "#show figure.where(kind: table): set block(breakable: true)\n"
        # PDF/UA-1 in Typst wants a first heading of level 1: the country, as on the cover
        f"#heading(level: 1, outlined: false)[{meta['country']}]\n#title[{meta['title']}]\n\n"
    )
    if meta.get("contents"):
        head += "#outline(title: [Contents], depth: 2)\n#pagebreak()\n\n"
    return head + converted


def counts(pdf: Path) -> dict[str, int | str]:
    """What the side-by-side compares: the tree's size, its links, its notes, outloud's findings."""
    with pikepdf.open(pdf) as document:
        kinds, stack, marks = collections.Counter(), [document.Root.StructTreeRoot], 0
        notes_in = collections.Counter()
        while stack:
            node = stack.pop()
            kids = node.get("/K", [])
            kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
            marks += sum(isinstance(k, int) or k.get("/Type") == "/MCR" for k in kids
                         if isinstance(k, (int, pikepdf.Dictionary)))  # fmt: skip
            for kid in kids:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    kinds[str(kid.S)] += 1
                    if kid.S == "/Note":
                        notes_in[str(node.get("/S"))] += 1
                    stack.append(kid)
        annotations = sum(len(page.get("/Annots", [])) for page in document.pages)
    outloud = Path(sys.executable).with_name("outloud")  # the venv's, beside its Python
    found = subprocess.run(
        [outloud, "--json", "-", "--fail-on", "never", str(pdf)], capture_output=True, text=True
    )
    findings = json.loads(found.stdout)["results"][0]["findings"]
    rules = collections.Counter(f["rule"] for f in findings)
    return {
        "elements": sum(kinds.values()),
        "Span": kinds["/Span"],
        "Link": kinds["/Link"],
        "annotations": annotations,
        "marks": marks,
        "notes in": ", ".join(f"{k} {n}" for k, n in notes_in.most_common()),
        "outloud": ", ".join(f"{k} {n}" for k, n in sorted(rules.items())) or "none",
    }


def main(argv: list[str]) -> None:
    """Build both, compare, print."""
    brief, out = Path(argv[0]), Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for copy in ([], ["--print"]):
        cli.main([str(brief), "-o", str(out), *copy])
    source = out / f"{brief.stem}.typ"
    source.write_text(typst_source(brief), "utf-8")
    made = out / f"{brief.stem}-typst.pdf"
    typst.compile(str(source), output=str(made), pdf_standards=["ua-1"], timestamp=TIMESTAMP)
    for pdf in (out / f"{brief.stem}.pdf", out / f"{brief.stem}-print.pdf", made):
        print(pdf.name, counts(pdf))


if __name__ == "__main__":
    main(sys.argv[1:])
