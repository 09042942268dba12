"""Stage 3, render: the body into the Jinja layout the front matter names."""

from __future__ import annotations

import re
import traceback
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, select_autoescape
from markupsafe import Markup

from . import locator
from .config import RATINGS, Copy
from .convert import Converted
from .frontmatter import Brief
from .i18n import N_, Language
from .problems import BriefError


def environment(templates: Path, language: Language) -> Environment:
    """The Jinja environment: autoescaped, strict, in the brief's language; templates reload."""
    env = Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(["html"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(language.translations, newstyle=True)
    env.filters["month_year"] = language.month_year
    env.filters["css_string"] = css_string
    env.filters["together"] = together
    return env


def render(brief: Brief, body: Converted, env: Environment, language: Language, copy: Copy) -> str:
    """The whole page of one copy: the layout the front matter names, with the body in it."""
    name = f"{brief.meta['layout']}.html"
    layouts = [t for t in env.list_templates() if t.endswith(".html") and t != "base.html"]
    if name not in layouts:
        line = brief.lines.get("layout", 1)
        message = f"unknown layout '{brief.meta['layout']}'; have: {[t[:-5] for t in layouts]}"
        raise BriefError(brief.path, line, "front.layout", message)
    meta = dict(brief.meta)
    for key, default in DEFAULTS.items():
        meta[key] = meta[key] or language.gettext(default)
    try:
        return env.get_template(name).render(
            meta=meta,
            lang=language,
            ratings=RATINGS,
            names=rating_names(language),
            folio=parts(language.gettext("Page %(page)s of %(pages)s"), "page", "pages"),
            toc=body.toc,
            stylesheets=("brief.css", *copy.styles),  # the HTML copy's, in assets/
            body=Markup(body.html),  # the one place content is marked safe: sanitized in convert
            map=cover_map(brief),
        )
    except TemplateError as error:
        where = template_location(error, Path(env.loader.searchpath[0]) / name)
        raise BriefError(*where, "template", f"template: {error}") from None


def cover_map(brief: Brief) -> str | None:
    """The ISO code of the country whose map the cover shows (the fetcher's `map:` draws it);
    None for no map: `map: false`, or a country the boundaries do not have."""
    if not brief.meta["map"]:
        return None
    code = locator.find(brief.meta["country"], brief.meta["iso"])
    return code if code and locator.rings_of(code) else None


# The front matter's defaults that are layout strings, in the brief's language.
DEFAULTS = {
    "series": N_("CIVICUS Monitor Watchlist"),
    "doctype": N_("A country research brief from the CIVICUS Monitor"),
}


def rating_names(language: Language) -> dict[str, str]:
    """The Monitor's name of each rating, in the brief's language."""
    t = language.translations
    return {
        "closed": t.pgettext("rating", "closed"),
        "repressed": t.pgettext("rating", "repressed"),
        "obstructed": t.pgettext("rating", "obstructed"),
        "narrowed": t.pgettext("rating", "narrowed"),
        "open": t.pgettext("rating", "open"),
    }


def parts(message: str, *names: str) -> list[str]:
    """A message's words around its placeholders, in order: what CSS puts around counters."""
    return re.split("|".join(re.escape(f"%({name})s") for name in names), message)


def together(value: str) -> str:
    """A short key figure ("más de 16 000", "10 000+") kept on one line; a long one may break."""
    return value.replace(" ", "\u00a0") if len(value) <= 16 else value


def css_string(text: str) -> Markup:
    """Text as a CSS string, safe inside a <style> element."""
    escaped = "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in text)
    return Markup(f'"{escaped}"')


def template_location(error: TemplateError, fallback: Path) -> tuple[Path, int]:
    """The template file and line an error comes from (Jinja rewrites tracebacks to them)."""
    if getattr(error, "filename", None) and getattr(error, "lineno", None):
        return Path(error.filename), error.lineno
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith(".html")]
    if frames:
        return Path(frames[-1].filename), frames[-1].lineno or 1
    return fallback, 1
