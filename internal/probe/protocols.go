package probe

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/crispify/crispify/internal/manifest"
)

// The handshakes: each is the least a client of the protocol does before
// the server has proven it serves, written out so that one probe costs one
// connection and a round trip, and crispify no driver.

// Check runs the probe once against addr (host:port): it passes when the
// server answers the protocol's handshake as a ready server does. ctx bounds
// the dial and the exchange.
func (pr Probe) Check(ctx context.Context, addr string) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		if err := conn.SetDeadline(deadline); err != nil {
			return err
		}
	}
	// A context that ends early (the wait is over) ends the exchange too.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	r := bufio.NewReader(conn)
	switch pr.Kind {
	case manifest.ProbeAMQP:
		return checkAMQP(conn, r)
	case manifest.ProbeMongo:
		return checkMongo(conn, r)
	case manifest.ProbeMySQL:
		handshake, err := checkMySQL(r)
		if err != nil {
			return err
		}
		leaveMySQL(conn, r, handshake)
		return nil
	case manifest.ProbeRedis:
		if err := checkRedis(conn, r); err != nil {
			return err
		}
		leaveRedis(conn, r)
		return nil
	case manifest.ProbeSSDB:
		return checkSSDB(conn, r)
	case manifest.ProbeHTTP:
		return checkHTTP(conn, r, addr, pr.path())
	}
	return fmt.Errorf("unknown probe %q", pr.Kind)
}

// amqpHeader opens an AMQP 0-9-1 connection.
const amqpHeader = "AMQP\x00\x00\x09\x01"

// checkAMQP sends the protocol header and reads the server's first frame,
// which must be the method Connection.Start (class 10, method 10) on
// channel 0. A server of another version answers with its own header.
func checkAMQP(w io.Writer, r *bufio.Reader) error {
	if _, err := io.WriteString(w, amqpHeader); err != nil {
		return err
	}
	var head [7]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return fmt.Errorf("read the first frame: %w", err)
	}
	if string(head[:4]) == "AMQP" {
		return fmt.Errorf("the server speaks another AMQP version (%x)", head[4:])
	}
	kind, channel, size := head[0], binary.BigEndian.Uint16(head[1:]), binary.BigEndian.Uint32(head[3:])
	if kind != 1 || channel != 0 || size < 4 || size > 1<<20 {
		return fmt.Errorf("first frame of type %d on channel %d, %d bytes: not Connection.Start", kind, channel, size)
	}
	payload := make([]byte, size+1) // and the frame-end octet
	if _, err := io.ReadFull(r, payload); err != nil {
		return fmt.Errorf("read Connection.Start: %w", err)
	}
	class, method := binary.BigEndian.Uint16(payload), binary.BigEndian.Uint16(payload[2:])
	if class != 10 || method != 10 || payload[size] != 0xCE {
		return fmt.Errorf("first method %d.%d: not Connection.Start (10.10)", class, method)
	}
	return nil
}

// Mongo's wire protocol: OP_MSG, one body section.
const opMsg = 2013

// checkMongo sends {ping: 1, $db: "admin"}, which needs no authentication,
// and wants a reply whose ok is 1.
func checkMongo(w io.Writer, r *bufio.Reader) error {
	doc := bsonDoc(bsonInt32("ping", 1), bsonString("$db", "admin"))
	msg := binary.LittleEndian.AppendUint32(nil, uint32(16+4+1+len(doc)))
	msg = binary.LittleEndian.AppendUint32(msg, 1) // request ID
	msg = binary.LittleEndian.AppendUint32(msg, 0) // response to
	msg = binary.LittleEndian.AppendUint32(msg, opMsg)
	msg = binary.LittleEndian.AppendUint32(msg, 0) // flag bits
	msg = append(msg, 0)                           // section kind: body
	msg = append(msg, doc...)
	if _, err := w.Write(msg); err != nil {
		return err
	}
	var head [16]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return fmt.Errorf("read the reply to ping: %w", err)
	}
	size, code := binary.LittleEndian.Uint32(head[:]), binary.LittleEndian.Uint32(head[12:])
	if code != opMsg || size < 16+4+1+5 || size > 48<<20 {
		return fmt.Errorf("reply to ping of opcode %d, %d bytes: not OP_MSG", code, size)
	}
	rest := make([]byte, size-16)
	if _, err := io.ReadFull(r, rest); err != nil {
		return fmt.Errorf("read the reply to ping: %w", err)
	}
	if rest[4] != 0 {
		return fmt.Errorf("reply to ping has a section of kind %d first", rest[4])
	}
	ok, found := bsonOK(rest[5:])
	if !found {
		return errors.New("reply to ping has no ok")
	}
	if !ok {
		return errors.New("ping answered ok: 0")
	}
	return nil
}

func bsonInt32(key string, v int32) []byte {
	b := append([]byte{0x10}, key...)
	return binary.LittleEndian.AppendUint32(append(b, 0), uint32(v))
}

func bsonString(key, v string) []byte {
	b := append([]byte{0x02}, key...)
	b = binary.LittleEndian.AppendUint32(append(b, 0), uint32(len(v)+1))
	return append(append(b, v...), 0)
}

func bsonDoc(elems ...[]byte) []byte {
	body := bytes.Join(elems, nil)
	out := binary.LittleEndian.AppendUint32(nil, uint32(4+len(body)+1))
	return append(append(out, body...), 0)
}

// bsonOK reads the field ok of a document: a double, int32, int64 or bool.
// Other fields are skipped by their size; found is false when the document
// cannot be read that far.
func bsonOK(doc []byte) (ok, found bool) {
	if len(doc) < 5 || int(binary.LittleEndian.Uint32(doc)) > len(doc) {
		return false, false
	}
	doc = doc[:binary.LittleEndian.Uint32(doc)]
	for i := 4; i < len(doc) && doc[i] != 0; {
		kind := doc[i]
		end := bytes.IndexByte(doc[i+1:], 0)
		if end < 0 {
			return false, false
		}
		key := string(doc[i+1 : i+1+end])
		i += 1 + end + 1
		n := bsonSize(kind, doc[i:])
		if n < 0 || i+n > len(doc) {
			return false, false
		}
		if key == "ok" {
			v := doc[i : i+n]
			switch kind {
			case 0x01:
				return math.Float64frombits(binary.LittleEndian.Uint64(v)) == 1, true
			case 0x10:
				return binary.LittleEndian.Uint32(v) == 1, true
			case 0x12:
				return binary.LittleEndian.Uint64(v) == 1, true
			case 0x08:
				return v[0] == 1, true
			}
			return false, true
		}
		i += n
	}
	return false, false
}

// bsonSize is the length of a value of the kinds a reply to ping holds
// before its ok; -1 for a kind it cannot skip.
func bsonSize(kind byte, b []byte) int {
	switch kind {
	case 0x08:
		return 1
	case 0x10:
		return 4
	case 0x01, 0x09, 0x11, 0x12:
		return 8
	case 0x07:
		return 12
	case 0x13:
		return 16
	case 0x0A:
		return 0
	}
	if len(b) < 4 {
		return -1
	}
	n := int(binary.LittleEndian.Uint32(b))
	switch kind {
	case 0x02: // string
		return 4 + n
	case 0x03, 0x04: // document, array
		return n
	case 0x05: // binary
		return 4 + 1 + n
	}
	return -1
}

// checkMySQL reads the initial handshake a MySQL or MariaDB server sends as
// soon as it accepts a client: protocol version 10, returned whole (up to
// 1 KiB) for leaveMySQL. An error packet (too many connections, a host not
// allowed) says why the server refused.
func checkMySQL(r *bufio.Reader) ([]byte, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, fmt.Errorf("read the handshake: %w", err)
	}
	size := int(head[0]) | int(head[1])<<8 | int(head[2])<<16
	if size < 1 || head[3] != 0 {
		return nil, fmt.Errorf("first packet of %d bytes, sequence %d: not a handshake", size, head[3])
	}
	payload := make([]byte, min(size, 1<<10))
	if _, err := io.ReadFull(r, payload); err != nil {
		return nil, fmt.Errorf("read the handshake: %w", err)
	}
	switch payload[0] {
	case 10:
		if _, err := r.Discard(size - len(payload)); err != nil {
			return nil, fmt.Errorf("read the handshake: %w", err)
		}
		return payload, nil
	case 0xFF:
		msg := ""
		if len(payload) > 3 {
			msg = strings.TrimPrefix(string(payload[3:]), "#")
			if len(msg) > 5 && msg[0] >= '0' && msg[0] <= '9' { // the SQL state
				msg = msg[5:]
			}
		}
		return nil, fmt.Errorf("the server refused: %s", msg)
	}
	return nil, fmt.Errorf("handshake of protocol %d, want 10", payload[0])
}

// checkRedis sends PING and wants +PONG. A server loading its data answers
// -LOADING, one that wants a password -NOAUTH: neither passes, and Docker's
// health check decides.
func checkRedis(w io.Writer, r *bufio.Reader) error {
	if _, err := io.WriteString(w, "*1\r\n$4\r\nPING\r\n"); err != nil {
		return err
	}
	line, err := readLine(r)
	if err != nil {
		return fmt.Errorf("read the answer to PING: %w", err)
	}
	if line != "+PONG" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// checkSSDB sends ping in SSDB's protocol (blocks of "length\ndata\n", a
// packet ended by an empty line) and wants the status ok.
func checkSSDB(w io.Writer, r *bufio.Reader) error {
	if _, err := io.WriteString(w, "4\nping\n\n"); err != nil {
		return err
	}
	n, err := readLine(r)
	if err != nil {
		return fmt.Errorf("read the answer to ping: %w", err)
	}
	size, err := strconv.Atoi(n)
	if err != nil || size < 0 || size > 1<<10 {
		return fmt.Errorf("ping answered a block of length %q", n)
	}
	status := make([]byte, size+1)
	if _, err := io.ReadFull(r, status); err != nil {
		return fmt.Errorf("read the answer to ping: %w", err)
	}
	if got := string(status[:size]); got != "ok" {
		return fmt.Errorf("ping answered %q", got)
	}
	return nil
}

// checkHTTP sends GET path and wants a 2xx, whose body, when it is JSON
// with a status, does not say red: Elasticsearch's /_cluster/health is 200
// while the cluster still cannot serve.
func checkHTTP(w io.Writer, r *bufio.Reader, addr, path string) error {
	req := "GET " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: crispify\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
	if _, err := io.WriteString(w, req); err != nil {
		return err
	}
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		return fmt.Errorf("read the answer to GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("GET %s answered %s", path, resp.Status)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var health struct {
		Status string `json:"status"`
	}
	if json.Unmarshal(body, &health) == nil && health.Status == "red" {
		return fmt.Errorf("GET %s answered status red", path)
	}
	return nil
}

// readLine reads a line ended by \n (a \r before it dropped), of at most a
// few kilobytes.
func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(line), "\r\n"), nil
}
