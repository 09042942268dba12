"""Stage 3, render: the body into the Jinja layout the front matter names."""

from __future__ import annotations

import traceback
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, select_autoescape
from markupsafe import Markup

from .config import RATINGS
from .convert import Converted
from .frontmatter import Brief
from .problems import BriefError


def environment(templates: Path) -> Environment:
    """The Jinja environment: autoescaped, strict, reloading templates that change."""
    env = Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(["html"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["month_year"] = lambda d: d.strftime("%B %Y")
    return env


def render(brief: Brief, body: Converted, env: Environment) -> str:
    """The whole page: the layout the front matter names, with the body in it."""
    name = f"{brief.meta['layout']}.html"
    layouts = [t for t in env.list_templates() if t != "base.html"]
    if name not in layouts:
        line = brief.lines.get("layout", 1)
        message = f"unknown layout '{brief.meta['layout']}'; have: {[t[:-5] for t in layouts]}"
        raise BriefError(brief.path, line, "front.layout", message)
    try:
        return env.get_template(name).render(
            meta=brief.meta,
            ratings=RATINGS,
            toc=body.toc,
            body=Markup(body.html),  # the one place content is marked safe: sanitized in convert
        )
    except TemplateError as error:
        where = template_location(error, Path(env.loader.searchpath[0]) / name)
        raise BriefError(*where, "template", f"template: {error}") from None


def template_location(error: TemplateError, fallback: Path) -> tuple[Path, int]:
    """The template file and line an error comes from (Jinja rewrites tracebacks to them)."""
    if getattr(error, "filename", None) and getattr(error, "lineno", None):
        return Path(error.filename), error.lineno
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith(".html")]
    if frames:
        return Path(frames[-1].filename), frames[-1].lineno or 1
    return fallback, 1
