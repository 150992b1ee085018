package stack

import (
	"time"

	"github.com/crispify/crispify/internal/event"
	"github.com/crispify/crispify/internal/workers"
)

// The supervisor serves <workspace>/.crispify/supervisor-<project>.sock, a
// unix socket (AF_UNIX works on Windows 10 and later too) that only the
// user may connect to (0600), with newline-delimited JSON: one request per
// connection, then one response, or a stream of them (events, an apply's
// events and its result).

// protocolVersion is the supervisor protocol's version, sent with every
// ping: raised whenever a request or reply changes meaning, so that a CLI
// of another version says so rather than misread the replies. A
// supervisor of an older crispify sends none (0). opPing and opDown keep
// their meaning across versions: any crispify can find and stop any
// supervisor.
const protocolVersion = 1

// The requests of the protocol.
const (
	opPing    = "ping"
	opStatus  = "status"
	opEvents  = "events"
	opApply   = "apply"
	opStop    = "stop"    // items by name, the rest goes on
	opRestart = "restart" // items by name
	opDown    = "down"    // every worker; the supervisor then exits
	opWatch   = "watch"   // turn watching of workers' files on or off
	opQueues  = "queues"  // RabbitMQ's queues, read now (status)
)

type request struct {
	Op    string   `json:"op"`
	Names []string `json:"names,omitempty"`
	// Kind limits stop and restart to workers or infra; "" is whichever
	// has the name.
	Kind  event.Kind `json:"kind,omitempty"`
	On    bool       `json:"on,omitempty"` // watch: on or off
	Apply *Request   `json:"apply,omitempty"`
}

type response struct {
	OK    bool   `json:"ok,omitempty"`
	Error string `json:"error,omitempty"`
	PID   int    `json:"pid,omitempty"`
	// InTerminal says the supervisor is a foreground crispify, in a
	// terminal of its own, not a detached one (ping).
	InTerminal bool `json:"in_terminal,omitempty"`
	// Protocol and Version say which supervisor answers a ping: its
	// protocolVersion and its crispify version.
	Protocol int                `json:"protocol,omitempty"`
	Version  string             `json:"version,omitempty"`
	Project  string             `json:"project,omitempty"`
	Status   []workers.Status   `json:"status,omitempty"`
	Queues   []event.QueueState `json:"queues,omitempty"`
	Event    *event.Event       `json:"event,omitempty"`
	Result   *Result            `json:"result,omitempty"`
	// Trace is a line of the -v trace of an apply whose requester asked
	// for it (Request.Verbose), already masked.
	Trace string `json:"trace,omitempty"`
}

const (
	// requestTimeout bounds reading a request and writing one response, so
	// that a stuck client costs a goroutine for a while, not for ever.
	requestTimeout = 10 * time.Second
	// dialTimeout bounds connecting to the supervisor and its first
	// answer: one that does not answer that fast is hung.
	dialTimeout = 5 * time.Second
)
