package probe

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/crispify/crispify/internal/manifest"
)

// conversation is a server of one connection at a time that runs talk on
// each, and hands what talk returns to the test: what the probe said after
// its handshake, or how it left.
func conversation(t *testing.T, talk func(net.Conn, *bufio.Reader) string) (addr string, said <-chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	out := make(chan string, 16)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(5 * time.Second))
				out <- talk(conn, bufio.NewReader(conn))
			}()
		}
	}()
	return ln.Addr().String(), out
}

// closedByPeer says whether the probe closed its end: the next read is EOF.
func closedByPeer(r *bufio.Reader) bool {
	_, err := r.ReadByte()
	return err == io.EOF
}

func TestProbeRedisSaysQUIT(t *testing.T) {
	addr, said := conversation(t, func(c net.Conn, r *bufio.Reader) string {
		ping := make([]byte, 14)
		if _, err := io.ReadFull(r, ping); err != nil {
			return "no PING: " + err.Error()
		}
		c.Write([]byte("+PONG\r\n"))
		quit := make([]byte, 14)
		if _, err := io.ReadFull(r, quit); err != nil {
			return "closed without QUIT: " + err.Error()
		}
		c.Write([]byte("+OK\r\n"))
		if !closedByPeer(r) {
			return string(quit) + " and did not close"
		}
		return string(quit)
	})
	if err := check(t, Probe{Kind: manifest.ProbeRedis, Port: 6379}, addr); err != nil {
		t.Fatalf("+PONG: %v", err)
	}
	if got := <-said; got != "*1\r\n$4\r\nQUIT\r\n" {
		t.Errorf("after PONG the probe said %q, want QUIT as a RESP array, then closing", got)
	}
}

// mariadbHandshake is what MariaDB 10.11 sends first, as read from
// crispify-local/mariadb: capabilities 0x81fff7fe, plugin authentication
// among them.
var mariadbHandshake = []byte("\n5.5.5-10.11.19-MariaDB-0+deb12u1\x00\r\x00\x00\x00IYfq*w=f\x00\xfe\xf7-\x02\x00\xff\x81\x15\x00\x00\x00\x00\x00\x00\x1d\x00\x00\x00jd7&V^WwpNsy\x00mysql_native_password\x00")

// handshakeResponse is the parts of a client's HandshakeResponse41 a test
// looks at.
type handshakeResponse struct {
	seq          byte
	caps         uint32
	user, plugin string
	auth         []byte
}

func readHandshakeResponse(r *bufio.Reader) (handshakeResponse, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return handshakeResponse{}, err
	}
	p := make([]byte, int(head[0])|int(head[1])<<8|int(head[2])<<16)
	if _, err := io.ReadFull(r, p); err != nil {
		return handshakeResponse{}, err
	}
	resp := handshakeResponse{seq: head[3], caps: binary.LittleEndian.Uint32(p)}
	rest := p[4+4+1+23:]
	user, rest, _ := bytes.Cut(rest, []byte{0})
	resp.user = string(user)
	n := int(rest[0])
	resp.auth, rest = rest[1:1+n], rest[1+n:]
	plugin, _, _ := bytes.Cut(rest, []byte{0})
	resp.plugin = string(plugin)
	return resp, nil
}

func TestProbeMySQLLeavesByALoginItCannotFinish(t *testing.T) {
	addr, said := conversation(t, func(c net.Conn, r *bufio.Reader) string {
		c.Write(mysqlPacket(0, mariadbHandshake))
		resp, err := readHandshakeResponse(r)
		if err != nil {
			return "no handshake response: " + err.Error()
		}
		// As MariaDB does for a plugin it has not: switch to its own.
		c.Write(mysqlPacket(2, append([]byte{0xFE}, "mysql_native_password\x00abcdefghijklmnopqrst\x00"...)))
		if !closedByPeer(r) {
			return "did not close after the switch request"
		}
		if resp.seq != 1 || resp.caps&(mysqlProtocol41|mysqlPluginAuth) != mysqlProtocol41|mysqlPluginAuth || len(resp.auth) != 0 {
			return fmt.Sprintf("a response of sequence %d, capabilities %#x, %d bytes of password", resp.seq, resp.caps, len(resp.auth))
		}
		return resp.user + " " + resp.plugin
	})
	if err := check(t, Probe{Kind: manifest.ProbeMySQL, Port: 3306}, addr); err != nil {
		t.Fatalf("MariaDB's handshake: %v", err)
	}
	// A user named (MariaDB then logs no aborted connection), no password
	// (nothing to deny), a plugin no server has (it asks to switch first).
	if got := <-said; got != "crispify-probe crispify_probe_leaves" {
		t.Errorf("the probe left saying %q, want a login as crispify-probe with the plugin crispify_probe_leaves", got)
	}
}

func TestProbeMySQLLeavesAnOldServerWithoutAWord(t *testing.T) {
	// Protocol 10 without plugin authentication (MySQL 5.0): a login would
	// be checked as it is, and denied; the probe only closes.
	old := append([]byte{10}, "5.0.96\x00\x08\x00\x00\x00abcdefgh\x00\xff\xf7\x08\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00ijklmnopqrst\x00"...)
	addr, said := conversation(t, func(c net.Conn, r *bufio.Reader) string {
		c.Write(mysqlPacket(0, old))
		if !closedByPeer(r) {
			return "said something"
		}
		return "closed"
	})
	if err := check(t, Probe{Kind: manifest.ProbeMySQL, Port: 3306}, addr); err != nil {
		t.Fatalf("MySQL 5.0's handshake: %v", err)
	}
	if got := <-said; got != "closed" {
		t.Errorf("the probe %s, want it to close without a word", got)
	}
}

func TestMySQLCapabilities(t *testing.T) {
	for name, tt := range map[string]struct {
		handshake []byte
		want      uint32
	}{
		"MariaDB 10.11":         {mariadbHandshake, 0x81fff7fe},
		"lower flags only":      {append([]byte{10}, "5.0\x00\x01\x00\x00\x00abcdefgh\x00\x0c\xa2"...), 0xa20c},
		"cut before the flags":  {append([]byte{10}, "5.5.5-10.11.6-MariaDB-0+deb12u1\x00\x08\x00\x00\x00abcdefgh\x00"...), 0},
		"no end to the version": {[]byte("\n5.5.5"), 0},
	} {
		if got := mysqlCapabilities(tt.handshake); got != tt.want {
			t.Errorf("%s: capabilities %#x, want %#x", name, got, tt.want)
		}
	}
}
