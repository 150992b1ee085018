package docker

import (
	"net/http"
	"time"

	"github.com/docker/docker/client"

	"github.com/crispify/crispify/internal/ssh"
)

// sshClientOpts make the Docker client talk HTTP over ssh connections,
// keeping more of them idle than the default two: each new one is a login.
func sshClientOpts(d *ssh.Dialer) []client.Opt {
	transport := &http.Transport{DialContext: d.Dial, MaxIdleConnsPerHost: 16, IdleConnTimeout: 90 * time.Second}
	return []client.Opt{
		client.WithHTTPClient(&http.Client{Transport: transport}),
		client.WithHost("http://docker.example.com"), // a placeholder: the dialer decides where
		client.WithDialContext(d.Dial),
		client.WithAPIVersionNegotiation(),
	}
}
