"""Wire formats both ends of a link share: the host side and the emulator import these, never
each other (``docs/radio-link.md``)."""
