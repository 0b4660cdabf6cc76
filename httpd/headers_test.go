package httpd

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// headerHandler reports in the body what its header calls returned.
func headerHandler(w *ResponseWriter, r *Request) {
	switch string(r.Path()) {
	case "/content-type":
		w.SetContentType("text/html")
		w.SetContentType("text/plain; charset=utf-8") // replaces
		w.AddHeader("X-After", "1")
	case "/refused":
		for _, err := range []error{
			w.AddHeader("X-Split", "a\r\nX-Injected: 1"),
			w.AddHeader("Bad Name", "v"),
			w.AddHeader("", "v"),
			w.AddHeader("X-Del", "a\x7fb"),
			w.AddHeader("Content-Length", "5"),
			w.AddHeader("connection", "close"),
			w.SetContentType("text/plain\nX-Injected: 1"),
		} {
			fmt.Fprintf(w, "%v;", err)
		}
		w.AddHeader("X-Tab", "a\tb") // HTAB is allowed in a value
	case "/late":
		w.WriteString("head sent;")
		w.Flush()
		fmt.Fprintf(w, "%v;%v", w.SetContentType("text/plain"), w.AddHeader("X-Late", "1"))
	}
}

func TestHeaderCallsOverTheWire(t *testing.T) {
	s, err := New(HandlerFunc(headerHandler))
	if err != nil {
		t.Fatal(err)
	}
	addr := startServer(t, s)

	resp, body := roundTrip(t, addr, "GET /content-type HTTP/1.1\r\nHost: a\r\n\r\n")
	if got := resp.Header.Values("Content-Type"); len(got) != 1 || got[0] != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type fields %q, want the last one set, once", got)
	}
	if resp.Header.Get("X-After") != "1" || body != "" {
		t.Errorf("X-After %q body %q", resp.Header.Get("X-After"), body)
	}

	resp, body = roundTrip(t, addr, "GET /refused HTTP/1.1\r\nHost: a\r\n\r\n")
	want := strings.Repeat(ErrInvalidHeader.Error()+";", 4) + strings.Repeat(ErrReservedHeader.Error()+";", 2) +
		ErrInvalidHeader.Error() + ";"
	if body != want {
		t.Errorf("errors %q,\nwant %q", body, want)
	}
	if resp.Header.Get("X-Injected") != "" || resp.Header.Get("Content-Type") != "" || resp.ContentLength != int64(len(want)) {
		t.Errorf("a refused field reached the response: %v", resp.Header)
	}
	if resp.Header.Get("X-Tab") != "a\tb" {
		t.Errorf("X-Tab = %q, want a<TAB>b", resp.Header.Get("X-Tab"))
	}

	resp, body = roundTrip(t, addr, "GET /late HTTP/1.1\r\nHost: a\r\n\r\n")
	if want := "head sent;" + ErrHeadersSent.Error() + ";" + ErrHeadersSent.Error(); body != want {
		t.Errorf("after Flush: %q, want %q", body, want)
	}
	if resp.Header.Get("Content-Type") != "" || resp.Header.Get("X-Late") != "" {
		t.Errorf("fields added after the head went out: %v", resp.Header)
	}
}

// A 200 head comes from the cached status and Date bytes, other heads and
// those with a Server field are assembled: each has its status line, a
// Date and, with WithServerName, one Server field.
func TestHeadsWithAndWithoutServerName(t *testing.T) {
	for _, name := range []string{"", "netloop-test"} {
		s, err := New(HandlerFunc(testHandler), WithServerName(name))
		if err != nil {
			t.Fatal(err)
		}
		addr := startServer(t, s)
		for path, status := range map[string]int{"/": 200, "/missing": 404} {
			resp, _ := roundTrip(t, addr, "GET "+path+" HTTP/1.1\r\nHost: a\r\n\r\n")
			if resp.StatusCode != status || resp.Header.Get("Date") == "" {
				t.Errorf("server %q %s: status %d, Date %q", name, path, resp.StatusCode, resp.Header.Get("Date"))
			}
			if got := resp.Header.Values("Server"); (name == "" && len(got) != 0) || (name != "" && (len(got) != 1 || got[0] != name)) {
				t.Errorf("server %q %s: Server fields %q", name, path, got)
			}
		}
	}
}

func TestAppendLength(t *testing.T) {
	for _, n := range []int64{0, 7, 9, 10, 42, 99, 100, 1000, 65535, 1 << 40} {
		got := string(appendLength([]byte("x"), n))
		if want := "x" + strconv.FormatInt(n, 10) + "\r\n"; got != want {
			t.Errorf("appendLength(%d) = %q, want %q", n, got, want)
		}
	}
}
