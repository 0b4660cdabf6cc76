package httpd

import (
	"net/http"
	"testing"
	"testing/synctest"
	"time"
)

// The Date line follows the clock, refreshed once a second (fake time in
// a synctest bubble: each Sleep moves the clock, it does not wait).
func TestDateLineFollowsTheClockEachSecond(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var d dateCache
		stop := make(chan struct{})
		defer close(stop)
		go d.run(stop)
		time.Sleep(500 * time.Millisecond) // look mid-second, not at the turn
		for i := 0; i < 3; i++ {
			synctest.Wait() // the refresh due now has run
			want := "Date: " + time.Now().UTC().Format(http.TimeFormat) + "\r\n"
			if got := string(d.line()); got != want {
				t.Fatalf("second %d: %q, want %q", i, got, want)
			}
			if got := string(d.okHead()); got != "HTTP/1.1 200 OK\r\n"+want {
				t.Fatalf("second %d: 200 head %q", i, got)
			}
			time.Sleep(time.Second)
		}
	})
}
