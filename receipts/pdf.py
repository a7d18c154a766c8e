"""Turning the documents' HTML into PDF with weasyprint — safely and reproducibly.

* Nothing is fetched from the network: :func:`safe_fetcher` serves only this package's own assets
  (``quy-asset:`` URLs) and refuses everything else, so a donor named ``<img src=http://…>`` (escaped by
  the templates anyway) could not make the server call out. No attachments are embedded.
* Fonts: DejaVu (Debian's ``fonts-dejavu-core``, installed by ``make test``/``.ci/run``) covers every
  Vietnamese letter; the templates' CSS names it and weasyprint embeds the subset used.
* The same data gives the same bytes: no creation date, a fixed document identifier; so the sha256
  of a first print (``document_prints``) proves a reprint is the same document. Beside it the hash of the
  document's canonical content is kept (``receipts/canonical.py``): when the rendering changes (fonts,
  weasyprint) a reprint is told apart as "same data, different rendering" from a change of data.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import jinja2

from ledger.money import format_vnd

from .canonical import canonical_json, canonical_sha256

HERE = Path(__file__).resolve().parent
ASSETS = HERE / "assets"
SCHEME = "quy-asset:"


class FetchRefused(Exception):
    """A document asked for something that is not one of Quỹ's own assets."""


def _fetcher_class():
    # lazy: weasyprint takes a second to import; only drawing needs it
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SafeFetcher(URLFetcher):
        """weasyprint's fetcher, restricted: ``quy-asset:NAME`` from ``receipts/assets``, nothing else.
        Every refused address is kept in :attr:`refused` (tests count them); nothing goes on the wire."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=(), fail_on_errors=False)
            self.refused: list[str] = []
            self.served: list[str] = []

        def fetch(self, url, headers=None):  # noqa: ANN001, ANN201 - weasyprint's signature
            if url.startswith(SCHEME):
                path = (ASSETS / url[len(SCHEME):]).resolve()
                if path.parent == ASSETS and path.is_file():
                    self.served.append(url)
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": _mime(path.suffix)})
            self.refused.append(url)
            raise FetchRefused(f"documents fetch nothing from outside Quỹ: {url[:200]!r}")

    return SafeFetcher


def safe_fetcher():
    """A new fetcher that serves Quỹ's own assets and refuses (and records) everything else."""
    return _fetcher_class()()


def _mime(suffix: str) -> str:
    return {".css": "text/css", ".png": "image/png", ".svg": "image/svg+xml"}.get(suffix, "application/octet-stream")


def _date_vi(d: date) -> str:
    return f"ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


def _dmy(d: date) -> str:
    return d.strftime("%d/%m/%Y")


ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,  # every piece of user text is escaped
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters["vnd"] = format_vnd
ENV.filters["vnd_plain"] = lambda v: f"{v:,}".replace(",", ".") if isinstance(v, int) else v
ENV.filters["date_vi"] = _date_vi
ENV.filters["dmy"] = _dmy


def render_html(template: str, **context) -> str:
    return ENV.get_template(template).render(**context)


@dataclass(frozen=True)
class Pdf:
    data: bytes
    pages: int
    canonical: str | None = None  # what the document says, as canonical JSON (receipts/canonical.py)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def canonical_sha256(self) -> str | None:

        return canonical_sha256(self.canonical) if self.canonical is not None else None

    def saying(self, content) -> Pdf:
        """This PDF with the canonical form of ``content``, what the document says, attached."""

        return replace(self, canonical=canonical_json(content))


#: How every document's page names the documents' stylesheet (``templates/_page.html``).
STYLESHEET_LINK = '<link rel="stylesheet" href="quy-asset:documents.css">'
_PARSED = threading.local()


def _parsed_style():
    """(the documents' stylesheet parsed, the font configuration it was parsed with), made once per thread and
    again when the file changes: parsing the stylesheet and loading the fonts' configuration cost as much as
    laying out half a receipt. The stylesheet is fetched through :func:`safe_fetcher` like any asset."""
    # lazy: weasyprint takes a second to import; only drawing needs it
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    text = (ASSETS / "documents.css").read_bytes()
    key = (str(ASSETS), hashlib.sha256(text).digest())
    kept = getattr(_PARSED, "kept", None)
    if kept is None or kept[0] != key:
        fonts = FontConfiguration()
        css = weasyprint.CSS(url=SCHEME + "documents.css", url_fetcher=safe_fetcher(), font_config=fonts)
        kept = _PARSED.kept = (key, css, fonts)
    return kept[1], kept[2]


def html_to_pdf(html: str, *, fetcher=None) -> Pdf:
    """Lay out ``html`` and return the PDF (no network, no attachments, reproducible bytes). A page that links
    the documents' stylesheet (and has no <style> of its own) gets it parsed once per thread
    (:func:`_parsed_style`): the same bytes."""
    # lazy: weasyprint takes a second to import; only drawing needs it
    import weasyprint

    # the parsed stylesheet goes in as weasyprint's *user* stylesheet (there is no way to hand it a parsed author
    # one): the same cascade as the link only while no author style of the page competes with it — so a page
    # carrying a <style> of its own (a chart's SVG does) keeps the link
    if STYLESHEET_LINK in html and "<style" not in html:
        css, fonts = _parsed_style()
        doc = weasyprint.HTML(string=html.replace(STYLESHEET_LINK, "", 1), base_url=SCHEME,
                              url_fetcher=fetcher or safe_fetcher()).render(stylesheets=[css], font_config=fonts)
        data = doc.write_pdf(pdf_identifier=b"quy-document", attachments=None)
        return Pdf(data, len(doc.pages))

    doc = weasyprint.HTML(string=html, base_url=SCHEME, url_fetcher=fetcher or safe_fetcher()).render()
    data = doc.write_pdf(pdf_identifier=b"quy-document", attachments=None)
    return Pdf(data, len(doc.pages))
