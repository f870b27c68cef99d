"""smets1-hil rigs: how devices are reached (serial links, ZigBee through zigpy, emulated devices)."""
