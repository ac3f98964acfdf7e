"""Moved to ``llmcost.render.status``; this name stays for code written against it."""

from .render.status import render_status

__all__ = ["render_status"]
