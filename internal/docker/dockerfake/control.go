package dockerfake

import "fmt"

// What a test does to the engine behind crispify's back: a health check
// that changes its verdict, a crash, an engine that goes away.

// SetHealth gives a running container the health status a check of
// Docker's would: "healthy" or "unhealthy".
func (f *Engine) SetHealth(idOrName, status string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.lookup(idOrName)
	if err != nil {
		return err
	}
	if c.State != "running" {
		return fmt.Errorf("container %s is %s, not running", c.Name, c.State)
	}
	c.Health = status
	if status == "unhealthy" {
		c.HealthOutput = "check failed"
	}
	f.publish(c, "health_status: "+status)
	return nil
}

// Exit makes a running container exit with code, as a crash would.
func (f *Engine) Exit(idOrName string, code int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.lookup(idOrName)
	if err != nil {
		return err
	}
	// As Docker does, a stopped container with a health check is unhealthy.
	c.State, c.ExitCode, c.Ports = "exited", code, nil
	if c.Health != "" {
		c.Health = "unhealthy"
	}
	f.publish(c, "die")
	return nil
}

// BreakEvents ends every event stream open now with err, as an engine that
// restarts or a connection that drops does; streams opened later work.
func (f *Engine) BreakEvents(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.subs {
		s.errs <- err
	}
	f.subs = nil
}

// SetUnreachable sets Unreachable (nil: the engine answers again) while
// the engine is in use.
func (f *Engine) SetUnreachable(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Unreachable = err
}
