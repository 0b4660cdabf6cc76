package httpd

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// statusLines holds "HTTP/1.1 200 OK\r\n" and the like for the codes
// net/http names, built once: writing a status line is one append.
var statusLines = func() (t [600]string) {
	for code := 100; code < len(t); code++ {
		if text := http.StatusText(code); text != "" {
			t[code] = "HTTP/1.1 " + strconv.Itoa(code) + " " + text + "\r\n"
		}
	}
	return t
}()

// appendStatusLine appends the status line for code (100..999); a code
// without a standard reason phrase gets an empty one, which RFC 9112
// allows.
func appendStatusLine(b []byte, code int) []byte {
	if code < len(statusLines) && statusLines[code] != "" {
		return append(b, statusLines[code]...)
	}
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(code), 10)
	return append(b, " \r\n"...)
}

// bodyAllowed reports whether a response with this status may have a body
// (RFC 9110, sections 15.2, 15.3.5 and 15.4.5).
func bodyAllowed(code int) bool {
	return code >= 200 && code != 204 && code != 304
}

// dateLine is a complete "Date: ...\r\n" field line.
type dateLine [len("Date: Mon, 02 Jan 2006 15:04:05 GMT\r\n")]byte

// okLine is the status line of a 200 response.
const okLine = "HTTP/1.1 200 OK\r\n"

// okDateHead is okLine followed by the Date field line: the head of most
// responses starts with these bytes.
type okDateHead [len(okLine) + len(dateLine{})]byte

// dateCache holds the Date field line, which a goroutine refreshes once a
// second (RFC 9110, section 6.6.1: an origin server with a clock must send
// Date), and the same line behind a 200 status line. Responses read it
// with one atomic load.
type dateCache struct {
	v atomic.Pointer[okDateHead]
}

func (d *dateCache) load() *okDateHead {
	h := d.v.Load()
	if h == nil {
		d.set(time.Now())
		h = d.v.Load()
	}
	return h
}

// line returns the Date field line.
func (d *dateCache) line() []byte { return d.load()[len(okLine):] }

// okHead returns okLine and the Date field line.
func (d *dateCache) okHead() []byte { return d.load()[:] }

func (d *dateCache) set(t time.Time) {
	h := new(okDateHead)
	b := append(h[:0], okLine...)
	b = append(b, "Date: "...)
	b = t.UTC().AppendFormat(b, http.TimeFormat)
	_ = append(b, "\r\n"...)
	d.v.Store(h)
}

// run refreshes the line at every turn of the second until stop closes.
func (d *dateCache) run(stop <-chan struct{}) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			now := time.Now()
			d.set(now)
			t.Reset(time.Second - time.Duration(now.Nanosecond()) + time.Millisecond)
		}
	}
}

func statusText(code int) string { return http.StatusText(code) }

func itoa(n int) string { return strconv.Itoa(n) }
