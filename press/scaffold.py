"""`--new`: a new brief with valid front matter and the series' sections."""

from __future__ import annotations

from pathlib import Path

import yaml
from markdown.extensions.toc import slugify

from .frontmatter import split, validate
from .problems import BriefError

SKELETON = """---
{front_matter}---

## Introduction

Write what happened and why it matters for civic space in {country}.

## Freedom of peaceful assembly

Write about protests and how the authorities responded.

## Freedom of expression

Write about journalists, media and online speech.

## Freedom of association

Write about civil society organisations and human rights defenders.

## Recommendations

### To the authorities of {country}:

- Write the first recommendation.

### To the international community:

- Write the first recommendation.
"""
TITLE = "Overview of recent restrictions to civic freedoms"


def new_brief(country: str, date: str, rating: str, folder: Path) -> Path:
    """Write a new brief into the folder; never overwrite one. Return its path."""
    meta = {"country": country, "title": TITLE, "date": date, "rating": rating}
    front_matter = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    text = SKELETON.format(front_matter=front_matter, country=country)
    path = folder / f"{slugify(country, '-') or 'brief'}-{date}.md"
    validate(path, split(path, text)[0])  # the same checks as any brief
    if path.exists():
        raise BriefError(path, 1, "file.exists", "already exists; not overwritten")
    folder.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as out:
        out.write(text)
    return path
