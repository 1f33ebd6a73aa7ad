"""The cyclic collector is paused only for the block and always turned back on as it was found."""

import gc

import pytest

from planround.server.gc_pause import cycle_collector_paused


@pytest.fixture(autouse=True)
def collector_restored():
    was_enabled = gc.isenabled()
    yield
    gc.enable() if was_enabled else gc.disable()


def test_it_pauses_the_collector_inside_the_block_and_turns_it_back_on_after():
    gc.enable()
    with cycle_collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_it_turns_the_collector_back_on_when_the_block_raises():
    gc.enable()

    @cycle_collector_paused()
    def failing():
        assert not gc.isenabled()
        raise ValueError("bad workbook")

    with pytest.raises(ValueError):
        failing()
    assert gc.isenabled()


def test_it_leaves_a_collector_found_off_off():
    gc.disable()
    with cycle_collector_paused():
        pass
    assert not gc.isenabled()
