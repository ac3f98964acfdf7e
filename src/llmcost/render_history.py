"""Moved to ``llmcost.render.history``; this name stays for code written against it."""

from .render.history import bars, diff_report, history_report, render_diff, render_history, tiers_text

__all__ = ["bars", "diff_report", "history_report", "render_diff", "render_history", "tiers_text"]
