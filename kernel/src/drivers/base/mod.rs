//! The driver core's sysfs side.  Linux: drivers/base/ (cpu.c: /sys/devices/system/cpu).
pub mod cpu;
