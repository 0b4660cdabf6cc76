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
	booted := make(chan netloop.Engine, 1)
	done := make(chan error, 1)
	go func() { done <- netloop.Run(&boot{srv, booted}, "tcp://127.0.0.1:0") }()
	eng := <-booted
	c, err := net.Dial("tcp", eng.Addrs()[0].String())
	if err != nil {
		log.Fatal(err)
	}
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
	c.Close()
	eng.Stop(context.Background())
	<-done
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
