package docker

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crispify/crispify/internal/ssh"
)

// Resources is what `crispify doctor` says of an engine's machine: how far
// it is (an API round trip) and, for another machine's engine, what it has
// to spare for the infra.
type Resources struct {
	RTT      time.Duration // median of a few API round trips
	Info     HostInfo
	DiskFree int64 // bytes free under the engine's data root; -1 unknown
	MemFree  int64 // bytes of memory available; -1 unknown
	// Unknown says why DiskFree or MemFree could not be read.
	Unknown string
}

// rttSamples is how many round trips the median is of.
const rttSamples = 5

// Describer is what MeasureEngine asks of an engine: its version (the
// calls it times) and its machine.
type Describer interface {
	Version(ctx context.Context) (Version, error)
	HostInfo(ctx context.Context) (HostInfo, error)
}

// MeasureEngine times API round trips to the engine and, when it is another
// machine's reached over ssh://, asks that machine for its free disk and
// memory with the user's ssh (the Engine API has no such call; over tcp://
// they cannot be read).
func MeasureEngine(ctx context.Context, engine Describer, ep Endpoint) (Resources, error) {
	r := Resources{DiskFree: -1, MemFree: -1}
	if _, err := engine.Version(ctx); err != nil { // warms the connection up
		return r, err
	}
	samples := make([]time.Duration, 0, rttSamples)
	for range rttSamples {
		start := time.Now()
		if _, err := engine.Version(ctx); err != nil {
			return r, err
		}
		samples = append(samples, time.Since(start))
	}
	slices.Sort(samples)
	r.RTT = samples[len(samples)/2]
	info, err := engine.HostInfo(ctx)
	if err != nil {
		return r, fmt.Errorf("docker info: %w", err)
	}
	r.Info = info
	switch kindOf(ep.Host) {
	case engineSSH:
		target, err := ssh.ParseTarget(ep.Host)
		if err != nil {
			return r, err
		}
		if err := readRemoteResources(ctx, target, info.DataRoot, &r); err != nil {
			r.Unknown = err.Error()
		}
	case engineTCP:
		r.Unknown = "free disk and memory cannot be read over tcp:// (run `df -h " + info.DataRoot + "` and `free -h` there)"
	}
	return r, nil
}

// readRemoteResources runs df and reads /proc/meminfo on the engine's
// machine, over ssh.
func readRemoteResources(ctx context.Context, t ssh.Target, dataRoot string, r *Resources) error {
	if dataRoot == "" {
		dataRoot = "/var/lib/docker"
	}
	ctx, cancel := context.WithTimeout(ctx, ssh.ConnectTimeout+5*time.Second)
	defer cancel()
	out, said, err := t.Output(ctx, "df", "-Pk", shellQuote(dataRoot), ";", "grep", "MemAvailable", "/proc/meminfo")
	if len(out) == 0 && err != nil {
		if said != "" {
			return fmt.Errorf("ask %s for its free disk and memory: %s", t.Display(), said)
		}
		return fmt.Errorf("ask %s for its free disk and memory: %w", t.Display(), err)
	}
	disk, mem, perr := parseResources(string(out))
	if perr != nil {
		return fmt.Errorf("ask %s for its free disk and memory: %w", t.Display(), perr)
	}
	r.DiskFree, r.MemFree = disk, mem
	return nil
}

// parseResources reads the output of `df -Pk DIR; grep MemAvailable
// /proc/meminfo`: the fourth field of df's second line is the KiB free.
func parseResources(out string) (disk, mem int64, err error) {
	disk, mem = -1, -1
	sc := bufio.NewScanner(strings.NewReader(out))
	line := 0
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		line++
		switch {
		case line == 2 && len(fields) >= 4:
			if kb, err := strconv.ParseInt(fields[3], 10, 64); err == nil {
				disk = kb << 10
			}
		case len(fields) >= 2 && fields[0] == "MemAvailable:":
			if kb, err := strconv.ParseInt(fields[1], 10, 64); err == nil {
				mem = kb << 10
			}
		}
	}
	if disk < 0 && mem < 0 {
		return disk, mem, errors.New("unexpected answer: " + firstLineOf(out))
	}
	return disk, mem, nil
}

func firstLineOf(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// shellQuote quotes a word for the remote shell ssh runs it in.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
