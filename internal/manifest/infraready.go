package manifest

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// InfraReady is infra.NAME.ready: how crispify itself checks, from the host,
// that a starting container answers, so that it counts as healthy without
// waiting for Docker's first health check. Without it, the image's name and
// ports choose the probe; `ready: false` turns probing off (Off). At most
// one protocol is set, each to the container port it is spoken on.
type InfraReady struct {
	Off   bool   `yaml:"-"`
	AMQP  int    `yaml:"amqp" oneof:"probe" min:"1" max:"65535" doc:"AMQP 0-9-1: send the protocol header, read Connection.Start (RabbitMQ)."`
	Mongo int    `yaml:"mongo" oneof:"probe" min:"1" max:"65535" doc:"MongoDB wire protocol: ping over OP_MSG answers ok (MongoDB, FerretDB)."`
	MySQL int    `yaml:"mysql" oneof:"probe" min:"1" max:"65535" doc:"MySQL protocol: the server's initial handshake packet (MySQL, MariaDB)."`
	Redis int    `yaml:"redis" oneof:"probe" min:"1" max:"65535" doc:"RESP: PING answers +PONG (Redis)."`
	SSDB  int    `yaml:"ssdb" oneof:"probe" min:"1" max:"65535" doc:"SSDB's protocol: ping answers ok."`
	HTTP  int    `yaml:"http" oneof:"probe" min:"1" max:"65535" doc:"HTTP: GET path answers 2xx, and not a JSON status of red (Elasticsearch)."`
	Path  string `yaml:"path" pattern:"^/" doc:"The path of an http probe; default /."`
}

// Probe kinds, as the manifest names them.
const (
	ProbeAMQP  = "amqp"
	ProbeMongo = "mongo"
	ProbeMySQL = "mysql"
	ProbeRedis = "redis"
	ProbeSSDB  = "ssdb"
	ProbeHTTP  = "http"
)

// probeKinds lists the protocol keys of ready, in the order they are written.
var probeKinds = []string{ProbeAMQP, ProbeMongo, ProbeMySQL, ProbeRedis, ProbeSSDB, ProbeHTTP}

// Probe returns the protocol and container port the entry names; kind is
// "" when it names none (ready: false).
func (r *InfraReady) Probe() (kind string, port int) {
	for i, p := range r.ports() {
		if p != 0 {
			return probeKinds[i], p
		}
	}
	return "", 0
}

// infraReady reads ready: true or false, or a map of one protocol.
func (l *loader) infraReady(infra string, n *yaml.Node, path string) *InfraReady {
	if r := resolve(n); r.Kind == yaml.ScalarNode {
		if r.ShortTag() != "!!bool" {
			l.typeErr(n, path, "false, true or a map like {amqp: 5672}")
			return nil
		}
		if r.Value == "true" || r.Value == "True" || r.Value == "TRUE" {
			return nil // the default: chosen by image
		}
		return &InfraReady{Off: true}
	}
	ready := &InfraReady{}
	what := fmt.Sprintf("in ready of infra %q", infra)
	ok := l.object(n, path, what, keysOf[InfraReady](), func(key string, v *yaml.Node, p string) {
		var port int
		if key != "path" {
			port, _ = l.integer(v, p)
		}
		switch key {
		case ProbeAMQP:
			ready.AMQP = port
		case ProbeMongo:
			ready.Mongo = port
		case ProbeMySQL:
			ready.MySQL = port
		case ProbeRedis:
			ready.Redis = port
		case ProbeSSDB:
			ready.SSDB = port
		case ProbeHTTP:
			ready.HTTP = port
		case "path":
			ready.Path = l.str(v, p)
		}
	})
	if !ok {
		return nil
	}
	return ready
}

// checkInfraReady checks that ready names one protocol on a real port, and
// a path only for http.
func checkInfraReady(l *loader, m *Manifest) {
	for _, name := range m.InfraNames() {
		r := m.Infra[name].Ready
		p := join("infra", name) + ".ready"
		if r == nil || r.Off || l.bad[p] {
			continue
		}
		var set []string
		for _, k := range probeKinds {
			if l.has(p + "." + k) {
				set = append(set, k)
			}
		}
		switch len(set) {
		case 0:
			l.add(l.keyAt(p), "ready of infra %q needs one of %s (the container port to probe), or false to turn probing off", name, strings.Join(probeKinds, ", "))
		case 1:
		default:
			l.add(l.keyAt(p), "ready of infra %q has %s: keep exactly one", name, strings.Join(set, " and "))
		}
		for _, k := range set {
			if port := r.port(k); !l.bad[p+"."+k] && (port < 1 || port > 65535) {
				l.add(l.at(p+"."+k), "%s.%s: port %d is out of range 1..65535", p, k, port)
			}
		}
		switch {
		case !l.has(p+".path") || l.bad[p+".path"]:
		case r.HTTP == 0 && !l.has(p+".http"):
			l.add(l.at(p+".path"), "%s.path is for an http probe: add http: PORT or remove path", p)
		case !strings.HasPrefix(r.Path, "/"):
			l.add(l.at(p+".path"), "%s.path: %q must start with /", p, r.Path)
		}
	}
}

// port is the container port the entry gives one protocol key.
func (r *InfraReady) port(kind string) int {
	return r.ports()[slices.Index(probeKinds, kind)]
}

// ports are the entry's ports in the order of probeKinds.
func (r *InfraReady) ports() []int {
	return []int{r.AMQP, r.Mongo, r.MySQL, r.Redis, r.SSDB, r.HTTP}
}
