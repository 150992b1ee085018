package docker

import "github.com/crispify/crispify/internal/ssh"

// forwards are the ports of an infra entry that its tunnel carries from an
// ssh:// engine: every TCP port, to this machine's end at the address the
// manifest gives (127.0.0.1 unless written otherwise).
func (p *Project) forwards(infra string) []ssh.Forward {
	in := p.Manifest.Infra[infra]
	if in == nil {
		return nil
	}
	var out []ssh.Forward
	for _, port := range in.Ports {
		if port.Proto == "tcp" {
			out = append(out, ssh.Forward{LocalIP: port.HostIP, Port: port.Host})
		}
	}
	return out
}

// Close ends what the project keeps open beyond its calls: the tunnels of
// an ssh:// engine, and the watches on containers counted healthy by their
// probe (confirm). It is safe to call more than once, and on a project
// without either.
func (p *Project) Close() error {
	p.endConfirms()
	return p.Tunnels.Close()
}
