package workers

// ProcessStopped reports whether pid is stopped by job control (Ctrl-Z,
// SIGSTOP): it runs, and will not answer until continued.
func ProcessStopped(pid int) bool {
	f, ok := procStat(pid)
	return ok && len(f) > 0 && f[0] == "T"
}
