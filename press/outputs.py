"""What a build leaves on disk: every file of one build committed together, or none."""

from __future__ import annotations

import errno
import io
import os
import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote

from . import charts, locator
from .config import ROOT, Config
from .filetypes import without_metadata
from .frontmatter import Brief
from .paste import FIXED_MARK
from .sanitize import SCHEME_RE

Files = dict[Path, bytes]  # target path → its bytes


TEMPORARY_RE = re.compile(r"\.press-(\d+)-[^.]+\.tmp")  # `.press-<pid>-<random>.tmp`


GENERATOR = "Watchlist press"  # templates/base.html's generator: the PDF's Creator too


class Foreign(OSError):
    """A file the press did not write stands where it would write: it is never replaced."""


def press_made(path: Path, strict: bool = False) -> bool:
    """Whether a file is one the press wrote (or may replace): a PDF or page of it, an HTML copy
    or what its assets hold, marked as the press's. Strict, for a file to delete: a page's
    picture without the press's mark is not taken for an earlier press's."""
    try:
        marker = next((p for p in path.parents if p.name == "assets"), None)
        if marker is not None and path.suffix not in (".pdf", ".html"):  # a picture copied too
            return press_made_assets(marker)
        if path.suffix == ".pdf":
            import pypdfium2

            document = pypdfium2.PdfDocument(path)
            try:
                info = document.get_metadata_dict()
            finally:
                document.close()
            # An earlier press's PDF named no Creator; WeasyPrint made it all the same.
            earlier = not info.get("Creator") and info.get("Producer", "").startswith("WeasyPrint")
            return info.get("Creator") == GENERATOR or earlier
        if path.suffix == ".png":
            from PIL import Image

            with Image.open(path) as image:
                earlier = not strict and path.parent.name == "preview" and not image.info
                return image.info.get("Software") == GENERATOR or earlier
        if path.name.endswith(".fixed.md"):  # --fix's copy of a brief
            return path.read_text("utf-8").split("\n")[1].startswith(FIXED_MARK)
        if path.suffix == ".html":
            text = path.read_text("utf-8")
            earlier = '<header id="cover">' in text and 'id="about-the-civicus-monitor"' in text
            return f'<meta name="generator" content="{GENERATOR}">' in text or earlier
        return False
    except Exception:  # unreadable, or not what its name says: not the press's
        return False


def press_made_assets(folder: Path) -> bool:
    """Whether an assets folder is the HTML copy's: its stylesheet is the press's."""
    css = folder / "brief.css"
    return css.is_file() and css.read_bytes().startswith(b"/* Watchlist brief:")


PRESS_FOLDERS = ("press", "templates", "styles", "locales", "fonts", "tests", "docs", "bench")


def misplaced(config: Config, briefs: list[Path]) -> str | None:
    """Why the output folder cannot take these briefs' outputs, if it cannot: it lies in the
    press's own folders (an HTML copy named brief.html replaced the layout's template), or its
    previews and assets would land in a brief's own folder (and replace its images)."""
    out = config.out_dir.resolve()
    own = [ROOT / name for name in PRESS_FOLDERS] + [config.templates, config.styles_dir]
    for folder in own:
        if out.is_relative_to(folder.resolve()):
            return f"the output folder {config.out_dir} is inside the press's own {folder.name}/"
    for brief in briefs:
        home = brief.resolve().parent
        for place in (out / "preview", out / "assets"):
            if home.is_relative_to(place):
                return f"{brief} lies in {place}, where the press writes; choose another -o"
    return None


def clean(folder: Path) -> int:
    """Remove what the press wrote under a folder, and the folders it leaves empty; the number
    of files removed. Nothing else: `make clean OUT=content` once removed every brief."""
    if not folder.is_dir():
        return 0
    sweep(folder)
    removed = 0
    for path in sorted(folder.rglob("*"), reverse=True):  # files before their folders
        if path.is_file() and not path.is_symlink() and press_made(path, strict=True):
            path.unlink()
            removed += 1
        elif path.is_dir() and not path.is_symlink() and not any(path.iterdir()):
            path.rmdir()
    if not any(folder.iterdir()):
        folder.rmdir()
    return removed


def unnamed(brief: Path) -> bool:
    """Whether a brief's name leaves nothing to name its outputs by (`.md`, `...md`)."""
    return brief.stem.strip(".") == ""


def commit(files: Files, root: Path) -> None:
    """Write every file beside its target, then put them all in place, or none of them.

    A temporary file is `.press-<pid>-<random>.tmp`, whatever the target's name (a name near the
    file system's limit still has room); those a killed build left under root are swept first.
    Each previous file is kept under a second name until every new one is in place, and put back
    if one fails.
    """
    sweep(root)
    for target in files:
        if target.is_dir():
            raise IsADirectoryError(errno.EISDIR, "a folder is in the way", str(target))
        if (target.exists() or target.is_symlink()) and not press_made(target):
            raise Foreign(errno.EEXIST, "a file the press did not write is in the way", str(target))
    for target in files:
        target.parent.mkdir(parents=True, exist_ok=True)
    written: list[tuple[Path, Path]] = []  # (temporary file, target)
    kept: list[tuple[Path, Path | None]] = []  # (target, its previous file set aside)
    try:
        for target, data in files.items():
            written.append((temporary(target.parent), target))
            try:
                written[-1][0].write_bytes(data)
            except OSError as error:
                raise OSError(error.errno, error.strerror, str(target)) from None
            written[-1][0].chmod(0o644)
        for tmp, target in written:
            kept.append((target, keep(target)))
            os.replace(tmp, target)  # never a moment without a file at the target
    except BaseException:
        for target, aside in reversed(kept):
            if aside:
                os.replace(aside, target)
                # When the target was never replaced, both names are one file, and a rename
                # onto itself does nothing (POSIX): the second name is left to remove.
                aside.unlink(missing_ok=True)
            else:
                target.unlink(missing_ok=True)
        raise
    finally:
        for tmp, _ in written:
            tmp.unlink(missing_ok=True)
    for _, aside in kept:
        if aside:
            aside.unlink(missing_ok=True)


def keep(target: Path) -> Path | None:
    """A second name (a hard link) for a target's previous file, to put back if the commit fails.

    The previous file stays where it is until the new one replaces it in one step: a build killed
    between the two once left no file at the target, and the next build swept the good one away;
    two builds of one target no longer take each other's file from under them.
    """
    aside = temporary(target.parent, create=False)
    try:
        os.link(target, aside)
    except FileNotFoundError:  # nothing there yet (or another build's just replaced it)
        return None
    return aside


def temporary(folder: Path, create: bool = True) -> Path:
    """A new `.press-<pid>-<random>.tmp` name in a folder (the file made, unless told not to)."""
    fd, name = tempfile.mkstemp(prefix=f".press-{os.getpid()}-", suffix=".tmp", dir=folder)
    os.close(fd)
    if not create:
        os.unlink(name)
    return Path(name)


def up_to_date(brief: Path, config: Config) -> bool:
    """Whether a brief's output is newer than the brief, the files beside it and the press itself:
    what `make pdf` asks (--changed)."""
    try:
        built = config.target(brief).stat().st_mtime_ns
        out = config.out_dir.resolve()
        beside = (p for p in brief.parent.rglob("*") if p.suffix != ".md")  # subfolders' too
        inputs = [brief, *(p for p in beside if not p.resolve().is_relative_to(out))]
        return all(p.stat().st_mtime_ns < built for p in [*inputs, *press_files(config)])
    except OSError:
        return False


def press_files(config: Config) -> list[Path]:
    """The press's own files a build reads: its code, templates, styles, catalogs, pinned
    packages and fonts' lock, and a copy for paper's CMYK profile."""
    press = [ROOT / "build.py", ROOT / "pyproject.toml", ROOT / "fonts" / "package-lock.json",
             *ROOT.glob("press/**/*.py"), *config.templates.rglob("*"),
             *config.styles_dir.rglob("*"), *ROOT.glob("locales/*/LC_MESSAGES/*.po")]  # fmt: skip
    if config.variant.startswith("pdf/x"):
        press.append(config.profile)
    return [path for path in press if path.is_file()]


def sweep(root: Path) -> None:
    """Remove the temporary files that builds no longer running left in a folder and below."""
    for path in root.rglob(".press-*.tmp") if root.is_dir() else []:
        match = TEMPORARY_RE.fullmatch(path.name)
        if match and not running(int(match[1])):
            path.unlink(missing_ok=True)


def running(pid: int) -> bool:
    """Whether a process of this number is running."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's
    return True


class ImageSources(HTMLParser):
    """The `src` of every image in an HTML text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.sources: set[str] = set()
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.sources.update(value for name, value in attrs if name == "src" and value)


DRAWN = 'style="background-image: url('  # how the press places a picture it draws


def html_copy(brief: Brief, page: str, config: Config, fonts: dict[str, Path]) -> Files:
    """The HTML copy, its stylesheets, fonts and images in DIR/assets/: the folder moves whole."""
    folder, assets = brief.path.resolve().parent, config.out_dir / "assets"
    files: Files = {}
    for src in sorted(ImageSources(page).sources):
        if SCHEME_RE.match(src) or src.startswith("/"):
            continue
        image = (config.out_dir / unquote(src)).resolve()
        if not image.is_relative_to(folder) or not image.is_file():
            continue  # the build refused it already
        name = image.relative_to(folder).as_posix()
        # Published beside the brief: no camera serial, no GPS position of who took it.
        files[assets / brief.path.stem / name] = without_metadata(image.read_bytes())
        page = page.replace(f'src="{src}"', f'src="{quote(f"assets/{brief.path.stem}/{name}")}"')
    for style in config.styles:  # the page links each: templates/base.html
        css = style.read_text(encoding="utf-8")
        files[assets / style.name] = css.replace("url(font:", "url(fonts/").encode()
        for name in sorted(set(re.findall(r"url\(font:([\w.-]+)\)", css))):
            target = assets / "fonts" / name
            if not target.exists() or target.stat().st_size != fonts[name].stat().st_size:
                files[target] = fonts[name].read_bytes()
    # The press's own pictures, in the style attributes only it writes (a brief's are removed).
    for code in sorted(set(re.findall(re.escape(DRAWN) + r"'map:([A-Z]{2})'\)", page))):  # the map
        if data := locator.svg(code):
            files[assets / "maps" / f"{code}.svg"] = data
            page = page.replace(f"{DRAWN}'map:{code}')", f"{DRAWN}'assets/maps/{code}.svg')")
    for url in sorted(set(re.findall(re.escape(DRAWN) + r"'(chart:[\w./,;]+)'\)", page))):  # charts
        if data := charts.plot(url.removeprefix("chart:")):
            name = charts.file_name(url)
            files[assets / "charts" / name] = data
            page = page.replace(f"{DRAWN}'{url}')", f"{DRAWN}'assets/charts/{name}')")
    files[config.target(brief.path, "html")] = page.encode()
    return files


def previews(pdf: bytes, stem: str, folder: Path, dpi: int = 96) -> Files:
    """Every page of a PDF as `folder/<stem>-<n>.png`."""
    import pypdfium2
    from PIL.PngImagePlugin import PngInfo

    document = pypdfium2.PdfDocument(pdf)
    try:
        files = {}
        for number, page in enumerate(document, 1):
            png = io.BytesIO()
            marked = PngInfo()
            marked.add_text("Software", GENERATOR)  # the press's: it may replace it
            page.render(scale=dpi / 72).to_pil().save(
                png, format="png", optimize=True, pnginfo=marked
            )
            files[folder / f"{stem}-{number}.png"] = png.getvalue()
        return files
    finally:
        document.close()


def remove_stale_previews(folder: Path, stem: str, pages: int) -> None:
    """Remove previews of a brief's pages past its last (not other briefs' sharing the stem)."""
    pattern = re.compile(rf"{re.escape(stem)}-(\d+)\.png")
    for path in folder.iterdir():
        match = pattern.fullmatch(path.name)
        # Never an image the press did not make, though its name be a preview's.
        if match and int(match[1]) > pages and path.is_file() and press_made(path, strict=True):
            path.unlink(missing_ok=True)
