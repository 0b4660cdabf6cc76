// Lengthfield serves a length-prefixed protocol with package codec: each
// frame is a 4-byte big-endian length, then that many bytes of payload,
// and the server answers every frame with one carrying the payload
// upper-cased. With -client it is the other end instead, a plain Go
// program over net.Conn: it sends each line of its input as a frame and
// prints the replies.
//
//	go run ./examples/lengthfield -addr 127.0.0.1:9000
//	echo hello | go run ./examples/lengthfield -addr 127.0.0.1:9000 -client
//
// The server never waits for a whole frame in a callback: codec.Frames
// hands OnTraffic the frames complete so far and leaves a partial one
// buffered in the connection until the rest arrives. A length field that
// announces more than -max bytes closes the connection as soon as the
// header arrives, so no client can make the server buffer more than that.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/codec"
	"github.com/netloop/netloop/pool"
)

// headerLen is the length field's size; it is the whole header.
const headerLen = 4

// newCodec returns the framing both ends use: a 4-byte length counting
// the payload only, stripped from the frames Decode returns (netty's
// LengthFieldBasedFrameDecoder(max, 0, 4, 0, 4) with a
// LengthFieldPrepender(4)).
func newCodec(maxPayload int) (*codec.LengthField, error) {
	return codec.NewLengthField(codec.LengthFieldConfig{
		LengthFieldLength:   headerLen,
		InitialBytesToStrip: headerLen,
		MaxFrameLength:      headerLen + maxPayload,
	})
}

// upperServer answers each frame with its payload upper-cased.
type upperServer struct {
	netloop.BuiltinHandler
	frames *codec.LengthField
	// buffers holds the reply batches. OnTraffic runs on every loop at
	// once, so a single buffer in the server would race; the pool is
	// safe for concurrent use.
	buffers *pool.BytePool
}

func newUpperServer(frames *codec.LengthField) *upperServer {
	return &upperServer{frames: frames, buffers: pool.NewBytePool()}
}

// OnTraffic collects the replies to every complete frame into one buffer
// and writes them with one call.
func (s *upperServer) OnTraffic(c netloop.Conn) netloop.Action {
	// A reply is as long as its request, so the bytes buffered bound
	// the batch: appending never reallocates.
	out := s.buffers.Get(c.InboundBuffered())[:0]
	err := codec.Frames(c, s.frames, func(payload []byte) error {
		var err error
		if out, err = s.frames.Encode(out, payload); err != nil {
			return err
		}
		upper(out[len(out)-len(payload):])
		return nil
	})
	if len(out) > 0 {
		c.Write(out) // copies what the socket does not take at once
	}
	s.buffers.Put(out)
	if err != nil {
		// Too large (or malformed): the stream cannot be resynchronised.
		// The replies to the frames before it still go out first.
		return netloop.Close
	}
	return netloop.None
}

// upper upper-cases the ASCII letters of b in place.
func upper(b []byte) {
	for i, ch := range b {
		if 'a' <= ch && ch <= 'z' {
			b[i] = ch - ('a' - 'A')
		}
	}
}

// runClient sends each line of in as a frame over conn and writes each
// reply to out, one per line. It is plain Go: codec's Reader and Writer
// speak the same framing as the server over any io.Reader and io.Writer.
func runClient(conn io.ReadWriter, frames codec.Codec, in io.Reader, out io.Writer) error {
	w := codec.NewWriter(conn, frames)
	r := codec.NewReader(conn, frames, 0)
	lines := bufio.NewScanner(in)
	for lines.Scan() {
		if err := w.WriteFrame(lines.Bytes()); err != nil {
			return fmt.Errorf("send: %w", err)
		}
		reply, err := r.ReadFrame()
		if err != nil {
			return fmt.Errorf("receive: %w", err)
		}
		if _, err := fmt.Fprintf(out, "%s\n", reply); err != nil {
			return err
		}
	}
	return lines.Err()
}

func dialAndRun(addr string, frames codec.Codec) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	return runClient(conn, frames, os.Stdin, os.Stdout)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "TCP address to listen on (with -client: to connect to)")
	client := flag.Bool("client", false, "be the client: send each line of stdin as a frame, print the replies")
	maxPayload := flag.Int("max", 64<<10, "largest payload in bytes; a longer frame closes the connection")
	flag.Parse()
	frames, err := newCodec(*maxPayload)
	if err != nil {
		log.Fatal(err)
	}
	if *client {
		if err := dialAndRun(*addr, frames); err != nil {
			log.Fatal(err)
		}
		return
	}
	log.Fatal(netloop.Run(newUpperServer(frames), "tcp://"+*addr, netloop.WithMulticore(true)))
}
