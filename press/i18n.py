"""The languages of the series: the layout's message catalogs, dates by CLDR, the direction.

The catalogs are `locales/<language>/LC_MESSAGES/messages.po`, read as they are (no compile
step); English is the layout's own language. Adding a language is adding a catalog:
`make catalog NEW=xx` starts one from `locales/messages.pot`.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from gettext import NullTranslations
from pathlib import Path

from .config import ROOT

# Babel is imported where it is needed: a brief in English, or --help, never loads CLDR's data.

LOCALES = ROOT / "locales"
SOURCE = "en"  # the language the layout is written in


def N_(message: str) -> str:
    """Mark a message for the catalogs; it is translated where it is shown."""
    return message


def catalogs() -> list[str]:
    """The languages the layout can be written in."""
    found = {path.parent.parent.name for path in LOCALES.glob("*/LC_MESSAGES/messages.po")}
    return sorted(found | {SOURCE})


def known(tag: str) -> bool:
    """Whether CLDR knows the language of a BCP 47 tag (`es`, `es-419`, `kk`; not `sp`)."""
    if tag in catalogs():
        return True
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(tag, sep="-")
    except (ValueError, UnknownLocaleError):
        return False
    return True


@dataclass(frozen=True)
class Language:
    """A brief's language: its tag, the catalog the layout is written from, its direction."""

    tag: str  # as the brief gives it: written into the page for hyphenation and the PDF
    catalog: str  # the catalog's language, or "en" when there is none for it
    direction: str  # "ltr" or "rtl"
    translations: NullTranslations

    def gettext(self, message: str) -> str:
        """A layout string in this language."""
        return self.translations.gettext(message)

    def month_year(self, date: dt.date) -> str:
        """'March 2022', 'marzo de 2022', 'март 2022 г.', 'مارس 2022'; by CLDR, in the brief's own
        locale when it has a catalog."""
        if self.catalog == SOURCE:  # the C locale's month names are CLDR's English ones
            return date.strftime("%B %Y")
        from babel import Locale
        from babel.dates import format_skeleton

        locale = Locale.parse(self.tag if self.catalog != SOURCE else SOURCE, sep="-")
        return format_skeleton("yMMMM", date, locale=locale)


def language(tag: str) -> Language:
    """The language of a brief's `lang`, with its catalog's translations."""
    if tag == SOURCE:
        return Language(tag, SOURCE, "ltr", NullTranslations())
    from babel import Locale, negotiate_locale

    catalog = negotiate_locale([tag], catalogs(), sep="-") or SOURCE
    direction = Locale.parse(tag, sep="-").text_direction
    return Language(tag, catalog, direction, translations(catalog))


def translations(catalog: str) -> NullTranslations:
    """A catalog read from its .po file (its fuzzy entries left out)."""
    if catalog == SOURCE:
        return NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    path = LOCALES / catalog / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        messages = read_po(po, locale=catalog)
    compiled = io.BytesIO()
    write_mo(compiled, messages)
    compiled.seek(0)
    return Translations(compiled, domain="messages")


def catalog_path(catalog: str) -> Path:
    """Where a language's catalog is."""
    return LOCALES / catalog / "LC_MESSAGES" / "messages.po"
