package probe

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"math"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/manifest"
)

// fakeServer is a tiny server of one exchange per connection: it reads what
// the probe sends (until a request of read's shape is whole), hands it to
// the test and writes reply. It serves until the test ends.
func fakeServer(t *testing.T, read func(*bufio.Reader) ([]byte, error), reply []byte) (addr string, got <-chan []byte) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	sent := make(chan []byte, 16)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(5 * time.Second))
				r := bufio.NewReader(conn)
				if read != nil {
					b, err := read(r)
					if err != nil {
						return
					}
					sent <- b
				}
				conn.Write(reply)
			}()
		}
	}()
	return ln.Addr().String(), sent
}

// readN reads n bytes.
func readN(n int) func(*bufio.Reader) ([]byte, error) {
	return func(r *bufio.Reader) ([]byte, error) {
		b := make([]byte, n)
		_, err := io.ReadFull(r, b)
		return b, err
	}
}

// readUntil reads up to and with the end marker.
func readUntil(end string) func(*bufio.Reader) ([]byte, error) {
	return func(r *bufio.Reader) ([]byte, error) {
		var b []byte
		for !bytes.HasSuffix(b, []byte(end)) {
			c, err := r.ReadByte()
			if err != nil {
				return b, err
			}
			b = append(b, c)
		}
		return b, nil
	}
}

// readMongo reads one wire-protocol message by its length.
func readMongo(r *bufio.Reader) ([]byte, error) {
	head := make([]byte, 4)
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, err
	}
	rest := make([]byte, binary.LittleEndian.Uint32(head)-4)
	_, err := io.ReadFull(r, rest)
	return append(head, rest...), err
}

func check(t *testing.T, pr Probe, addr string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return pr.Check(ctx, addr)
}

// amqpFrame is a method frame on channel 0.
func amqpFrame(class, method uint16, args []byte) []byte {
	payload := binary.BigEndian.AppendUint16(nil, class)
	payload = binary.BigEndian.AppendUint16(payload, method)
	payload = append(payload, args...)
	f := append([]byte{1, 0, 0}, binary.BigEndian.AppendUint32(nil, uint32(len(payload)))...)
	return append(append(f, payload...), 0xCE)
}

// connectionStart is what RabbitMQ sends first: version 0-9, an empty
// server-properties table, the mechanisms and locales.
var connectionStartArgs = []byte("\x00\x09\x00\x00\x00\x00\x00\x00\x00\x05PLAIN\x00\x00\x00\x05en_US")

func TestProbeAMQP(t *testing.T) {
	pr := Probe{Kind: manifest.ProbeAMQP, Port: 5672}
	addr, got := fakeServer(t, readN(8), amqpFrame(10, 10, connectionStartArgs))
	if err := check(t, pr, addr); err != nil {
		t.Fatalf("Connection.Start: %v", err)
	}
	if b := <-got; string(b) != "AMQP\x00\x00\x09\x01" {
		t.Errorf("sent %q, want the AMQP 0-9-1 protocol header", b)
	}
	for name, reply := range map[string][]byte{
		"another version":        []byte("AMQP\x00\x00\x09\x00"),
		"Connection.Tune first":  amqpFrame(10, 30, []byte{0, 0, 0, 0, 0, 0, 0, 0}),
		"a frame of another end": bytes.Replace(amqpFrame(10, 10, connectionStartArgs), []byte{0xCE}, []byte{0}, 1),
		"closed at once":         nil,
	} {
		addr, _ := fakeServer(t, readN(8), reply)
		if err := check(t, pr, addr); err == nil {
			t.Errorf("%s: passed", name)
		}
	}
}

// opMsgReply frames a reply document as a server does.
func opMsgReply(doc []byte) []byte {
	msg := binary.LittleEndian.AppendUint32(nil, uint32(16+4+1+len(doc)))
	msg = binary.LittleEndian.AppendUint32(msg, 7)
	msg = binary.LittleEndian.AppendUint32(msg, 1)
	msg = binary.LittleEndian.AppendUint32(msg, opMsg)
	msg = binary.LittleEndian.AppendUint32(msg, 0)
	return append(append(msg, 0), doc...)
}

func bsonDouble(key string, v float64) []byte {
	b := append([]byte{0x01}, key...)
	return binary.LittleEndian.AppendUint64(append(b, 0), math.Float64bits(v))
}

func TestProbeMongo(t *testing.T) {
	pr := Probe{Kind: manifest.ProbeMongo, Port: 27017}
	// FerretDB and mongod put ok last, after fields of other kinds.
	topology := append(append([]byte{0x03}, "topologyVersion\x00"...), bsonDoc(bsonInt32("counter", 0))...)
	ok := bsonDoc(bsonString("note", "x"), bsonInt32("maxWireVersion", 21), topology, bsonDouble("ok", 1))
	addr, got := fakeServer(t, readMongo, opMsgReply(ok))
	if err := check(t, pr, addr); err != nil {
		t.Fatalf("ok: 1: %v", err)
	}
	sent := <-got
	if code := binary.LittleEndian.Uint32(sent[12:]); code != opMsg {
		t.Errorf("sent opcode %d, want OP_MSG", code)
	}
	want := bsonDoc(bsonInt32("ping", 1), bsonString("$db", "admin"))
	if len(sent) < 21 || sent[20] != 0 || !bytes.Equal(sent[21:], want) {
		t.Errorf("sent %x, want one body section {ping: 1, $db: admin}", sent)
	}
	for name, reply := range map[string][]byte{
		"ok: 0":       opMsgReply(bsonDoc(bsonDouble("ok", 0), bsonString("errmsg", "starting"))),
		"no ok":       opMsgReply(bsonDoc(bsonString("note", "x"))),
		"not OP_MSG":  bytes.Replace(opMsgReply(bsonDoc(bsonDouble("ok", 1))), binary.LittleEndian.AppendUint32(nil, opMsg), []byte{1, 0, 0, 0}, 1),
		"closed":      nil,
		"cut short":   opMsgReply(bsonDoc(bsonDouble("ok", 1)))[:20],
		"bad doc len": opMsgReply([]byte{0xff, 0, 0, 0, 0}),
	} {
		addr, _ := fakeServer(t, readMongo, reply)
		if err := check(t, pr, addr); err == nil {
			t.Errorf("%s: passed", name)
		}
	}
}

// mysqlPacket frames a payload with its sequence number.
func mysqlPacket(seq byte, payload []byte) []byte {
	n := len(payload)
	return append([]byte{byte(n), byte(n >> 8), byte(n >> 16), seq}, payload...)
}

func TestProbeMySQL(t *testing.T) {
	pr := Probe{Kind: manifest.ProbeMySQL, Port: 3306}
	handshake := append([]byte{10}, "5.5.5-10.11.6-MariaDB-0+deb12u1\x00\x08\x00\x00\x00abcdefgh\x00"...)
	addr, _ := fakeServer(t, nil, mysqlPacket(0, handshake))
	if err := check(t, pr, addr); err != nil {
		t.Fatalf("handshake v10: %v", err)
	}
	refused := append([]byte{0xFF, 0x10, 0x04}, "#08004Too many connections"...)
	addr, _ = fakeServer(t, nil, mysqlPacket(0, refused))
	if err := check(t, pr, addr); err == nil || !strings.Contains(err.Error(), "Too many connections") {
		t.Errorf("error packet: %v, want it named", err)
	}
	for name, reply := range map[string][]byte{
		"protocol 9":  mysqlPacket(0, append([]byte{9}, "4.0\x00"...)),
		"sequence 1":  mysqlPacket(1, handshake),
		"closed":      nil,
		"cut short":   mysqlPacket(0, handshake)[:10],
		"empty frame": mysqlPacket(0, nil),
	} {
		addr, _ := fakeServer(t, nil, reply)
		if err := check(t, pr, addr); err == nil {
			t.Errorf("%s: passed", name)
		}
	}
}

func TestProbeRedis(t *testing.T) {
	pr := Probe{Kind: manifest.ProbeRedis, Port: 6379}
	addr, got := fakeServer(t, readN(14), []byte("+PONG\r\n"))
	if err := check(t, pr, addr); err != nil {
		t.Fatalf("+PONG: %v", err)
	}
	if b := <-got; string(b) != "*1\r\n$4\r\nPING\r\n" {
		t.Errorf("sent %q, want PING as a RESP array", b)
	}
	for _, reply := range []string{"-LOADING Redis is loading the dataset in memory\r\n", "-NOAUTH Authentication required.\r\n", "+PON", ""} {
		addr, _ := fakeServer(t, readN(14), []byte(reply))
		if err := check(t, pr, addr); err == nil {
			t.Errorf("%q: passed", reply)
		}
	}
}

func TestProbeSSDB(t *testing.T) {
	pr := Probe{Kind: manifest.ProbeSSDB, Port: 8888}
	addr, got := fakeServer(t, readN(8), []byte("2\nok\n\n"))
	if err := check(t, pr, addr); err != nil {
		t.Fatalf("ok: %v", err)
	}
	if b := <-got; string(b) != "4\nping\n\n" {
		t.Errorf("sent %q, want ping in SSDB's blocks", b)
	}
	for _, reply := range []string{"5\nerror\n\n", "9\nnoauth\n\n", "x\nok\n\n", "2\nok", ""} {
		addr, _ := fakeServer(t, readN(8), []byte(reply))
		if err := check(t, pr, addr); err == nil {
			t.Errorf("%q: passed", reply)
		}
	}
}

func httpReply(status, body string) []byte {
	return []byte("HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
}

func TestProbeHTTP(t *testing.T) {
	pr := Probe{Kind: manifest.ProbeHTTP, Port: 9200, Path: "/_cluster/health"}
	addr, got := fakeServer(t, readUntil("\r\n\r\n"), httpReply("200 OK", `{"cluster_name":"x","status":"yellow"}`))
	if err := check(t, pr, addr); err != nil {
		t.Fatalf("200 yellow: %v", err)
	}
	if b := string(<-got); !strings.HasPrefix(b, "GET /_cluster/health HTTP/1.1\r\n") || !strings.Contains(b, "\r\nHost: "+addr+"\r\n") {
		t.Errorf("sent %q, want GET /_cluster/health with its Host", b)
	}
	plain, _ := fakeServer(t, readUntil("\r\n\r\n"), httpReply("204 No Content", ""))
	if err := check(t, Probe{Kind: manifest.ProbeHTTP, Port: 80}, plain); err != nil {
		t.Errorf("204 on /: %v", err)
	}
	for name, reply := range map[string][]byte{
		"red":         httpReply("200 OK", `{"status":"red"}`),
		"503":         httpReply("503 Service Unavailable", `{"error":"master_not_discovered_exception"}`),
		"401":         httpReply("401 Unauthorized", ""),
		"not http":    []byte("+PONG\r\n"),
		"closed":      nil,
		"cut headers": []byte("HTTP/1.1 200 OK\r\nContent-"),
	} {
		addr, _ := fakeServer(t, readUntil("\r\n\r\n"), reply)
		if err := check(t, pr, addr); err == nil {
			t.Errorf("%s: passed", name)
		}
	}
}

func TestProbeGivesUpWithItsContext(t *testing.T) {
	// A server that accepts and never answers: the attempt ends with ctx.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := (Probe{Kind: manifest.ProbeAMQP, Port: 5672}).Check(ctx, ln.Addr().String()); err == nil {
		t.Fatal("a silent server passed")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the attempt took %s, past its context", took)
	}
}
