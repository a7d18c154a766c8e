"""Charts as server-rendered SVG: one module per chart, each with its data table, so that the same chart
is drawn in the web page (inline ``<svg>``, JavaScript off) and in the PDF (weasyprint draws SVG).

Each chart module has a query function that reads the ledger with one or a few grouped SQL queries (never
the postings themselves) and a ``chart`` function that takes that plain data and returns a
:class:`~books.charts.style.Chart`: the SVG markup and the rows of its data table, the same numbers in
integer đồng.

Library: **pygal** (3.x, pure Python, LGPL, draws SVG with lxml). Checked before choosing it: it writes text
through lxml, so a fund named ``<script>alert(1)</script>`` comes out as ``&lt;script&gt;`` and Vietnamese
diacritics are kept as they are (UTF-8, no glyph outlines); its axis labels and values go through our own
formatter (``1.500.000 đ``, months ``06/2025``); the font family is one setting, "DejaVu Sans", the font the
PDF templates embed; its tooltips script (``js``, fetched from a CDN by default) is switched off and
:func:`~books.charts.style.render` strips the inline ``<script>`` and the comments (which carry today's date)
it still writes, so nothing is fetched and the same data gives the same bytes. Bars are told apart by
distinct greys with a black outline and lines by dash patterns, so a black-and-white printout keeps them
apart. matplotlib (with ``svg.fonttype: none``) was the alternative: heavier (numpy, a font cache built at
first use), and its SVG is built for print, not for an HTML page; altair needs vl-convert's bundled
JavaScript engine to render at all.

Where they are drawn: the treasurer's four (``dashboard``) on every dashboard; ``council`` (batches waiting
for the vote against each fund's spendable money) on the dashboard of a council member; ``province`` (each
organization's fund balance) on the consolidated report; ``public`` (money in and out per month, awards by
program) on a fund's public disclosure page. The pages embed them with ``web/templates/_charts.html``.
"""
