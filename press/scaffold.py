"""`--new`: a new brief with valid front matter and the series' sections, in its language."""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from anyascii import anyascii
from markdown.extensions.toc import slugify

from .frontmatter import split, validate
from .i18n import Language
from .outputs import temporary
from .problems import BriefError


def skeleton(country: str, language: Language) -> list[tuple[str, str]]:
    """The series' sections, each a heading and what to write under it."""
    _ = language.gettext
    intro = _("Write what happened and why it matters for civic space in %(country)s.")
    return [
        (_("Introduction"), intro % {"country": country}),
        (_("Freedom of peaceful assembly"),
         _("Write about protests and how the authorities responded.")),
        (_("Freedom of expression"), _("Write about journalists, media and online speech.")),
        (_("Freedom of association"),
         _("Write about civil society organisations and human rights defenders.")),
    ]  # fmt: skip


def front_matter(
    country: str, date: str, rating: str, language: Language, title: str | None = None
) -> str:
    """A new brief's front matter, the series' title unless another is given."""
    title = title or language.gettext("Overview of recent restrictions to civic freedoms")
    meta = {"country": country, "title": title, "date": date, "rating": rating}
    if language.tag != "en":
        meta["lang"] = language.tag
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000) + "---\n"


def text_of(country: str, date: str, rating: str, language: Language) -> str:
    """A new brief's whole text."""
    _ = language.gettext
    parts = [front_matter(country, date, rating, language)]
    parts += [f"## {heading}\n\n{advice}\n" for heading, advice in skeleton(country, language)]
    first = _("Write the first recommendation.")
    audiences = [_("To the authorities of %(country)s:") % {"country": country},
                 _("To the international community:")]  # fmt: skip
    parts.append(f"## {_('Recommendations')}\n")
    parts += [f"### {audience}\n\n- {first}\n" for audience in audiences]
    return "\n".join(parts)


def file_name(folder: Path, country: str, date: str) -> str:
    """`<country>-<date>.md`, the country's name in Latin letters (Қазақстан: qazaqstan)."""
    slug = slugify(anyascii(country), "-")[:80].strip("-")
    if not slug:
        message = "the country's name has no letter to name a file by"
        raise BriefError(folder, 1, "new.name", message)
    return f"{slug}-{date}.md"


def new_brief(country: str, date: str, rating: str, language: Language, folder: Path) -> Path:
    """Write a new brief into the folder; never overwrite one. Return its path."""
    date = date.strip()
    text = text_of(country, date, rating, language)
    validate(folder, split(folder, text)[0])  # the same checks as any brief's, before its name
    path = folder / file_name(folder, country, date)
    create({path: text.encode()})
    return path


EXISTS = "already exists; not overwritten"


def create(files: dict[Path, bytes]) -> None:
    """New files, each in place whole and never over another file; none of them when one cannot
    be written (a BriefError at the file in the way, or at the folder that cannot take it)."""
    if taken := next((path for path in files if path.exists() or path.is_symlink()), None):
        raise BriefError(taken, 1, "file.exists", EXISTS)
    done: list[Path] = []
    try:
        for path, data in files.items():
            folder = path.parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
                staged = temporary(folder)
            except OSError as error:  # a file where the folder should be, a folder not to write in
                reason = "it is a file, not a folder" if folder.is_file() else error.strerror
                message = f"cannot write a brief here: {reason or error}"
                raise BriefError(folder, 1, "file.folder", message) from None
            try:
                staged.write_bytes(data)
                staged.chmod(0o644)  # as any file the press writes
                os.link(staged, path)  # in place whole, and never over another file
            except FileExistsError:
                raise BriefError(path, 1, "file.exists", EXISTS) from None
            except OSError as error:
                message = f"cannot write: {error.strerror or error}"
                raise BriefError(path, 1, "file.folder", message) from None
            finally:
                staged.unlink(missing_ok=True)
            done.append(path)
    except BriefError:
        for path in done:
            path.unlink(missing_ok=True)
        raise
