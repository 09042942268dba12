"""The Watchlist press: a Markdown brief with front matter → a tagged, reproducible PDF.

One module per concern; `build.py` at the project's top shows how they go together.
"""
