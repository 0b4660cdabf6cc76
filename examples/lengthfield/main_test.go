package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/codec"
	"github.com/netloop/netloop/internal/nettest"
)

// testMax is the largest payload the test server accepts.
const testMax = 1024

// serve starts an upper-casing server with payloads limited to testMax,
// and returns its address and codec.
func serve(t *testing.T) (netloop.Engine, *codec.LengthField) {
	t.Helper()
	frames, err := newCodec(testMax)
	if err != nil {
		t.Fatalf("newCodec(%d): %v", testMax, err)
	}
	return nettest.Serve(t, newUpperServer(frames), "tcp://127.0.0.1:0", netloop.WithNumLoops(2)), frames
}

func TestServerAnswersEachFrameUpperCased(t *testing.T) {
	eng, frames := serve(t)
	conn := nettest.Dial(t, eng.Addrs()[0])
	w, r := codec.NewWriter(conn, frames), codec.NewReader(conn, frames, 0)

	for _, tc := range []struct{ name, payload string }{
		{"word", "hello"},
		{"empty", ""},
		{"mixed", "MiXeD case, 123 and ümlauts"},
		{"largest", strings.Repeat("ab", testMax/2)},
	} {
		if err := w.WriteFrame([]byte(tc.payload)); err != nil {
			t.Fatalf("%s: write: %v", tc.name, err)
		}
		got, err := r.ReadFrame()
		if err != nil {
			t.Fatalf("%s: read: %v", tc.name, err)
		}
		if want := upperString(tc.payload); string(got) != want {
			t.Errorf("%s: reply = %q, want %q", tc.name, got, want)
		}
	}
}

// Several frames in one write get their replies in order; so does a
// frame whose header and body are split across writes.
func TestServerReassemblesFramesAcrossWrites(t *testing.T) {
	eng, frames := serve(t)
	conn := nettest.Dial(t, eng.Addrs()[0])
	r := codec.NewReader(conn, frames, 0)

	a, _ := frames.Encode(nil, []byte("first"))
	b, _ := frames.Encode(nil, []byte("second"))
	split, _ := frames.Encode(nil, []byte("split across writes"))
	// Two whole frames and the first half of a length field in one write:
	// the replies to the whole ones prove the server has read that far,
	// and kept the partial header for later.
	if _, err := conn.Write(concat(a, b, split[:2])); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"FIRST", "SECOND"} {
		if got, err := r.ReadFrame(); err != nil || string(got) != want {
			t.Fatalf("reply = %q, %v; want %q", got, err, want)
		}
	}
	// The rest of the header and part of the body, then the rest.
	for _, part := range [][]byte{split[2:7], split[7:]} {
		if _, err := conn.Write(part); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := r.ReadFrame(); err != nil || string(got) != "SPLIT ACROSS WRITES" {
		t.Fatalf("reply to the split frame = %q, %v; want %q", got, err, "SPLIT ACROSS WRITES")
	}
}

// A length field over the limit closes the connection as soon as the
// header arrives, without waiting for a body that may never come; the
// frame before it is still answered.
func TestOversizeFrameClosesConnection(t *testing.T) {
	eng, frames := serve(t)
	conn := nettest.Dial(t, eng.Addrs()[0])
	r := codec.NewReader(conn, frames, 0)

	good, _ := frames.Encode(nil, []byte("ok"))
	header := binary.BigEndian.AppendUint32(nil, testMax+1)
	if _, err := conn.Write(concat(good, header)); err != nil {
		t.Fatal(err)
	}
	if got, err := r.ReadFrame(); err != nil || string(got) != "OK" {
		t.Fatalf("reply to the frame before the oversize one = %q, %v; want %q", got, err, "OK")
	}
	if got, err := r.ReadFrame(); !errors.Is(err, io.EOF) {
		t.Fatalf("after an oversize header: frame %q, err %v; want the connection closed (io.EOF)", got, err)
	}
}

// The -client mode sends lines and prints the replies.
func TestClientPrintsReplies(t *testing.T) {
	eng, frames := serve(t)
	conn := nettest.Dial(t, eng.Addrs()[0])
	var out bytes.Buffer
	if err := runClient(conn, frames, strings.NewReader("hello\n\nworld, again\n"), &out); err != nil {
		t.Fatalf("runClient: %v", err)
	}
	if want := "HELLO\n\nWORLD, AGAIN\n"; out.String() != want {
		t.Fatalf("client printed %q, want %q", out.String(), want)
	}
}

// upperString is the reference for upper: ASCII letters only.
func upperString(s string) string {
	return strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' {
			return r - ('a' - 'A')
		}
		return r
	}, s)
}

func concat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
