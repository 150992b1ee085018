package docker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/docker/docker/client"

	"github.com/crispify/crispify/internal/ssh"
)

// Endpoint is where the engine is and how it was chosen, for messages.
type Endpoint struct {
	Host string // unix:///var/run/docker.sock, tcp://10.0.0.5:2376, ...
	// From says which setting chose Host: DOCKER_HOST, DOCKER_CONTEXT,
	// the current context of ~/.docker/config.json, or the default.
	From string
	// TLS files of a context, when it has them.
	CACert, Cert, Key string
}

// ResolveEndpoint finds the engine as the docker CLI does: DOCKER_HOST, else
// DOCKER_CONTEXT, else the current context of ~/.docker/config.json, else
// the platform's default socket.
func ResolveEndpoint(getenv func(string) string) (Endpoint, error) {
	if h := getenv("DOCKER_HOST"); h != "" {
		return Endpoint{Host: h, From: "DOCKER_HOST"}, nil
	}
	configDir := getenv("DOCKER_CONFIG")
	if configDir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return Endpoint{Host: client.DefaultDockerHost, From: "default"}, nil
		}
		configDir = filepath.Join(home, ".docker")
	}
	name, from := getenv("DOCKER_CONTEXT"), "DOCKER_CONTEXT"
	if name == "" {
		name, from = currentContext(configDir), "the current context of "+filepath.Join(configDir, "config.json")
	}
	if name == "" || name == "default" {
		return Endpoint{Host: client.DefaultDockerHost, From: "default"}, nil
	}
	return contextEndpoint(configDir, name, from)
}

func currentContext(configDir string) string {
	data, err := os.ReadFile(filepath.Join(configDir, "config.json"))
	if err != nil {
		return ""
	}
	var cfg struct {
		CurrentContext string `json:"currentContext"`
	}
	if json.Unmarshal(data, &cfg) != nil {
		return ""
	}
	return cfg.CurrentContext
}

// contextEndpoint reads a docker context's metadata, stored under the SHA-256
// of its name as the docker CLI stores it.
func contextEndpoint(configDir, name, from string) (Endpoint, error) {
	sum := sha256.Sum256([]byte(name))
	id := hex.EncodeToString(sum[:])
	metaPath := filepath.Join(configDir, "contexts", "meta", id, "meta.json")
	data, err := os.ReadFile(metaPath)
	if err != nil {
		return Endpoint{}, fmt.Errorf("docker context %q (from %s): %w: list contexts with `docker context ls`", name, from, err)
	}
	var meta struct {
		Endpoints map[string]struct {
			Host string `json:"Host"`
		} `json:"Endpoints"`
	}
	if err := json.Unmarshal(data, &meta); err != nil {
		return Endpoint{}, fmt.Errorf("docker context %q: read %s: %w", name, metaPath, err)
	}
	host := meta.Endpoints["docker"].Host
	if host == "" {
		return Endpoint{}, fmt.Errorf("docker context %q has no docker endpoint: check `docker context inspect %s`", name, name)
	}
	ep := Endpoint{Host: host, From: fmt.Sprintf("context %q (%s)", name, from)}
	tls := filepath.Join(configDir, "contexts", "tls", id, "docker")
	if _, err := os.Stat(filepath.Join(tls, "ca.pem")); err == nil {
		ep.CACert, ep.Cert, ep.Key = filepath.Join(tls, "ca.pem"), filepath.Join(tls, "cert.pem"), filepath.Join(tls, "key.pem")
	}
	return ep, nil
}

// HostAddress is where the engine's ports are reachable from here, for
// CRISPIFY_HOST: the host of a tcp:// endpoint; 127.0.0.1 for a local
// engine and for an ssh:// one, whose ports crispify forwards to this
// machine's 127.0.0.1.
func (e Endpoint) HostAddress() string {
	u, err := url.Parse(e.Host)
	if err != nil || (u.Scheme != "tcp" && u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return "127.0.0.1"
	}
	return u.Hostname()
}

// Local reports whether the engine runs on this machine, so that its
// published ports and bind mounts are this machine's.
func (e Endpoint) Local() bool { return kindOf(e.Host) == engineLocal }

// SSH reports whether the engine is another machine's, reached over ssh://:
// its ports are forwarded here.
func (e Endpoint) SSH() bool { return kindOf(e.Host) == engineSSH }

// Connect resolves the endpoint, connects with API version negotiation (so a
// 20.10 engine works as well as a current one) and pings it. When the engine
// cannot be reached, the error names the endpoint and what to try.
func Connect(ctx context.Context, getenv func(string) string) (Engine, Endpoint, error) {
	ep, err := ResolveEndpoint(getenv)
	if err != nil {
		return nil, ep, err
	}
	opts := []client.Opt{client.WithHost(ep.Host), client.WithAPIVersionNegotiation()}
	pingTimeout := 5 * time.Second
	var dialer *ssh.Dialer
	if u, err := url.Parse(ep.Host); err == nil && u.Scheme == "ssh" {
		target, err := ssh.ParseTarget(ep.Host)
		if err != nil {
			return nil, ep, fmt.Errorf("docker endpoint %s (from %s): %w", ep.Host, ep.From, err)
		}
		dialer = ssh.NewDialer(target)
		opts = sshClientOpts(dialer)
		// The first call also logs in over ssh.
		pingTimeout = ssh.ConnectTimeout + 5*time.Second
	}
	switch {
	case dialer != nil:
	case ep.CACert != "":
		opts = append(opts, client.WithTLSClientConfig(ep.CACert, ep.Cert, ep.Key))
	case getenv("DOCKER_CERT_PATH") != "" && ep.From == "DOCKER_HOST":
		opts = append(opts, client.WithTLSClientConfigFromEnv())
	}
	opts = append(opts, traceAPI())
	c, err := client.NewClientWithOpts(opts...)
	if err != nil {
		return nil, ep, fmt.Errorf("docker endpoint %s (from %s): %w", ep.Host, ep.From, err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if _, err := c.Ping(pingCtx); err != nil {
		c.Close()
		if ctx.Err() != nil {
			return nil, ep, ctx.Err()
		}
		if dialer != nil {
			if sshErr := dialer.LastError(); sshErr != nil {
				err = sshErr // what ssh said beats the HTTP client's "EOF"
			}
		}
		return nil, ep, &UnreachableError{Endpoint: ep, Err: err}
	}
	// Ping negotiates the version when it can; make sure it has.
	c.NegotiateAPIVersion(ctx)
	return &sdk{c: c, endpoint: ep}, ep, nil
}

// UnreachableError says the engine did not answer.
type UnreachableError struct {
	Endpoint Endpoint
	Err      error
}

func (e *UnreachableError) Error() string {
	if t, err := ssh.ParseTarget(e.Endpoint.Host); err == nil {
		return fmt.Sprintf("connect to the docker engine at %s (from %s): %v: can this machine log in there without a password? try `ssh %s docker version`",
			e.Endpoint.Host, e.Endpoint.From, e.Err, t.Display())
	}
	return fmt.Sprintf("connect to the docker engine at %s (from %s): %v: is Docker running? try `docker info`",
		e.Endpoint.Host, e.Endpoint.From, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }
