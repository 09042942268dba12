"""The checks between the stages, each room by what its checks read: the Markdown's facts
(source), the page the layout made (page), the printed PDF (pdf). A check takes its room's one
context and returns problems; a room's CHECKS is its table, `run()` runs it."""
