package launcher

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// A minimal Bolt 4.4 client and WebSocket client, written out by hand so that the tests speak to
// the database the way a web page would, without a driver deciding anything for them.

// wsUpgrade sends a browser's WebSocket upgrade request with the given Origin over conn and
// returns the server's HTTP response status line ("" when the connection closed first).
func wsUpgrade(conn net.Conn, origin string) (string, *bufio.Reader, error) {
	key := make([]byte, 16)
	rand.Read(key)
	req := "GET / HTTP/1.1\r\nHost: " + conn.RemoteAddr().String() + "\r\n" +
		"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Key: " + base64.StdEncoding.EncodeToString(key) + "\r\n" +
		"Origin: " + origin + "\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		return "", nil, err
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return "", nil, err
	}
	return resp.Status, br, nil
}

// wsConn carries a byte stream in binary WebSocket frames: masked from client to server as the
// protocol requires, unmasked back.
type wsConn struct {
	conn    net.Conn
	br      *bufio.Reader
	pending []byte
}

func (w *wsConn) Write(p []byte) (int, error) {
	var hdr []byte
	switch {
	case len(p) < 126:
		hdr = []byte{0x82, 0x80 | byte(len(p))}
	case len(p) <= 0xFFFF:
		hdr = []byte{0x82, 0x80 | 126, byte(len(p) >> 8), byte(len(p))}
	default:
		return 0, errors.New("wsConn: frame too large for this test client")
	}
	mask := make([]byte, 4)
	rand.Read(mask)
	frame := append(hdr, mask...)
	for i, b := range p {
		frame = append(frame, b^mask[i%4])
	}
	if _, err := w.conn.Write(frame); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (w *wsConn) Read(p []byte) (int, error) {
	for len(w.pending) == 0 {
		var hdr [2]byte
		if _, err := io.ReadFull(w.br, hdr[:]); err != nil {
			return 0, err
		}
		n := uint64(hdr[1] & 0x7F)
		switch n {
		case 126:
			var ext [2]byte
			if _, err := io.ReadFull(w.br, ext[:]); err != nil {
				return 0, err
			}
			n = uint64(binary.BigEndian.Uint16(ext[:]))
		case 127:
			var ext [8]byte
			if _, err := io.ReadFull(w.br, ext[:]); err != nil {
				return 0, err
			}
			n = binary.BigEndian.Uint64(ext[:])
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(w.br, payload); err != nil {
			return 0, err
		}
		if hdr[0]&0x0F == 0x8 { // close frame
			return 0, io.EOF
		}
		w.pending = payload
	}
	n := copy(p, w.pending)
	w.pending = w.pending[n:]
	return n, nil
}

// bolt is a Bolt 4.4 session over any byte stream.
type bolt struct{ rw io.ReadWriter }

// handshake sends the Bolt preamble proposing only 4.4 and returns the agreed version.
func (b bolt) handshake() ([4]byte, error) {
	var v [4]byte
	hello := []byte{0x60, 0x60, 0xB0, 0x17, 0, 0, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	if _, err := b.rw.Write(hello); err != nil {
		return v, err
	}
	_, err := io.ReadFull(b.rw, v[:])
	return v, err
}

// send writes one message as a single chunk and its end marker.
func (b bolt) send(msg []byte) error {
	buf := binary.BigEndian.AppendUint16(nil, uint16(len(msg)))
	buf = append(append(buf, msg...), 0, 0)
	_, err := b.rw.Write(buf)
	return err
}

// recv reads one message (its chunks joined).
func (b bolt) recv() ([]byte, error) {
	var msg []byte
	for {
		var n [2]byte
		if _, err := io.ReadFull(b.rw, n[:]); err != nil {
			return nil, err
		}
		size := binary.BigEndian.Uint16(n[:])
		if size == 0 {
			if len(msg) > 0 {
				return msg, nil
			}
			continue // a NOOP chunk
		}
		chunk := make([]byte, size)
		if _, err := io.ReadFull(b.rw, chunk); err != nil {
			return nil, err
		}
		msg = append(msg, chunk...)
	}
}

// Bolt message tags of the responses the tests look at.
const (
	tagSuccess = 0x70
	tagRecord  = 0x71
	tagFailure = 0x7F
)

// packString encodes a short PackStream string.
func packString(s string) []byte {
	if len(s) < 16 {
		return append([]byte{0x80 | byte(len(s))}, s...)
	}
	return append([]byte{0xD0, byte(len(s))}, s...)
}

// packMap encodes a small PackStream map of string values.
func packMap(kv ...string) []byte {
	out := []byte{0xA0 | byte(len(kv)/2)}
	for _, s := range kv {
		out = append(out, packString(s)...)
	}
	return out
}

// runAnonymously says HELLO with authentication scheme none, then RUN and PULL of query, and
// returns each response message in order, stopping at the first failure or closed connection.
func runAnonymously(rw io.ReadWriter, query string) ([][]byte, error) {
	b := bolt{rw}
	v, err := b.handshake()
	if err != nil {
		return nil, fmt.Errorf("handshake: %w", err)
	}
	if v != [4]byte{0, 0, 4, 4} {
		return nil, fmt.Errorf("handshake: server chose version % x, want 4.4", v)
	}
	hello := append([]byte{0xB1, 0x01}, packMap("user_agent", "modelgraph-test/1", "scheme", "none")...)
	run := append(append([]byte{0xB3, 0x10}, packString(query)...), 0xA0, 0xA0)
	pull := append([]byte{0xB1, 0x3F}, 0xA1, 0x81, 'n', 0xFF) // {n: -1}
	var got [][]byte
	for _, m := range [][]byte{hello, run, pull} {
		if err := b.send(m); err != nil {
			return got, err
		}
		for {
			r, err := b.recv()
			if err != nil {
				return got, err
			}
			got = append(got, r)
			if r[1] == tagFailure {
				return got, nil
			}
			if r[1] != tagRecord {
				break
			}
		}
	}
	return got, nil
}

// describe renders response messages for a failure message.
func describe(msgs [][]byte) string {
	var s []string
	for _, m := range msgs {
		s = append(s, fmt.Sprintf("%x %q", m[:2], bytes.ToValidUTF8(m[2:], []byte("?"))))
	}
	return strings.Join(s, "; ")
}

func dial(port int) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
	if err != nil {
		return nil, err
	}
	return c, c.SetDeadline(time.Now().Add(30 * time.Second))
}
