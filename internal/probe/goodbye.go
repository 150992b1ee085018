package probe

import (
	"bufio"
	"encoding/binary"
	"io"
)

// How a probe leaves, once its handshake passed: as a polite client of the
// protocol does, so that the server's log does not fill with crispify's
// probes. Each goodbye is best effort, within the probe's own deadline: the
// server has answered already, and how it takes the goodbye changes nothing
// of the probe's result. Probing stops at the first pass (Watch), so a
// server sees one goodbye per boot, and one per run that finds it running.
//
// Mongo, SSDB and HTTP (Connection: close) need nothing more than closing.
// AMQP has no polite exit before authentication: RabbitMQ logs "client
// unexpectedly closed TCP connection" (a warning) for a client that closes
// after Connection.Start, however it closes, and an error for anything else
// the client could send then (Connection.Close, a bad Start-Ok), so the
// probe closes and RabbitMQ logs that warning, once per probe that passed.

// A client's capability flags in the MySQL protocol.
const (
	mysqlLongPassword   = 0x00000001
	mysqlProtocol41     = 0x00000200
	mysqlSecureConn     = 0x00008000
	mysqlPluginAuth     = 0x00080000
	mysqlProbeUser      = "crispify-probe"
	mysqlProbeAuthNone  = "crispify_probe_leaves" // no server has this plugin
	mysqlCharsetUTF8    = 33                      // utf8_general_ci
	mysqlMaxPacketProbe = 1 << 24
)

// leaveMySQL answers the server's handshake with a login it cannot finish,
// then closes. A client that closes without a word is logged by MariaDB as
// "Aborted connection ... user: 'unauthenticated' (This connection closed
// normally without authentication)", a warning at its default
// log_warnings=2, whatever way it closes. Once the login names a user, the
// close is logged only from log_warnings=4; naming an authentication plugin
// no server has makes the server ask to switch plugins (before it checks a
// password), and closing then logs neither an aborted connection nor an
// access denied. The user is crispify-probe, for whoever audits logins.
// Servers too old for plugin authentication are left the plain way.
func leaveMySQL(w io.Writer, r *bufio.Reader, handshake []byte) {
	if mysqlCapabilities(handshake)&mysqlPluginAuth == 0 {
		return
	}
	resp := binary.LittleEndian.AppendUint32(nil, mysqlLongPassword|mysqlProtocol41|mysqlSecureConn|mysqlPluginAuth)
	resp = binary.LittleEndian.AppendUint32(resp, mysqlMaxPacketProbe)
	resp = append(resp, mysqlCharsetUTF8)
	resp = append(resp, make([]byte, 23)...) // reserved
	resp = append(append(resp, mysqlProbeUser...), 0)
	resp = append(resp, 0) // no auth response
	resp = append(append(resp, mysqlProbeAuthNone...), 0)
	n := len(resp)
	packet := append([]byte{byte(n), byte(n >> 8), byte(n >> 16), 1}, resp...) // sequence 1: after the handshake
	if _, err := w.Write(packet); err != nil {
		return
	}
	// Read its answer (the switch request), so that the server's write
	// has landed before the close it then reads.
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return
	}
	_, _ = r.Discard(int(head[0]) | int(head[1])<<8 | int(head[2])<<16)
}

// mysqlCapabilities reads the server's capability flags from a protocol 10
// handshake: two bytes after the version, thread id, first salt part and
// filler, and two more after the character set and status; 0 when the
// handshake is too short to hold them.
func mysqlCapabilities(handshake []byte) uint32 {
	end := -1
	for i := 1; i < len(handshake); i++ {
		if handshake[i] == 0 {
			end = i
			break
		}
	}
	if end < 0 {
		return 0
	}
	i := end + 1 + 4 + 8 + 1 // thread id, salt part 1, filler
	if i+2 > len(handshake) {
		return 0
	}
	caps := uint32(binary.LittleEndian.Uint16(handshake[i:]))
	i += 2 + 1 + 2 // character set, status
	if i+2 > len(handshake) {
		return caps
	}
	return caps | uint32(binary.LittleEndian.Uint16(handshake[i:]))<<16
}

// leaveRedis says QUIT, as redis-cli and the drivers do, and reads its +OK.
func leaveRedis(w io.Writer, r *bufio.Reader) {
	if _, err := io.WriteString(w, "*1\r\n$4\r\nQUIT\r\n"); err != nil {
		return
	}
	_, _ = readLine(r)
}
