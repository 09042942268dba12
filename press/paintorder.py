"""Moving marked sequences within a page's content stream, so that the page is painted in the
order the structure tree reads it (press/tagfix.py, notes_read_after_their_calls).

WeasyPrint 70 paints a page's notes after its text. A sequence (`/Span <</MCID n>> BDC … EMC`)
moved earlier is wrapped in `q … Q` and preceded by the graphics state it was painted in (its
colours, `gs`, line and text state); what it set for those after it stays behind. It moves only
where the transformation and clipping are the same at both places and neither is inside a text
object: the page looks the same, pixel for pixel (tests/test_pdffix.py).
"""

from __future__ import annotations

import re

import pydyf

# An operator's group: the state it sets, which the last operator of its group decides.
STATE = {
    **dict.fromkeys([b"rg", b"g", b"k", b"cs"], b"fill"),
    **dict.fromkeys([b"RG", b"G", b"K", b"CS"], b"stroke"),
    **{op: op for op in (b"w", b"J", b"j", b"M", b"d", b"ri", b"i", b"Tf")},
    **{op: op for op in (b"Tc", b"Tw", b"Tz", b"TL", b"Ts", b"Tr")},
}
COLOUR = {b"sc": b"fill", b"scn": b"fill", b"SC": b"stroke", b"SCN": b"stroke"}


def operator(item) -> bytes | None:
    """The operator an item of pydyf's list ends with (its operands are items of their own, or
    written before it in the same item)."""
    return item.rsplit(None, 1)[-1] if isinstance(item, bytes) and item.strip() else None


class Frame:
    """The graphics state within one `q … Q`: what is set, and where the page is drawn."""

    def __init__(self, state: dict | None = None, place: tuple = ()):
        self.state = dict(state or {})  # group → the operators that set it
        self.place = place  # the cm operators and clips in force

    def copy(self) -> Frame:
        return Frame(self.state, self.place)


def states(ops: list) -> list[tuple[Frame, bool]]:
    """Before each item of the stream: the graphics state in force and whether a text object
    (BT … ET) is open."""
    stack, text, found = [Frame()], False, []
    for at, item in enumerate(ops):
        found.append((stack[-1].copy(), text))
        op, frame = operator(item), stack[-1]
        if op == b"q":
            stack.append(frame.copy())
        elif op == b"Q" and len(stack) > 1:
            stack.pop()
        elif op == b"cm":
            frame.place = (*frame.place, item)
        elif op in (b"W", b"W*"):
            frame.place = (*frame.place, at)  # a clip is the same only where it is this one
        elif op in (b"BT", b"ET"):
            text = op == b"BT"
        elif op == b"gs":
            earlier = [g for g in frame.state.get(b"gs", ()) if g != item]
            frame.state[b"gs"] = (*earlier, item)  # the same one again changes nothing
        elif op in STATE:
            group = STATE[op]
            frame.state[group] = (item,)
        elif op in COLOUR:
            group = COLOUR[op]
            space = [i for i in frame.state.get(group, ()) if operator(i) in (b"cs", b"CS")]
            frame.state[group] = (*space, item)
    return found


def sequence(ops: list, mcid: int) -> tuple[int, int] | None:
    """Where the marked sequence of an MCID starts (its tag) and ends (after its EMC)."""
    for at, item in enumerate(ops):
        if not (isinstance(item, pydyf.Dictionary) and item.get("MCID") == mcid):
            continue
        depth = 0
        for end in range(at + 1, len(ops)):
            op = operator(ops[end])
            depth += op in (b"BDC", b"BMC")
            depth -= op == b"EMC"
            if depth == 0:
                return (at - 1, end + 1) if end > at + 1 else None
    return None


def balanced(ops: list) -> bool:
    """Whether a run of items saves as often as it restores, never restoring what it did not
    save, and sets no transformation or clip outside its saves."""
    depth = 0
    for item in ops:
        op = operator(item)
        depth += (op == b"q") - (op == b"Q")
        if depth < 0 or (depth == 0 and op in (b"cm", b"W", b"W*")):
            return False
    return depth == 0


def left_behind(ops: list) -> list:
    """What a moved run sets for the items after it: its state operators outside its own saves."""
    depth, kept = 0, []
    for item in ops:
        op = operator(item)
        depth += (op == b"q") - (op == b"Q")
        if depth == 0 and (op in STATE or op in COLOUR or op == b"gs"):
            kept.append(item)
    return kept


def move(ops: list, moves: list[tuple[int, int | None]]) -> list | None:
    """The stream with each marked sequence (by MCID) painted right after another's, or before
    the page's first (None), in the order given; None where one cannot move unchanged in look."""
    found = states(ops)
    cuts: dict[int, tuple[int, list]] = {}  # where a moved run starts → its end, what stays
    after: dict[int, list] = {}  # before which item → what is painted there
    first = next((at - 1 for at, item in enumerate(ops) if isinstance(item, pydyf.Dictionary)), 0)
    for mcid, target in moves:
        source = sequence(ops, mcid)
        goal = (first, first) if target is None else sequence(ops, target)
        if source is None or goal is None or source[0] in cuts:
            return None
        (start, end), there = source, goal[1]
        (frame, text), (goal_frame, goal_text) = found[start], found[there]
        if text or goal_text or frame.place != goal_frame.place or not balanced(ops[start:end]):
            return None
        run = ops[start:end]
        setting = [item for group in frame.state.values() for item in group]
        after.setdefault(there, []).extend([b"q", *setting, *run, b"Q"])
        cuts[start] = (end, left_behind(run))
    if any(start < there < end for start, (end, _) in cuts.items() for there in after):
        return None  # painted inside a run that moves itself
    moved, at = [], 0
    while at < len(ops):
        moved.extend(after.get(at, []))
        end, kept = cuts.get(at, (at + 1, [ops[at]]))
        moved.extend(kept)
        at = end
    return moved + after.get(len(ops), [])


PAINTING = {b"f", b"F", b"f*", b"S", b"s", b"B", b"B*", b"b", b"b*", b"Do", b"sh", b"BI", b"EI"}
EMPTY_TEXT_RE = re.compile(rb"^\[(?:<>[-\d.\s]*)*\]\s*TJ$|^<>\s*Tj$")


def paints_nothing(ops: list, mcid: int) -> bool:
    """Whether a marked sequence draws nothing: no path, image or shading, and only empty text
    (WeasyPrint 70 marks a box with no glyph, as beside a note's call)."""
    found = sequence(ops, mcid)
    if found is None:
        return False
    for item in ops[found[0] : found[1]]:
        op = operator(item)
        if op in PAINTING or (op in (b"TJ", b"Tj", b"'", b'"') and not EMPTY_TEXT_RE.match(item)):
            return False
    return True
