// Package httpd is an HTTP/1.1 server on netloop's event loops, with two
// ways to write handlers:
//
//   - the native API, New with a Handler: a Request view into the
//     connection's buffer and a ResponseWriter, both valid during the
//     call, run on the event loop. Nothing is allocated per request. A
//     Handler that is also a StreamHandler can take a body as it arrives,
//     through a BodyReceiver, instead of whole.
//   - NewStd, which serves any net/http Handler (ServeMux, routers,
//     middleware, http.FileServer) on netloop, running it on a worker pool
//     because such handlers may block.
//
// The smallest server:
//
//	srv, err := httpd.New(httpd.HandlerFunc(func(w *httpd.ResponseWriter, r *httpd.Request) {
//		w.AddHeader("Content-Type", "text/plain")
//		w.WriteString("Hello, World!")
//	}))
//	if err != nil {
//		log.Fatal(err)
//	}
//	log.Fatal(srv.Serve("tcp://127.0.0.1:8080", netloop.WithMulticore(true)))
//
// and the same with net/http's types:
//
//	srv, err := httpd.NewStd(mux) // mux is an *http.ServeMux, or any http.Handler
//
// # Parsing
//
// The request parser is incremental: bytes are examined once, as they
// arrive, whether a request comes split at every byte or many come in one
// read (pipelining). It follows RFC 9112 strictly, because a lenient
// parser behind a proxy that frames requests differently is a
// request-smuggling hole: lines end with CRLF, never a bare LF or CR;
// obs-fold, invalid field names and values, a request with both
// Content-Length and Transfer-Encoding, differing Content-Lengths, a
// transfer coding other than a final chunked, a malformed chunk size or
// extension, and any length that overflows are refused with 400 and the
// connection closed. Limits answer with their own status: 414 for the
// request-target (Options.MaxURIBytes), 431 for the header section
// (MaxHeaderBytes, MaxHeaderCount), 413 for the body (MaxBodyBytes), all
// checked as soon as the bytes received prove them exceeded.
//
// # Connections
//
// HTTP/1.1 connections stay open unless the client sends
// "Connection: close"; HTTP/1.0 ones only with "Connection: keep-alive".
// Responses to pipelined requests go out in request order, those served in
// one read with a single write(2). "Expect: 100-continue" is answered
// when the head is accepted and the body has not arrived. The Date field is
// refreshed once a second.
//
// ReadHeaderTimeout is a total bound on receiving a request head, not a
// per-read one: a client that trickles a byte at a time (slowloris) is
// answered 408, and one that goes silent is closed, when the bound
// expires. IdleTimeout closes keep-alive connections left idle.
//
// Shutdown stops a server gracefully: requests in progress finish, with
// "Connection: close", before the engine stops.
package httpd
