"""Quỹ's faces: the Flask web app (pages and JSON API) and the ``quy`` command line."""
