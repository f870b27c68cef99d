"""Counters shared by every stream decoder, identical for both implementations."""

from typing import NamedTuple


class DecoderStats(NamedTuple):
    """What a stream decoder has seen so far.

    frames: whole, check-valid frames returned by ``feed``.
    crc_errors: frames dropped because their CRC / FCS did not match.
    discarded: input dropped for any other reason (see each codec's documentation).
    oversized: frames dropped because they grew beyond the decoder's limit.
    """

    frames: int
    crc_errors: int
    discarded: int
    oversized: int
