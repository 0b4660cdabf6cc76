package httpd_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"

	"github.com/netloop/netloop"
	"github.com/netloop/netloop/httpd"
)

// serveOnce runs srv on a loopback port, sends raw, prints each response's
// status and body, then stops the server.
func serveOnce(srv *httpd.Server, raw string, responses int) {
	c, stop := connect(srv)
	defer stop()
	io.WriteString(c, raw)
	br := bufio.NewReader(c)
	for range responses {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			log.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		fmt.Printf("%s %q\n", resp.Status, body)
	}
}

// connect runs srv on a loopback port and connects to it; stop closes the
// connection and stops the server.
func connect(srv *httpd.Server) (c net.Conn, stop func()) {
	booted := make(chan netloop.Engine, 1)
	done := make(chan error, 1)
	go func() { done <- netloop.Run(&boot{srv, booted}, "tcp://127.0.0.1:0") }()
	eng := <-booted
	c, err := net.Dial("tcp", eng.Addrs()[0].String())
	if err != nil {
		log.Fatal(err)
	}
	return c, func() {
		c.Close()
		eng.Stop(context.Background())
		<-done
	}
}

type boot struct {
	*httpd.Server
	booted chan netloop.Engine
}

func (b *boot) OnBoot(eng netloop.Engine) netloop.Action {
	a := b.Server.OnBoot(eng)
	b.booted <- eng
	return a
}

// A native handler: it reads the request through views and writes the
// response without allocating. Two pipelined requests are answered in
// order.
func ExampleNew() {
	srv, err := httpd.New(httpd.HandlerFunc(func(w *httpd.ResponseWriter, r *httpd.Request) {
		switch string(r.Path()) {
		case "/hello":
			w.SetContentType("text/plain")
			fmt.Fprintf(w, "hello, %s", r.Query())
		default:
			w.SetStatus(http.StatusNotFound)
		}
	}))
	if err != nil {
		log.Fatal(err)
	}
	serveOnce(srv, "GET /hello?gopher HTTP/1.1\r\nHost: x\r\n\r\n"+
		"GET /other HTTP/1.1\r\nHost: x\r\n\r\n", 2)
	// Output:
	// 200 OK "hello, gopher"
	// 404 Not Found ""
}

// A net/http ServeMux, served on netloop through the adapter.
func ExampleNewStd() {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /upper", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprint(w, strings.ToUpper(string(b)))
	})
	srv, err := httpd.NewStd(mux)
	if err != nil {
		log.Fatal(err)
	}
	serveOnce(srv, "POST /upper HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"+
		"5\r\nhello\r\n0\r\n\r\n", 1)
	// Output:
	// 200 OK "HELLO"
}

// counter is a StreamHandler that counts an upload's bytes as they
// arrive instead of buffering them; requests without a body are served
// as usual.
type counter struct{}

func (counter) Serve(w *httpd.ResponseWriter, r *httpd.Request) { w.WriteString("send me a body") }

func (counter) ServeHead(w *httpd.ResponseWriter, r *httpd.Request) httpd.BodyReceiver {
	if string(r.Path()) != "/upload" {
		w.SetStatus(http.StatusForbidden) // refused from the head: the body is not read
		return nil
	}
	return &count{}
}

// count is the receiver of one upload.
type count struct{ n int }

func (c *count) ReceiveBody(p []byte) error { c.n += len(p); return nil }

func (c *count) EndBody(w *httpd.ResponseWriter, r *httpd.Request, err error) {
	fmt.Fprintf(w, "%d bytes for %s", c.n, r.Header("X-File"))
}

func (c *count) AbortBody(err error) {}

// A StreamHandler takes a body as it arrives, so that an upload need not
// fit in memory: here the server holds a few reads of it at most, however
// large MaxStreamedBodyBytes lets it be.
func ExampleStreamHandler() {
	srv, err := httpd.New(counter{}, httpd.WithMaxBodyBytes(1<<10))
	if err != nil {
		log.Fatal(err)
	}
	serveOnce(srv, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"+
		"POST /upload HTTP/1.1\r\nHost: x\r\nX-File: big.bin\r\nContent-Length: 100000\r\n\r\n"+
		strings.Repeat("z", 100000), 2)
	// Output:
	// 200 OK "send me a body"
	// 200 OK "100000 bytes for big.bin"
}

// echoLines is a line protocol a connection switches to.
type echoLines struct{}

func (echoLines) OnTraffic(c netloop.Conn) netloop.Action {
	line, _ := c.Peek(-1)
	c.Write(line) // (whatever has come: this example sends whole lines)
	c.Discard(len(line))
	return netloop.None
}

func (echoLines) OnClose(c netloop.Conn, err error) {}

// A native handler switches the connection to another protocol (101
// Switching Protocols) when the client asks for it; the bytes the client
// sent right behind its request go to the new protocol.
func ExampleResponseWriter_Upgrade() {
	srv, err := httpd.New(httpd.HandlerFunc(func(w *httpd.ResponseWriter, r *httpd.Request) {
		if err := w.Upgrade("echo-lines", echoLines{}); err != nil {
			w.SetStatus(http.StatusUpgradeRequired)
		}
	}))
	if err != nil {
		log.Fatal(err)
	}
	c, stop := connect(srv)
	defer stop()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo-lines\r\n\r\nhello\n")
	br := bufio.NewReader(c)
	for {
		line, _ := br.ReadString('\n')
		fmt.Printf("%q\n", line)
		if line == "hello\n" || line == "" {
			break
		}
	}
	// Output:
	// "HTTP/1.1 101 Switching Protocols\r\n"
	// "Connection: Upgrade\r\n"
	// "Upgrade: echo-lines\r\n"
	// "\r\n"
	// "hello\n"
}

// A native handler detaches its response, an event stream, and returns;
// the events go out later from the loop (here one pushed from another
// goroutine through Conn.Wake), and End finishes the response.
func ExampleResponseWriter_Detach() {
	srv, err := httpd.New(httpd.HandlerFunc(func(w *httpd.ResponseWriter, r *httpd.Request) {
		w.SetContentType("text/event-stream")
		stream, err := w.Detach()
		if err != nil {
			return
		}
		go func() { // a publisher, elsewhere
			stream.Conn().Wake(func(c netloop.Conn, err error) {
				if err == nil {
					stream.WriteString("data: the news\n\n")
					stream.End()
				}
			})
		}()
	}))
	if err != nil {
		log.Fatal(err)
	}
	serveOnce(srv, "GET /events HTTP/1.1\r\nHost: x\r\n\r\n", 1)
	// Output:
	// 200 OK "data: the news\n\n"
}

// A request the parser refuses: both Content-Length and Transfer-Encoding,
// the classic request-smuggling pattern.
func ExampleStatusCode() {
	srv, _ := httpd.New(httpd.HandlerFunc(func(w *httpd.ResponseWriter, r *httpd.Request) {}))
	serveOnce(srv, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n"+
		"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 1)
	fmt.Println(httpd.StatusCode(httpd.ErrMalformed), httpd.StatusCode(httpd.ErrHeaderTooLarge))
	// Output:
	// 400 Bad Request "400 Bad Request: both Content-Length and Transfer-Encoding\n"
	// 400 431
}
