package docker

import "testing"

func TestKindOfEndpoints(t *testing.T) {
	for host, want := range map[string]engineKind{
		"unix:///var/run/docker.sock":    engineLocal,
		"npipe:////./pipe/docker":        engineLocal,
		"tcp://127.0.0.1:2375":           engineLocal,
		"tcp://localhost:2375":           engineLocal,
		"ssh://dev@localhost":            engineLocal, // this machine: nothing to forward
		"ssh://dev@buildbox":             engineSSH,
		"ssh://dev@10.0.0.5:2222/socket": engineSSH,
		"tcp://10.0.0.5:2376":            engineTCP,
		"https://docker.example.com":     engineTCP,
	} {
		if got := kindOf(host); got != want {
			t.Errorf("kindOf(%s) = %d, want %d", host, got, want)
		}
	}
	ep := Endpoint{Host: "ssh://dev@buildbox"}
	if ep.Local() || !ep.SSH() || ep.HostAddress() != "127.0.0.1" {
		t.Errorf("ssh endpoint: local %v, ssh %v, CRISPIFY_HOST %s: want a remote whose ports are forwarded to 127.0.0.1", ep.Local(), ep.SSH(), ep.HostAddress())
	}
	if ep := (Endpoint{Host: "tcp://10.0.0.5:2376"}); ep.Local() || ep.SSH() || ep.HostAddress() != "10.0.0.5" {
		t.Errorf("tcp endpoint: CRISPIFY_HOST %s, want the remote host", ep.HostAddress())
	}
}

func TestParseResources(t *testing.T) {
	out := "Filesystem     1024-blocks     Used Available Capacity Mounted on\n/dev/vda        263174212 15000000 80000000      16% /\nMemAvailable:   23000000 kB\n"
	disk, mem, err := parseResources(out)
	if err != nil || disk != 80000000<<10 || mem != 23000000<<10 {
		t.Errorf("disk %d mem %d err %v", disk, mem, err)
	}
	if _, _, err := parseResources("sh: df: not found\n"); err == nil {
		t.Error("an answer without figures was taken")
	}
}

func TestNoTunnelsForEnginesThatNeedNone(t *testing.T) {
	for _, host := range []string{"unix:///var/run/docker.sock", "tcp://10.0.0.5:2376", "ssh://dev@localhost"} {
		if NewTunnels(Endpoint{Host: host}, t.TempDir(), nil) != nil {
			t.Errorf("%s got tunnels", host)
		}
	}
}
