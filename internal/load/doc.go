// Package load samples what the stack's workers cost the machine: the CPU
// (percent of one core, as top says it) and the resident memory of each
// worker's process groups, children included. On Linux a sample is one
// pass over /proc, every process's stat read once, summed by process group
// (prometheus/procfs's way: no walk of each worker's children, which is
// what made process-compose's figures cost most of a core, its #341).
// Elsewhere a Sampler knows no figures and says so (Supported).
//
// It is an engine package: it imports nothing of the UI, nor of crispify's
// other packages; its callers name the groups to sum.
package load
