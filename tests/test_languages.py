"""Every language of the series: a brief in Spanish, French, Russian or Arabic entirely in it."""

import re
import unicodedata

import pikepdf
import pymupdf
import pytest
from babel.messages.pofile import read_po
from conftest import ROOT, build_brief, run
from helpers import (
    FRONT,
    MM,
    embedded_fonts,
    html_tree,
    outloud,
    page_texts,
    read_aloud,
    read_in_order,
    reading_order,
    squash,
    structure_nodes,
    structure_texts,
    tagged_texts,
    write,
)

from press import cli, i18n
from press.frontmatter import read

BRIEFS = ROOT / "tests" / "briefs" / "languages"
EXPECTED = {
    "es": {
        "date": "marzo de 2022 | Informe de investigación de país del CIVICUS Monitor",
        "verdict": "Espacio cívico en Kazajistán: OBSTRUIDO",
        "scale": ["CERRADO", "REPRESIVO", "OBSTRUIDO", "ESTRECHO", "ABIERTO"],
        "current": "CALIFICACIÓN ACTUAL",
        "words": [
            "ACERCA DEL CIVICUS MONITOR",
            "CIFRAS CLAVE",
            "LISTA DE VIGILANCIA DEL CIVICUS MONITOR",
        ],
        "folio": "Página 2 de 4",
        "recommendations": "RECOMENDACIONES",
    },
    "fr": {
        "date": "mars 2022 | Note de recherche pays du CIVICUS Monitor",
        "verdict": "Kazakhstan\u00a0: espace civique OBSTRUÉ",
        "scale": ["FERMÉ", "RÉPRIMÉ", "OBSTRUÉ", "RÉTRÉCI", "OUVERT"],
        "current": "ÉVALUATION ACTUELLE",
        "words": [
            "À PROPOS DU CIVICUS MONITOR",
            "CHIFFRES CLÉS",
            "LISTE DE SURVEILLANCE DE CIVICUS MONITOR",
        ],
        "folio": "Page 2 sur 4",
        "recommendations": "RECOMMANDATIONS",
    },
    "pt": {
        "date": "março de 2022 | Nota de investigação por país do CIVICUS Monitor",
        "verdict": "Cazaquistão: espaço cívico OBSTRUÍDO",
        "scale": ["FECHADO", "REPRIMIDO", "OBSTRUÍDO", "ESTREITO", "ABERTO"],
        "current": "CLASSIFICAÇÃO ATUAL",
        "words": [
            "SOBRE O CIVICUS MONITOR",
            "NÚMEROS-CHAVE",
            "LISTA DE VIGILÂNCIA DO CIVICUS MONITOR",
        ],
        "folio": "Página 2 de 4",
        "recommendations": "RECOMENDAÇÕES",
    },
    "ru": {
        "date": "март 2022\u202fг. | Страновой аналитический обзор CIVICUS Monitor",
        "verdict": "Казахстан: гражданское пространство ЗАТРУДНЁННОЕ",
        "scale": ["ЗАКРЫТОЕ", "ПОДАВЛЕННОЕ", "ЗАТРУДНЁННОЕ", "СУЖЕННОЕ", "ОТКРЫТОЕ"],
        "current": "ТЕКУЩАЯ ОЦЕНКА",
        "words": ["О CIVICUS MONITOR", "КЛЮЧЕВЫЕ ЦИФРЫ", "СПИСОК НАБЛЮДЕНИЯ CIVICUS MONITOR"],
        "folio": "Страница 2 из 4",
        "recommendations": "РЕКОМЕНДАЦИИ",
    },
    "ar": {
        "date": "مارس 2022 | موجز بحثي قُطري من مرصد سيفيكوس",
        "verdict": "المجال المدني في كازاخستان: مُعرقَل",
        "scale": ["مُغلق", "مُقمع", "مُعرقَل", "مُضيَّق", "مفتوح"],
        "current": "التصنيف الحالي",
        "words": ["عن مرصد سيفيكوس", "أرقام رئيسية", "قائمة المراقبة لمرصد سيفيكوس"],
        "folio": "الصفحة 2 من 4",
        "recommendations": "التوصيات",
    },
}
# The layout's English, which none of these briefs may show.
ENGLISH = re.compile(
    r"is rated|About the|current rating|Key figures|Contents|country research brief|Watchlist"
    r"|Page \d+ of|Recommendations|\b(CLOSED|REPRESSED|OBSTRUCTED|NARROWED|OPEN)\b",
    re.IGNORECASE,
)


@pytest.fixture(scope="session", params=list(EXPECTED))
def translated(request, tmp_path_factory):
    built = build_brief(BRIEFS / f"{request.param}.md", tmp_path_factory.mktemp(request.param))
    assert built.status == 0, built.stderr
    return request.param, built


def plain(text: str) -> str:
    """Text to compare as extracted: without spaces (tracked words come out spaced) or marks."""
    return "".join(c for c in squash(text) if unicodedata.category(c) != "Mn")


def lines_of(pdf, page: int) -> list[tuple[float, float, str]]:
    """(left, right, text) of each line of a page as it is seen, in millimetres: the spans on one
    baseline together (an extractor splits a right-to-left line at each run of Latin or digits)."""
    found: dict[float, list] = {}
    with pymupdf.open(pdf) as document:
        for block in document[page].get_text("dict")["blocks"]:
            for line in block.get("lines", []):
                for span in line["spans"]:
                    found.setdefault(round(span["origin"][1]), []).append(span)
    return [
        (min(s["bbox"][0] for s in spans) / MM, max(s["bbox"][2] for s in spans) / MM,
         "".join(s["text"] for s in sorted(spans, key=lambda s: s["bbox"][0])))
        for _, spans in sorted(found.items())
    ]  # fmt: skip


def numbers_of(pdf, page: int) -> list[str]:
    """The bold numbers set apart on a page, in reading order: the recommendations' numbers."""
    with pymupdf.open(pdf) as document:
        return [
            span["text"].strip()
            for block in document[page].get_text("dict")["blocks"]
            for line in block.get("lines", [])
            for span in line["spans"]
            if span["text"].strip().isdigit() and "Bold" in span["font"]
        ]


def test_the_layout_speaks_the_briefs_language(translated):
    lang, built = translated
    expected = EXPECTED[lang]
    pages = page_texts(built.pdf)
    # PDFium orders a right-to-left line by its glyphs' boxes, and Noto Naskh's vowel marks
    # part a word there ("قُ مارس 2022 طري"): read the cover as a screen reader does instead.
    cover = read_aloud(built.pdf) if lang == "ar" else pages[0]
    for words in [expected["date"], expected["verdict"], expected["current"], *expected["words"]]:
        assert plain(words) in plain(cover), words
    assert plain(expected["folio"]) in plain(pages[1])
    assert plain(expected["recommendations"]) in plain(pages[-1])
    assert ENGLISH.findall(" ".join(pages)) == []


def test_the_scale_names_the_ratings_in_the_language(translated):
    lang, built = translated
    scale = html_tree(built.html).findall(".//ol[@id='scale']/li")
    assert [li.text.strip() for li in scale] == EXPECTED[lang]["scale"]
    assert html_tree(built.html).get("lang") == lang


def test_the_page_reads_in_the_languages_direction(translated):
    lang, built = translated
    body = [line for line in lines_of(built.pdf, 1) if len(line[2]) > 40]  # full lines of text
    rtl = lang == "ar"
    assert html_tree(built.html).get("dir") == ("rtl" if rtl else "ltr")
    assert len(body) > 10
    edges = [right if rtl else left for left, right, _ in body]
    start, end = (210 - 42, 22) if rtl else (42, 210 - 22)  # the wide margin where lines start
    assert all(abs(edge - start) < 0.5 for edge in edges), edges
    ends = [left if rtl else right for left, right, _ in body]
    assert all(edge > end - 0.5 if rtl else edge < end + 0.5 for edge in ends)  # inside the margin
    assert max(ends) - min(ends) > 5  # ragged there


def test_only_the_pinned_fonts_with_true_italics(translated):
    lang, built = translated
    names = {font["name"].split("+")[1] for font in embedded_fonts(built.pdf)}
    assert names and all(name.startswith("Press-") for name in names), names
    assert ("Press-Arabic" in names) == (lang == "ar")
    if lang == "ru":
        with pymupdf.open(built.pdf) as document:
            spans = [s for b in document[2].get_text("dict")["blocks"] for line in b.get("lines", [])
                     for s in line["spans"] if "Қаңтар" in s["text"]]  # fmt: skip
        assert spans and all(span["font"] == "Press-Serif-Italic" for span in spans)


def test_the_recommendations_are_designed_and_numbered(translated):
    _, built = translated
    section = html_tree(built.html).find(".//section[@id='recommendations']")
    assert section is not None
    assert [len(ol.findall("li")) for ol in section.iter("ol")] == [3, 1]
    assert numbers_of(built.pdf, 3) == ["1", "2", "3", "1"]


def test_a_language_tag_cldr_does_not_know_is_an_error_naming_the_catalogs(tmp_path):
    path = write(
        tmp_path, FRONT.replace("rating: narrowed", "rating: narrowed\nlang: sp") + "Text.\n"
    )
    status, _, stderr = run(["--check", str(path)])
    assert status == 1
    assert stderr == (
        f"{path}:6: error: unknown language 'sp'; the layout has catalogs for ar, en, es, fr, pt, ru "
        "[front.lang]\n"
    )


def test_a_language_without_a_catalog_builds_in_english_with_a_warning(tmp_path):
    path = write(
        tmp_path, FRONT.replace("rating: narrowed", "rating: narrowed\nlang: de") + "Text.\n"
    )
    status, _, stderr = run([str(path), "-o", str(tmp_path), "--html"])
    assert status == 0
    assert stderr == (
        f"{path}:6: warning: the layout has no catalog for 'de', so its words are in English; "
        "catalogs: ar, en, es, fr, pt, ru (add locales/de/LC_MESSAGES/messages.po) [lang.catalog]\n"
    )
    assert "Testland is rated NARROWED" in page_texts(tmp_path / "brief.pdf")[0]
    assert html_tree(tmp_path / "brief.html").get("lang") == "de"


def test_a_regional_tag_takes_its_languages_catalog(tmp_path):
    path = write(
        tmp_path, FRONT.replace("rating: narrowed", "rating: narrowed\nlang: es-419") + "Text.\n"
    )
    assert run([str(path), "-o", str(tmp_path), "--html"])[0] == 0
    assert "Espacio cívico en Testland: ESTRECHO" in page_texts(tmp_path / "brief.pdf")[0]
    assert html_tree(tmp_path / "brief.html").get("lang") == "es-419"


def test_recommendations_named_in_the_front_matter(tmp_path):
    front = FRONT.replace("rating: narrowed", "rating: narrowed\nrecommendations: What we ask")
    path = write(tmp_path, front + "## Intro\n\nText.\n\n## What we ask\n\nNothing yet.\n")
    status, _, stderr = run(["--check", str(path)])
    assert status == 1 and "[recommendations.audience]" in stderr


def test_new_writes_the_skeleton_in_its_language_under_a_latin_name(tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "ROOT", tmp_path)
    status, stdout, stderr = run(
        ["--new", "Қазақстан", "--date", "2024-05", "--rating", "repressed", "--lang", "ru"]
    )
    assert status == 0, stderr
    path = tmp_path / "content" / "qazaqstan-2024-05.md"
    assert stdout.strip().endswith("qazaqstan-2024-05.md")
    brief = read(path)
    assert (brief.meta["country"], brief.meta["lang"]) == ("Қазақстан", "ru")
    text = path.read_text(encoding="utf-8")
    assert "## Рекомендации\n\n### Властям страны Қазақстан:" in text and "Introduction" not in text
    status, _, stderr = run([str(path), "-o", str(tmp_path / "out")])
    assert status == 0, stderr
    assert run(["--new", "Egypt", "--date", "2024-05", "--rating", "open", "--lang", "sp"])[0] == 2
    assert run(["--new", "مصر", "--date", "2024-05", "--rating", "open", "--lang", "ar"])[0] == 0
    assert (tmp_path / "content" / "msr-2024-05.md").is_file()


def test_every_catalog_translates_every_string_with_its_placeholders():
    with (i18n.LOCALES / "messages.pot").open("rb") as pot:
        template = read_po(pot)
    ids = {(m.context, m.id) for m in template if m.id}
    translated = [lang for lang in i18n.catalogs() if lang != "en"]
    assert ids and translated
    for lang in translated:
        with i18n.catalog_path(lang).open("rb") as po:
            catalog = read_po(po, locale=lang)
        found = {(m.context, m.id): m.string for m in catalog if m.id}
        assert set(found) == ids, lang
        for (_, message), translation in found.items():
            assert translation, (lang, message)
            assert sorted(re.findall(r"%\(\w+\)s", translation)) == sorted(
                re.findall(r"%\(\w+\)s", message)
            )
            assert re.findall(r"</?strong>", translation) == re.findall(r"</?strong>", message)


def test_each_rating_name_stands_inside_its_step(translated):
    lang, built = translated
    with pymupdf.open(built.pdf) as document:
        page = document[0]
        spans = [s for b in page.get_text("dict")["blocks"] for line in b.get("lines", [])
                 for s in line["spans"] if s["text"].strip()]  # fmt: skip
        # The steps are the filled rectangles of the rating colours, about 25 mm wide.
        steps = [
            d["rect"]
            for d in page.get_drawings()
            if d.get("fill") and 15 * MM < d["rect"].width < 40 * MM
        ]
    closed = plain(EXPECTED[lang]["scale"][0])
    (bottom,) = {s["bbox"][3] for s in spans if plain(s["text"]) == closed and s["size"] < 12}
    names = [s for s in spans if -14 < s["bbox"][3] - bottom < 12]
    assert len(steps) >= 5 and len(names) >= 5
    for span in names:
        x0, _, x1, _ = span["bbox"]
        y = (span["bbox"][1] + span["bbox"][3]) / 2
        step = min((r for r in steps if r.x0 <= (x0 + x1) / 2 <= r.x1 and r.y0 <= y <= r.y1),
                   key=lambda r: r.width)  # fmt: skip
        assert step.x0 + 1 < x0 and x1 < step.x1 - 1, (span["text"], x0, x1, step)


@pytest.mark.parametrize("lang", ["es", "ru", "ar"])
@pytest.mark.parametrize(
    "options", [[], ["--print"], ["--pdf-variant", "pdf/a-2u"]], ids=["pdf", "print", "pdf-a-2u"]
)
def test_the_machine_checks_find_no_link_order_or_structure_finding(tmp_path, lang, options):
    """Spanish, Russian and Arabic, in the distributable, the print copy and PDF/A-2u: no error,
    no finding at all: no TXT (glyph mappings), LNK, ORD, TAG or LST."""
    built = build_brief(BRIEFS / f"{lang}.md", tmp_path, *options)
    assert built.status == 0, built.stderr
    findings = outloud(built.pdf)["findings"]
    assert [f for f in findings if f["severity"] == "error"] == []
    kinds = {f["rule"].split("-")[0] for f in findings}
    assert kinds == set(), findings


@pytest.mark.parametrize("lang", ["es", "ru", "ar"])
@pytest.mark.parametrize(
    "options", [[], ["--print"], ["--pdf-variant", "pdf/a-2u"]], ids=["pdf", "print", "pdf-a-2u"]
)
def test_the_text_read_in_structure_order_is_the_briefs_in_order(tmp_path, lang, options):
    """Every block of the brief, its notes', read whole and in order, each note right after the
    block that calls it; Arabic as written."""
    built = build_brief(BRIEFS / f"{lang}.md", tmp_path, *options)
    expected = reading_order((BRIEFS / f"{lang}.md").read_text(), "--print" in options)
    assert len(expected) > 10
    assert read_in_order(read_aloud(built.pdf), expected) == []


def test_a_passage_marked_in_another_language_is_tagged_in_it(tmp_path):
    """`<p lang="ru">` (or a quotation's `lang`) reaches the PDF's tags as /Lang: a screen
    reader reads the passage by Russian rules, the rest of the brief by the brief's."""
    body = (
        "## Introduction\n\nThe statement read:\n\n"
        '<p lang="ru">Власти заявили, что ситуация находится под контролем.</p>\n\n'
        '<blockquote lang="kk"><p>Билік жағдай бақылауда екенін мәлімдеді.</p></blockquote>\n\n'
        "The brief goes on in English.\n"
    )
    built = build_brief(write(tmp_path, FRONT + body), tmp_path / "out")
    assert built.status == 0, built.stderr
    texts = tagged_texts(built.pdf, "/P")
    with pikepdf.open(built.pdf) as document:
        langs = [str(n.get("/Lang", "")) for n in structure_nodes(document) if n.get("/S") == "/P"]
        assert str(document.Root.Lang) == "en"
    tagged = {squash(t): lang for t, lang in zip(texts, langs, strict=True)}
    assert tagged[squash("Власти заявили, что ситуация находится под контролем.")] == "ru"
    assert tagged[squash("Билік жағдай бақылауда екенін мәлімдеді.")] == "kk"
    assert tagged[squash("The brief goes on in English.")] == ""


def span_languages(pdf) -> list[tuple[str, str]]:
    """Each Span's text (squashed) and its /Lang ("" where it has none), in document order."""
    texts = structure_texts(pdf, lambda node: node.get("/S") == "/Span")
    with pikepdf.open(pdf) as document:
        spans = [n for n in structure_nodes(document) if n.get("/S") == "/Span"]
        langs = [str(n.get("/Lang", "")) for n in spans]
    return list(zip(map(squash, texts), langs, strict=True))


def test_a_phrase_marked_in_another_language_is_tagged_in_it_on_every_line(tmp_path):
    """`<span lang>` inside a sentence reaches the tags as /Lang on each Span WeasyPrint makes of
    it, one per line it is set on; the words around it keep the brief's language."""
    russian = "Закон о некоммерческих организациях и о внесении изменений в законодательные акты"
    body = (
        "## Introduction\n\n"
        f'The law was published as <span lang="ru">{russian}</span> in the official gazette, '
        'and the crowd answered with a slogan, <span lang="kk">Шал, кет!</span>, in January.\n\n'
        '> A quotation with <span lang="ru">Свобода собраний</span> inside it.\n'
    )
    built = build_brief(write(tmp_path, FRONT + body), tmp_path / "out")
    assert built.status == 0, built.stderr
    tagged = span_languages(built.pdf)
    lines = [(text, lang) for text, lang in tagged if lang]
    ru = "".join(t for t, lang in lines if lang == "ru")
    assert ru == squash(russian + "Свобода собраний")
    assert [t for t, lang in lines if lang == "kk"] == [squash("Шал, кет!")]
    assert len([lang for _, lang in lines if lang == "ru"]) >= 3  # the long phrase on two lines
    assert not [t for t, lang in tagged if lang and re.search("[A-Za-z]", t)]


def test_a_phrase_in_an_item_a_heading_or_a_cell_is_tagged_in_its_language(tmp_path):
    """`<span lang>` in a list item (a recommendation), a heading or a table cell reaches the
    tags as /Lang, as one in a paragraph does."""
    body = (
        '## Recommendations\n\n### The law <span lang="ru">Об иностранных агентах</span>\n\n'
        '1. Repeal the law <span lang="ru">О некоммерческих организациях</span> at once.\n'
        '2. Let people say <span lang="kk">Шал, кет!</span> in the street.\n\n'
        "| Law | Adopted |\n|---|---|\n"
        '| <span lang="ru">О митингах</span> | 2004 |\n'
    )
    built = build_brief(write(tmp_path, FRONT + body), tmp_path / "out")
    assert built.status == 0, built.stderr
    tagged = [(text, lang) for text, lang in span_languages(built.pdf) if lang]
    assert tagged == [
        (squash("Об иностранных агентах"), "ru"),
        (squash("О некоммерческих организациях"), "ru"),
        (squash("Шал, кет!"), "kk"),
        (squash("О митингах"), "ru"),
    ]


@pytest.mark.parametrize("options", [[], ["--print"]], ids=["pdf", "print"])
def test_a_call_never_takes_a_phrase_s_language_and_a_lost_phrase_stops_none(tmp_path, options):
    """A note's call ("1") or the print copy's source letter ("a") is a Span holding a link,
    whose letters any phrase may hold ("статья 1"): it never takes a phrase's /Lang, nor the
    phrase's from the Span it belongs on. Phrases whose lines are not found (right-to-left runs
    painted in visual order) do not stop the ones after them."""
    body = (
        "Police cited the code.[^1] See [the report](https://example.org/r).\n\n"
        'People shouted <span lang="kk">Шал, кет!</span> under <span lang="ru">статья 1</span>.\n\n'
        'They said <span lang="ar">حرية التعبير</span>, <span lang="ar">المجتمع المدني</span>, '
        '<span lang="ar">حقوق الإنسان</span> and then <span lang="es">la ley mordaza</span>.\n\n'
        "[^1]: A note.\n"
    )
    built = build_brief(write(tmp_path, FRONT + body), tmp_path / "out", *options)
    assert built.status == 0, built.stderr
    tagged = [(text, lang) for text, lang in span_languages(built.pdf) if lang]
    assert (squash("Шал, кет!"), "kk") in tagged
    assert (squash("статья 1"), "ru") in tagged
    assert (squash("la ley mordaza"), "es") in tagged
    assert [lang for text, lang in tagged if text in ("1", "a")] == []


def test_an_arabic_table_cell_is_read_as_the_copy_shows_it(tmp_path):
    """Right to left, a table cell is read as written: a note's call apart from the number it
    follows ("2022 1", not "20221"), and no source letter the distributable does not print."""
    front = FRONT.replace("country: Testland", "country: تونس").replace(
        "---\n", "---\nlang: ar\n", 1
    )
    body = (
        "| القانون | السنة |\n|---|---|\n| المرسوم | 2022[^2] |\n"
        "| انظر [التقرير](https://example.org) | 10 |\n\n[^2]: ملاحظة.\n"
    )
    built = build_brief(write(tmp_path, front + body), tmp_path / "out")
    assert built.status == 0, built.stderr
    cells = structure_texts(built.pdf, lambda node: node.get("/S") == "/TD", actual=True)
    assert [" ".join(c.split()) for c in cells] == ["المرسوم", "2022 1", "انظر التقرير", "10"]
