"""Co-processor front ends of the emulator: the serial protocols real network co-processors speak."""
