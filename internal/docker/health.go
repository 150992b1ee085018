package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/probe"
	"github.com/crispify/crispify/internal/ssh"
)

// HealthError is a container that did not become healthy: unhealthy, or
// exited. It carries what a developer needs to see why.
type HealthError struct {
	Infra, Container string
	State            string // "unhealthy", "exited" or "timed out"
	ExitCode         int
	CheckOutput      string // what the last health check printed
	// Waiting is what a container that timed out still waited for:
	// "Docker's check passes; AMQP does not answer yet at 127.0.0.1:5672".
	Waiting string
	Hint    string   // what to try, when there is more to say than its logs
	Logs    []string // the container's last log lines
}

func (e *HealthError) Error() string {
	var b strings.Builder
	switch e.State {
	case "exited":
		fmt.Fprintf(&b, "%s (container %s) exited with code %d", e.Infra, e.Container, e.ExitCode)
	case "unhealthy":
		fmt.Fprintf(&b, "%s (container %s) is unhealthy", e.Infra, e.Container)
	default:
		fmt.Fprintf(&b, "%s (container %s) %s waiting to be healthy", e.Infra, e.Container, e.State)
	}
	if e.Waiting != "" {
		fmt.Fprintf(&b, ": %s", e.Waiting)
	}
	if e.CheckOutput != "" {
		fmt.Fprintf(&b, "; its health check said: %s", e.CheckOutput)
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, "\n%s", e.Hint)
	}
	if len(e.Logs) > 0 {
		fmt.Fprintf(&b, "\nlast %d log lines of %s:\n  %s", len(e.Logs), e.Container, strings.Join(e.Logs, "\n  "))
	}
	fmt.Fprintf(&b, "\nsee all with: crispify logs %s", e.Infra)
	return b.String()
}

// startAndWait starts a container and waits until it is healthy. It listens
// to the engine's events before starting, so that no change is missed.
func (p *Project) startAndWait(ctx context.Context, name, id string, start time.Time) error {
	defer p.keeper.handling(name)()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events, errs := p.Engine.Events(wctx, map[string]string{LabelProject: p.Manifest.Project, LabelInfra: name})
	p.emit(event.Event{Kind: event.Infra, Name: name, Phase: event.Starting})
	p.leadBooting(name, true)
	err := p.Engine.ContainerStart(ctx, id)
	if err != nil {
		p.leadBooting(name, false)
	}
	p.leadStarted(name)
	if err != nil {
		if strings.Contains(err.Error(), "port is already allocated") || strings.Contains(err.Error(), "address already in use") {
			return fmt.Errorf("start container %s: %w: a host port of %s is taken: run `crispify doctor` to see by what", ContainerName(p.Manifest.Project, name), err, name)
		}
		return fmt.Errorf("start container %s: %w", ContainerName(p.Manifest.Project, name), err)
	}
	if err := p.follow(wctx, name, id, start, "", events, errs); err != nil {
		return err
	}
	p.recordHealthTime(name, time.Since(start))
	return nil
}

// waitHealthy waits for a container that is already running.
func (p *Project) waitHealthy(ctx context.Context, name, id string, start time.Time, note string) error {
	defer p.keeper.handling(name)()
	// On a stack that runs, it is most often healthy already: one inspect
	// and, where crispify knows the protocol, one probe say so, without the
	// event stream that follow opens (an update of a running stack asks
	// this of every container it keeps).
	c, err := p.Engine.ContainerInspect(ctx, id)
	if err == nil && c.State == "running" && (c.Health == "" || c.Health == "healthy") {
		pr, addr, ok, err := p.probeTarget(ctx, name, c)
		if err != nil {
			return err
		}
		if !ok {
			return p.healthy(ctx, name, c, start, note)
		}
		attempt, cancel := context.WithTimeout(ctx, probe.Timeout)
		err = pr.Check(attempt, addr)
		cancel()
		if err == nil {
			return p.healthyBy(ctx, name, c, start, note, pr.Kind+" answered")
		}
		// Docker says healthy and the protocol does not answer: follow
		// says so, and waits for it.
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events, errs := p.Engine.Events(wctx, map[string]string{LabelProject: p.Manifest.Project, LabelInfra: name})
	return p.follow(wctx, name, id, start, note, events, errs)
}

// follow reads the engine's events until the container is healthy, fails,
// or the health check's own budget is spent. A slow inspect poll backs the
// event stream up, in case the stream breaks or an event came before it.
//
// Where crispify knows the container's protocol and can reach it, healthy
// is the readiness probe's first pass (probe.go), with the container still
// running and not unhealthy when inspected right after; Docker's check
// passing alone leaves it waiting, and the row says what is missing. The
// container is then followed on until Docker's verdict (see confirm).
// Without a probe, Docker's check alone decides. Either way, Docker's check
// failing makes it sick, and an exit dead.
func (p *Project) follow(ctx context.Context, name, id string, start time.Time, note string, events <-chan ContainerEvent, errs <-chan error) error {
	deadline := time.NewTimer(p.healthBudget(name))
	defer deadline.Stop()
	poll := time.NewTicker(time.Second)
	defer poll.Stop()
	var watch *probe.Watch            // the probe; nil before the container runs, or when there is none
	var tried, passed <-chan struct{} // watch's, until they fired
	watched := false
	said := "" // the waiting message last emitted
	changes := healthChanges(ctx, id, events, errs)
	for {
		// What the probe had said before this inspect: a pass counts only
		// when the container still runs after it.
		answeredBefore := watch != nil && answered(watch)
		triedBefore := watch != nil && attempted(watch)
		c, err := p.Engine.ContainerInspect(ctx, id)
		if err != nil {
			return fmt.Errorf("inspect container %s: %w", ContainerName(p.Manifest.Project, name), err)
		}
		switch {
		case c.State == "exited" || c.State == "dead":
			// Before health: Docker calls a stopped container unhealthy.
			return p.unhealthy(ctx, name, c, "exited", event.Dead)
		case c.Health == "unhealthy":
			return p.unhealthy(ctx, name, c, "unhealthy", event.Sick)
		}
		running := c.State == "running"
		if running && !watched {
			watched = true
			pr, addr, ok, err := p.probeTarget(ctx, name, c)
			if err != nil {
				return err
			}
			if ok {
				watch = probe.Start(ctx, pr, addr)
				tried, passed = watch.Tried(), watch.Passed()
			}
		}
		dockerSays := running && (c.Health == "" || c.Health == "healthy")
		switch {
		case watch == nil && dockerSays:
			return p.healthy(ctx, name, c, start, note)
		case answeredBefore && running:
			return p.healthyByProbe(ctx, name, c, start, note, watch.Probe())
		}
		if msg := waitingFor(c, watch, triedBefore); msg != "" && msg != said {
			p.emit(event.Event{Kind: event.Infra, Name: name, Phase: event.Waiting, Msg: msg})
			said = msg
		}
		// Wait for a reason to look again.
	wait:
		for {
			select {
			case <-changes:
				break wait
			case <-poll.C:
				break wait
			case <-tried:
				tried = nil
				break wait
			case <-passed:
				passed = nil
				break wait
			case <-deadline.C:
				return p.timedOut(ctx, name, c, watch)
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
}

// answered reports whether a watch's probe has passed.
func answered(w *probe.Watch) bool { return closed(w.Passed()) }

// attempted reports whether a watch's first attempt is over.
func attempted(w *probe.Watch) bool { return closed(w.Tried()) }

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// waitingFor is what a waiting row says: Docker's health while its check
// has not passed, else what the probe still waits for; nothing new before
// the probe's first attempt is over, which most often passes.
func waitingFor(c Container, w *probe.Watch, tried bool) string {
	switch {
	case w == nil || c.State != "running" || c.Health == "starting":
		return "health: " + c.Health
	case !tried:
		return ""
	case c.Health == "healthy":
		return "Docker's check passes; " + w.Missing()
	default:
		return "running, with no health check of Docker's; " + w.Missing()
	}
}

// timedOut fails a container whose health budget is spent. When Docker's
// check passed and the protocol never answered, it says so, and what to try.
func (p *Project) timedOut(ctx context.Context, name string, c Container, w *probe.Watch) error {
	he := p.healthError(ctx, name, c, "timed out")
	if w != nil && !answered(w) && c.State == "running" && (c.Health == "" || c.Health == "healthy") {
		he.Waiting = waitingFor(c, w, true)
		if last := w.LastError(); last != "" {
			he.Waiting += " (" + last + ")"
		}
		he.Hint = "crispify counts it healthy once " + w.Probe().Protocol() + " answers where the workers reach it; if they reach it elsewhere, say where with ready: {" + w.Probe().Kind + ": PORT}, or leave it to Docker's check alone with ready: false"
	}
	c.State = "timed out" // not running, as far as the event goes
	return p.report(name, c, event.Sick, he)
}

// healthy reports a container healthy. On an ssh:// engine its tunnel is
// opened first: until it is up, nothing on this machine can reach it.
func (p *Project) healthy(ctx context.Context, name string, c Container, start time.Time, note string) error {
	return p.healthyBy(ctx, name, c, start, note, "")
}

// healthyBy reports a container healthy, saying by what when it was not
// Docker's health check: "amqp answered".
func (p *Project) healthyBy(ctx context.Context, name string, c Container, start time.Time, note, by string) error {
	msg := note
	if msg == "" {
		msg = fmt.Sprintf("in %.1fs", time.Since(start).Seconds())
	}
	if by != "" {
		msg += " (" + by + ")"
	}
	// Since is the container's own start, which may be long before this
	// run's: a board counts its uptime from it.
	e := event.Event{Kind: event.Infra, Name: name, Phase: event.Healthy, Msg: msg, Ports: portStrings(c.Ports), Since: c.StartedAt}
	if fw := p.forwards(name); len(fw) > 0 && p.kind() == engineSSH {
		if p.Tunnels == nil {
			e.Msg += "; its ports are on the engine's 127.0.0.1, forwarded here only while a stack runs (`crispify -d`)"
		} else {
			// Open already when its probe dialled through it.
			if err := p.openTunnel(ctx, name, "healthy on "+p.Engine.Endpoint()+"; opening its tunnel"); err != nil {
				return err
			}
			e.Tunnel = ssh.TunnelUp
			e.Msg += "; tunnel up: " + ssh.ForwardList(fw) + " <- " + p.Engine.Endpoint()
		}
	}
	p.emit(e)
	return nil
}

// unhealthy builds the error of a container that failed, with its last log
// lines, and reports it.
func (p *Project) unhealthy(ctx context.Context, name string, c Container, state string, phase event.Phase) error {
	return p.report(name, c, phase, p.healthError(ctx, name, c, state))
}

// healthError is what a developer needs to see of a container that failed.
func (p *Project) healthError(ctx context.Context, name string, c Container, state string) *HealthError {
	he := &HealthError{Infra: name, Container: ContainerName(p.Manifest.Project, name), State: state, ExitCode: c.ExitCode, CheckOutput: lastLine(c.HealthOutput)}
	he.Logs = p.lastLogs(ctx, c.ID, 20)
	return he
}

// report emits a failed container's event and returns its error.
func (p *Project) report(name string, c Container, phase event.Phase, he *HealthError) error {
	e := event.Event{Kind: event.Infra, Name: name, Phase: phase, Error: he.Error()}
	if c.State == "running" {
		e.Since = c.StartedAt // sick, but up since then
	}
	p.emit(e)
	return he
}

// lastLogs returns up to n last lines a container wrote; none if it cannot.
func (p *Project) lastLogs(ctx context.Context, id string, n int) []string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	rc, err := p.Engine.ContainerLogs(ctx, id, LogOptions{Tail: fmt.Sprint(n)})
	if err != nil {
		return nil
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, 64<<10))
	if err != nil && !errors.Is(err, io.EOF) && len(data) == 0 {
		return nil
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) == 1 && lines[0] == "" {
		return nil
	}
	return lines[max(0, len(lines)-n):]
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// healthBudget is the longest a healthy container could take to say so: its
// start period plus every retry, with a margin. Without a health check,
// running is healthy, which takes seconds.
func (p *Project) healthBudget(name string) time.Duration {
	if p.HealthTimeout > 0 {
		return p.HealthTimeout
	}
	in := p.Manifest.Infra[name]
	if in == nil || in.Health == nil {
		return 60 * time.Second
	}
	h := in.Health
	return h.StartPeriod.D() + time.Duration(h.Retries)*(h.Interval.D()+h.Timeout.D()) + 30*time.Second
}

func portStrings(ports []PortBinding) []string {
	var out []string
	for _, b := range ports {
		ip := b.HostIP
		if ip == "" {
			ip = "0.0.0.0"
		}
		out = append(out, fmt.Sprintf("%s:%d->%d/%s", ip, b.HostPort, b.ContainerPort, b.Proto))
	}
	return out
}

// healthChanges turns the engine's event stream into a signal: a value
// each time an event may change container id's health (coalesced while
// unread), until ctx ends. A stream that breaks stops signalling; the
// callers' inspect poll carries on without it.
func healthChanges(ctx context.Context, id string, events <-chan ContainerEvent, errs <-chan error) <-chan struct{} {
	out := make(chan struct{}, 1)
	go func() {
		for {
			select {
			case e, ok := <-events:
				if !ok {
					return
				}
				if e.ID == id && e.changesHealth() {
					select {
					case out <- struct{}{}:
					default: // one unread signal says as much
					}
				}
			case <-errs:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}
