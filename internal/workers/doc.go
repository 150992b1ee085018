// Package workers owns the processes crispify runs for services: setup
// commands, and workers supervised in process groups of their own, with
// readiness probes, restart policies, rotated log files and no orphans. The
// last is held by three layers, each covering what the one before misses: a
// parent-death signal (Linux), a watchdog process that ends every worker's
// family when crispify's pipe to it closes, and a state file of pids and
// start times that the next run ends leftovers from. A worker's family is
// every process descended from it, even one that left its group (setsid):
// on Linux a cgroup each, or crispify as their child subreaper (family).
//
// It also serves and dials the socket of the detach daemon, the background
// process that keeps workers running after `crispify -d` returns.
//
// The package reports through event.Sink only; it never imports the UI.
package workers
