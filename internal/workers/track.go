package workers

// track records a process that started, and its family, in the books of
// the watchdog and of the state file; an error says the state file could
// not take it. untrack, once its family is gone.
func (s *Supervisor) track(name string, replica int, p *proc) error {
	if err := s.state.add(name, replica, p.fam); err != nil {
		return err
	}
	p.fam.follow(func() { s.state.update(p.pid, p.fam, false) })
	s.mu.Lock()
	wd := s.watchdog
	s.mu.Unlock()
	if wd != nil {
		wd.watch(p.pid, p.fam.cgroupDir())
	}
	return nil
}

// unended keeps a process whose family a stop could not end in the state
// file, saying so: status and decrispify name what is left of it.
func (s *Supervisor) unended(p *proc) { s.state.update(p.pid, p.fam, true) }

func (s *Supervisor) untrack(pid int) {
	s.mu.Lock()
	wd := s.watchdog
	s.mu.Unlock()
	if wd != nil {
		wd.forget(pid)
	}
	s.state.remove(pid)
}
