"""Moving a marked sequence in a content stream (press/paintorder.py): it looks the same where it
lands, and leaves behind what it set for those after it."""

import pydyf
from hypothesis import given
from hypothesis import strategies as st

from press.paintorder import move, states


def marked(mcid: int, *ops: bytes) -> list:
    """A marked sequence as pydyf writes it: tag, properties, BDC, …, EMC."""
    return ["/Span", pydyf.Dictionary({"MCID": mcid}), b"BDC", *ops, b"EMC"]


TEXT = [b"BT", b"/F1 10 Tf", b"[<01>] TJ", b"ET"]


def painted(ops: list) -> list[tuple[int, tuple]]:
    """Each MCID's text as it is painted: its place and the state in force when it is shown."""
    found, mcid = [], None
    for item, (frame, _) in zip(ops, states(ops), strict=True):
        if isinstance(item, pydyf.Dictionary):
            mcid = item["MCID"]
        elif item == b"[<01>] TJ":
            colours = {group: frame.state.get(group) for group in (b"fill", b"gs")}
            found.append((mcid, frame.place, tuple(sorted(colours.items()))))
    return found


def test_a_moved_sequence_keeps_its_colour_and_leaves_it_for_the_next():
    ops = [
        b"1 0 0 -1 0 842 cm",
        b"q",
        *marked(0, b"0.1 0.1 0.1 rg", *TEXT),
        *marked(1, *TEXT),
        b"Q",
        b"q",
        *marked(2, b"/a1 gs", b"0.7 0.1 0.1 rg", *TEXT),
        *marked(3, *TEXT),  # red, set by the sequence before it
        b"Q",
    ]
    after = move(ops, [(2, 0)])
    assert after is not None
    assert [m for m, *_ in painted(after)] == [0, 2, 1, 3]
    assert sorted(painted(after)) == sorted(painted(ops))


def test_nothing_moves_where_the_place_differs_or_text_is_open():
    elsewhere = [b"q", b"2 0 0 2 0 0 cm", *marked(0, *TEXT), b"Q", *marked(1, *TEXT)]
    assert move(elsewhere, [(1, 0)]) is None
    clipped = [*marked(0, *TEXT), b"q", b"0 0 9 9 re", b"W", b"n", *marked(1, *TEXT), b"Q"]
    assert move(clipped, [(1, 0)]) is None
    in_text = [b"BT", *marked(0, b"[<01>] TJ"), b"ET", *marked(1, *TEXT)]
    assert move(in_text, [(1, 0)]) is None


COLOURS = st.sampled_from([b"0 0 0 rg", b"1 0 0 rg", b"0.5 g", b"/a1 gs", b"2 w", b"1 Tc"])


@given(
    st.lists(st.lists(COLOURS, max_size=3), min_size=2, max_size=8),
    st.data(),
)
def test_any_sequence_moved_earlier_is_painted_in_the_same_state(settings, data):
    """Whatever states the sequences set, each is painted in the state it had before the move."""
    ops = [b"q"]
    for mcid, sets in enumerate(settings):
        ops += marked(mcid, *sets, *TEXT)
    ops.append(b"Q")
    source = data.draw(st.integers(1, len(settings) - 1))
    target = data.draw(st.integers(0, source - 1))
    after = move(ops, [(source, target)])
    assert after is not None
    order = [m for m, *_ in painted(after)]
    assert order.index(source) == order.index(target) + 1
    assert sorted(painted(after)) == sorted(painted(ops))
