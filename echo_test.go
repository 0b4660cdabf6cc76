package netloop

import (
	"bytes"
	"io"
	"testing"
)

func TestEchoSmoke(t *testing.T) {
	_, addr := serveOne(t, echoHandler{}, "tcp://127.0.0.1:0")
	c := dial(t, addr)
	msg := []byte("hello, netloop")
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("echo = %q, want %q", got, msg)
	}
}
