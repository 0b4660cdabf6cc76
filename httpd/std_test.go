package httpd

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// stdSuite is a net/http application of the usual parts: a ServeMux with
// patterns, middleware, a file server, forms, cookies, JSON, redirects,
// streaming, trailers and errors. The tests serve it with net/http itself
// and through NewStd, send both the same requests, and expect the same
// answers.
func stdSuite(t *testing.T) http.Handler {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte(strings.Repeat("0123456789", 100)), 0o644)
	os.Mkdir(filepath.Join(dir, "site"), 0o755)
	os.WriteFile(filepath.Join(dir, "site", "index.html"), []byte("<html><body>index</body></html>"), 0o644)
	mtime := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, f := range []string{"a.txt", "site", "site/index.html"} {
		os.Chtimes(filepath.Join(dir, f), mtime, mtime)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "hello, world")
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
		w.Header().Set("X-Length", fmt.Sprint(r.ContentLength))
		w.Header().Set("X-Encoding", strings.Join(r.TransferEncoding, ","))
		// Read first: net/http does not let a handler read the body
		// after it has started the response (see EnableFullDuplex).
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
	})
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"method": r.Method, "path": r.URL.Path, "query": r.URL.Query()})
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/hello", http.StatusFound)
	})
	mux.HandleFunc("/cookie", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("in")
		http.SetCookie(w, &http.Cookie{Name: "out", Value: "v2", Path: "/", HttpOnly: true})
		if err == nil {
			fmt.Fprint(w, "in=", c.Value)
		}
	})
	mux.HandleFunc("/form", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range r.Form {
				if !yield(k) {
					return
				}
			}
		})
		for _, k := range keys {
			fmt.Fprintf(w, "%s=%v\n", k, r.Form[k])
		}
	})
	mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f, h, err := r.FormFile("file")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		b, _ := io.ReadAll(f)
		fmt.Fprintf(w, "%s %s %d %s", r.FormValue("name"), h.Filename, len(b), b)
	})
	mux.Handle("/files/", http.StripPrefix("/files", http.FileServer(http.Dir(dir))))
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		for i := range 3 {
			fmt.Fprintf(w, "event %d\n", i)
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/controller", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "a")
		if err := http.NewResponseController(w).Flush(); err != nil {
			fmt.Fprint(w, err)
		}
		fmt.Fprint(w, "b")
	})
	mux.HandleFunc("/trailer", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Sum")
		fmt.Fprint(w, "data")
		w.Header().Set("X-Sum", "1234")
		w.Header().Set(http.TrailerPrefix+"X-Late", "late")
	})
	mux.HandleFunc("/status/{code}", func(w http.ResponseWriter, r *http.Request) {
		var code int
		fmt.Sscan(r.PathValue("code"), &code)
		w.WriteHeader(code)
		fmt.Fprint(w, "status body")
	})
	mux.HandleFunc("/sniff", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<!DOCTYPE html><html><p>sniff me</p></html>")
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("x"), 1000)
		for range 1000 {
			w.Write(chunk)
		}
	})
	mux.HandleFunc("/declared", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5")
		fmt.Fprint(w, "12345")
	})
	mux.HandleFunc("/error", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusTeapot)
	})
	mux.HandleFunc("/request", func(w http.ResponseWriter, r *http.Request) {
		_, hasLocal := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
		_, _, err := net.SplitHostPort(r.RemoteAddr)
		host, _, _ := net.SplitHostPort(r.Host)
		fmt.Fprintf(w, "%s %s host=%s uri=%s proto=%s local=%v remote=%v close=%v ua=%s hostHeader=%q",
			r.Method, r.URL.Path, host, r.RequestURI, r.Proto, hasLocal, err == nil, r.Close,
			r.UserAgent(), r.Header.Get("Host"))
	})
	mux.HandleFunc("/limited", func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 4)
		if _, err := io.ReadAll(r.Body); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				http.Error(w, "too big", http.StatusRequestEntityTooLarge)
				return
			}
		}
		fmt.Fprint(w, "fits")
	})
	mux.HandleFunc("/panic", func(w http.ResponseWriter, r *http.Request) {
		panic(http.ErrAbortHandler)
	})
	// Middleware around everything.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Middleware", "seen "+r.Method)
		mux.ServeHTTP(w, r)
	})
}

type suiteCase struct {
	name    string
	method  string
	path    string
	body    string
	header  map[string]string
	chunked bool // send the body with an unknown length (chunked)
}

func suiteCases() []suiteCase {
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	mw.WriteField("name", "gopher")
	fw, _ := mw.CreateFormFile("file", "f.txt")
	fw.Write([]byte("file contents"))
	mw.Close()
	form := url.Values{"b": {"2", "3"}, "c": {"x y"}}.Encode()
	return []suiteCase{
		{name: "hello", method: "GET", path: "/hello"},
		{name: "wrong method", method: "DELETE", path: "/hello"},
		{name: "not found", method: "GET", path: "/nowhere"},
		{name: "head", method: "HEAD", path: "/hello"},
		{name: "echo", method: "POST", path: "/echo", body: "echo me", header: map[string]string{"Content-Type": "text/x-test"}},
		{name: "chunked upload", method: "POST", path: "/echo", body: strings.Repeat("c", 5000), chunked: true},
		{name: "empty post", method: "POST", path: "/echo"},
		{name: "json", method: "GET", path: "/json?a=1&a=2"},
		{name: "redirect", method: "GET", path: "/redirect"},
		{name: "cookie", method: "GET", path: "/cookie", header: map[string]string{"Cookie": "in=v1"}},
		{name: "form", method: "POST", path: "/form?a=1", body: form, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}},
		{name: "multipart", method: "POST", path: "/upload", body: mp.String(), header: map[string]string{"Content-Type": mw.FormDataContentType()}},
		{name: "file", method: "GET", path: "/files/a.txt"},
		{name: "file head", method: "HEAD", path: "/files/a.txt"},
		{name: "file range", method: "GET", path: "/files/a.txt", header: map[string]string{"Range": "bytes=10-19"}},
		{name: "file multi range", method: "GET", path: "/files/a.txt", header: map[string]string{"Range": "bytes=0-1,5-6"}},
		{name: "file not modified", method: "GET", path: "/files/a.txt", header: map[string]string{"If-Modified-Since": "Wed, 03 Jan 2024 00:00:00 GMT"}},
		{name: "file bad range", method: "GET", path: "/files/a.txt", header: map[string]string{"Range": "bytes=5000-"}},
		{name: "directory index", method: "GET", path: "/files/site/"},
		{name: "directory redirect", method: "GET", path: "/files/site"},
		{name: "index.html redirect", method: "GET", path: "/files/site/index.html"},
		{name: "directory listing", method: "GET", path: "/files/"},
		{name: "missing file", method: "GET", path: "/files/none.txt"},
		{name: "stream", method: "GET", path: "/stream"},
		{name: "response controller", method: "GET", path: "/controller"},
		{name: "trailer", method: "GET", path: "/trailer"},
		{name: "no content", method: "GET", path: "/status/204"},
		{name: "not modified", method: "GET", path: "/status/304"},
		{name: "teapot status", method: "GET", path: "/status/418"},
		{name: "unusual status", method: "GET", path: "/status/599"},
		{name: "sniff", method: "GET", path: "/sniff"},
		{name: "big", method: "GET", path: "/big"},
		{name: "declared length", method: "GET", path: "/declared"},
		{name: "http.Error", method: "GET", path: "/error"},
		{name: "request fields", method: "GET", path: "/request?x=%20y", header: map[string]string{"User-Agent": "suite/1"}},
		{name: "max bytes reader", method: "POST", path: "/limited", body: "more than four"},
		{name: "max bytes reader fits", method: "POST", path: "/limited", body: "four"},
	}
}

// comparedHeaders are the response fields the suite compares; Date
// differs by nature.
var comparedHeaders = []string{
	"Content-Type", "Content-Length", "Location", "Set-Cookie", "Content-Range",
	"Accept-Ranges", "Last-Modified", "Allow", "X-Middleware", "X-Length", "X-Encoding",
	"X-Content-Type-Options", "Trailer",
}

type suiteResult struct {
	status   int
	body     string
	header   map[string]string
	trailer  map[string]string
	chunked  bool
	length   int64
	err      string
	hasDate  bool
	protoMaj int
}

func runSuiteCase(t *testing.T, client *http.Client, base string, sc suiteCase) suiteResult {
	var body io.Reader
	if sc.body != "" {
		body = strings.NewReader(sc.body)
	}
	if sc.chunked {
		pr, pw := io.Pipe()
		go func() {
			io.WriteString(pw, sc.body)
			pw.Close()
		}()
		body = pr
	}
	req, err := http.NewRequest(sc.method, base+sc.path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range sc.header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return suiteResult{err: "request failed"}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return suiteResult{err: "body failed"}
	}
	r := suiteResult{status: resp.StatusCode, body: string(b), header: map[string]string{},
		trailer: map[string]string{}, length: resp.ContentLength, hasDate: resp.Header.Get("Date") != "",
		protoMaj: resp.ProtoMajor}
	r.chunked = len(resp.TransferEncoding) > 0
	for _, k := range comparedHeaders {
		if v := resp.Header.Values(k); len(v) > 0 {
			r.header[k] = strings.Join(v, " | ")
		}
	}
	for k := range resp.Trailer {
		r.trailer[k] = resp.Trailer.Get(k)
	}
	// Multipart range boundaries are random.
	if ct := r.header["Content-Type"]; strings.HasPrefix(ct, "multipart/byteranges") {
		r.header["Content-Type"] = "multipart/byteranges"
		r.body = fmt.Sprint(len(r.body) > 0)
		r.length = -2
		r.header["Content-Length"] = ""
	}
	return r
}

// TestStdHandlerSuiteMatchesNetHTTP serves the suite with net/http and
// with NewStd and compares every answer.
func TestStdHandlerSuiteMatchesNetHTTP(t *testing.T) {
	h := stdSuite(t)
	ref := httptest.NewServer(h)
	t.Cleanup(ref.Close)
	s, err := NewStd(h)
	if err != nil {
		t.Fatal(err)
	}
	addr := startServer(t, s)
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	refClient := &http.Client{Transport: &http.Transport{}, CheckRedirect: noRedirect, Timeout: 10 * time.Second}
	ourClient := &http.Client{Transport: &http.Transport{}, CheckRedirect: noRedirect, Timeout: 10 * time.Second}
	t.Cleanup(refClient.CloseIdleConnections)
	t.Cleanup(ourClient.CloseIdleConnections)
	for _, sc := range suiteCases() {
		t.Run(sc.name, func(t *testing.T) {
			want := runSuiteCase(t, refClient, ref.URL, sc)
			got := runSuiteCase(t, ourClient, "http://"+addr, sc)
			if got.chunked != want.chunked {
				// net/http chunks a response past 2 KiB that it has not
				// seen the end of; NewStd buffers 32 KiB first and sends
				// such a response with a Content-Length. Same body, other
				// framing: compare the framing only when both agree.
				for _, r := range []*suiteResult{&got, &want} {
					if !r.chunked && r.length == int64(len(r.body)) {
						r.chunked, r.length, r.header["Content-Length"] = true, -1, ""
					}
				}
			}
			if got.err != want.err || got.status != want.status || got.body != want.body ||
				got.chunked != want.chunked || got.length != want.length || got.hasDate != want.hasDate {
				t.Errorf("got  %d %q err=%q chunked=%v length=%d date=%v\nwant %d %q err=%q chunked=%v length=%d date=%v",
					got.status, trunc(got.body)+fmt.Sprint(len(got.body)), got.err, got.chunked, got.length, got.hasDate,
					want.status, trunc(want.body)+fmt.Sprint(len(want.body)), want.err, want.chunked, want.length, want.hasDate)
			}
			for _, k := range comparedHeaders {
				if got.header[k] != want.header[k] {
					t.Errorf("%s: got %q, want %q", k, got.header[k], want.header[k])
				}
			}
			if fmt.Sprint(got.trailer) != fmt.Sprint(want.trailer) {
				t.Errorf("trailer: got %v, want %v", got.trailer, want.trailer)
			}
		})
	}
}

func trunc(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

// TestStdPanicClosesTheConnection: as in net/http, a handler panic
// answers nothing and closes the connection; the server goes on.
func TestStdPanicClosesTheConnection(t *testing.T) {
	s, _ := NewStd(stdSuite(t))
	addr := startServer(t, s)
	c := dial(t, addr)
	io.WriteString(c, "GET /panic HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	expectClosed(t, br)
	if resp, body := roundTrip(t, addr, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"); resp.StatusCode != 200 {
		t.Errorf("after a panic: %d %q", resp.StatusCode, body)
	}
}

// TestStdPipelinedResponsesKeepOrder pipelines requests whose handlers
// take different times; the answers come in request order.
func TestStdPipelinedResponsesKeepOrder(t *testing.T) {
	s, _ := NewStd(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ms int
		fmt.Sscan(r.URL.Query().Get("ms"), &ms)
		time.Sleep(time.Duration(ms) * time.Millisecond)
		fmt.Fprint(w, r.URL.Query().Get("i"))
	}))
	addr := startServer(t, s)
	c := dial(t, addr)
	var req strings.Builder
	for i := range 20 {
		fmt.Fprintf(&req, "GET /?i=%d&ms=%d HTTP/1.1\r\nHost: x\r\n\r\n", i, (20-i)%4)
	}
	io.WriteString(c, req.String())
	br := bufio.NewReader(c)
	for i := range 20 {
		if _, body := readResponse(t, br, "GET"); body != fmt.Sprint(i) {
			t.Fatalf("response %d is %q", i, body)
		}
	}
}

// TestStdStreamsLargeBodiesWithBackpressure: a 32 MiB response to a
// client that reads slowly goes out in chunks as the client takes them;
// the handler waits instead of the server buffering it all.
func TestStdStreamsLargeBodiesWithBackpressure(t *testing.T) {
	const total = 32 << 20
	var maxAhead atomic.Int64
	var written atomic.Int64
	s, _ := NewStd(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 64<<10)
		for n := 0; n < total; n += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			written.Add(int64(len(chunk)))
		}
	}))
	addr := startServer(t, s)
	c := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	var read int64
	buf := make([]byte, 256<<10)
	for {
		n, err := resp.Body.Read(buf)
		read += int64(n)
		if ahead := written.Load() - read; ahead > maxAhead.Load() {
			maxAhead.Store(ahead)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if read < 4<<20 {
			time.Sleep(time.Millisecond) // slow at first
		}
	}
	if read != total {
		t.Fatalf("read %d bytes, want %d", read, total)
	}
	// Socket buffers plus netloop's high water mark (1 MiB) plus a chunk
	// or two: far below the 32 MiB the handler produced.
	if m := maxAhead.Load(); m > 12<<20 {
		t.Errorf("handler ran %d bytes ahead of the client; backpressure should hold it to a few MiB", m)
	}
}

// TestStdRequestContextEndsWhenClientLeaves: a handler waiting on its
// request's context is released when the client disconnects.
func TestStdRequestContextEndsWhenClientLeaves(t *testing.T) {
	started, released := make(chan struct{}), make(chan struct{})
	s, _ := NewStd(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
		close(released)
	}))
	addr := startServer(t, s)
	c := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	<-started
	c.Close()
	select {
	case <-released:
	case <-time.After(10 * time.Second):
		t.Fatal("the request context did not end after the client closed")
	}
}

// TestStdQueueFullAnswers503: with one worker and no queue, a second
// request while the first is running is shed.
func TestStdQueueFullAnswers503(t *testing.T) {
	release := make(chan struct{})
	s, _ := NewStd(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/block" {
			<-release
		}
	}), WithWorkers(1, 0))
	addr := startServer(t, s)
	c1 := dial(t, addr)
	io.WriteString(c1, "GET /block HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(50 * time.Millisecond) // let the worker take it
	if resp, _ := roundTrip(t, addr, "GET /other HTTP/1.1\r\nHost: x\r\n\r\n"); resp.StatusCode != 503 {
		t.Errorf("second request answered %d, want 503", resp.StatusCode)
	}
	close(release)
	if resp, _ := readResponse(t, bufio.NewReader(c1), "GET"); resp.StatusCode != 200 {
		t.Errorf("blocked request answered %d", resp.StatusCode)
	}
}

// TestStdAnswersAClientThatHalfCloses sends a request and shuts down the
// client's side at once; the net/http handler, still running on a worker
// when the FIN arrives, must get its response out before the close.
func TestStdAnswersAClientThatHalfCloses(t *testing.T) {
	release := make(chan struct{})
	s, _ := NewStd(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-release // still running when the client's FIN arrives
		}
		fmt.Fprint(w, "late but delivered")
	}))
	addr := startServer(t, s)
	c := dial(t, addr).(*net.TCPConn)
	io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	c.CloseWrite()
	// Let the FIN reach the server while the handler is blocked: a second
	// connection's round trip orders it after (same loop).
	roundTrip(t, addr, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	close(release)
	br := bufio.NewReader(c)
	if _, body := readResponse(t, br, "GET"); body != "late but delivered" {
		t.Fatalf("body %q", body)
	}
	expectClosed(t, br)
}

// TestStdPipeliningClientThatDoesNotReadIsHeldBack: a client that pipelines
// requests for large answers and reads none holds net/http handlers back:
// the server answers what fits in its output and the socket's buffers,
// then waits for the client to read instead of answering on into memory;
// every answer arrives once it does.
func TestStdPipeliningClientThatDoesNotReadIsHeldBack(t *testing.T) {
	const requests, size = 2000, 32 << 10 // 64 MiB of answers
	big := strings.Repeat("x", size)
	var served atomic.Int64
	addr := streamServer(t, func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		io.WriteString(w, big)
	})
	for _, halfClose := range []bool{false, true} {
		served.Store(0)
		c := dial(t, addr)
		if _, err := io.WriteString(c, strings.Repeat("GET / HTTP/1.1\r\nHost: x\r\n\r\n", requests)); err != nil {
			t.Fatal(err)
		}
		if halfClose {
			c.(*net.TCPConn).CloseWrite()
		}
		// Time for a server that does not hold back to answer
		// everything (it takes a few tens of milliseconds); this one
		// stops at what the high water mark and the kernel's buffers
		// take, a few MiB.
		time.Sleep(300 * time.Millisecond)
		if n := served.Load(); n > requests/2 {
			t.Fatalf("the server answered %d of %d requests to a client that reads nothing", n, requests)
		}
		br := bufio.NewReader(c)
		for i := range requests {
			if _, body := readResponse(t, br, "GET"); len(body) != size {
				t.Fatalf("response %d: %d bytes", i, len(body))
			}
		}
		if halfClose {
			expectClosed(t, br)
		}
	}
}

// TestStdHoldsBackWhatTheClientPipelines: requests pipelined behind one
// a net/http handler is still serving wait in the kernel, not in the
// server's memory: a client writing them without end is held back by TCP.
func TestStdHoldsBackWhatTheClientPipelines(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	addr := streamServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case started <- struct{}{}:
		default:
		}
		<-release
	})
	defer close(release)
	c := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	wait(t, started, "the handler")
	sent := pipelineUntilHeldBack(c)
	// The kernel's buffers take a few MiB; a server reading on would
	// take up to netloop's MaxInbound (64 MiB).
	if sent > 12<<20 {
		t.Fatalf("the client sent %d bytes behind a running handler", sent)
	}
}
