package socket

import "time"

// seconds rounds d up to whole seconds, at least 1: the kernel's keepalive
// options take seconds, and 0 would be rejected.
func seconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return s
}
