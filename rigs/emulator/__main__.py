"""``python -m rigs.emulator``: the emulator process (see :mod:`rigs.emulator.process`)."""

import sys

from rigs.emulator.process import main

sys.exit(main())
