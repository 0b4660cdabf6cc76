package httpd

import "testing"

// allIn must agree with a byte-by-byte check wherever the odd byte sits:
// in a block, in the overlapped last block, or in a field under eight bytes.
func TestAllInAgreesWithAByteByByteCheck(t *testing.T) {
	masks := []uint8{isToken, isFieldByte, isTarget, isHostByte, isHex}
	odd := []byte{0x00, '\t', '\r', ' ', ':', '#', '@', 0x7f, 0x80, 0xff}
	for _, mask := range masks {
		for n := 0; n <= 40; n++ {
			for pos := -1; pos < n; pos++ {
				for _, o := range odd {
					b := make([]byte, n)
					for i := range b {
						b[i] = 'a' + byte(i%26)
					}
					if pos >= 0 {
						b[pos] = o
					}
					want := true
					for _, c := range b {
						if class[c]&mask == 0 {
							want = false
						}
					}
					if got := allIn(b, mask); got != want {
						t.Fatalf("allIn(%q, %#x) = %v, want %v", b, mask, got, want)
					}
					if got := allIn(string(b), mask); got != want {
						t.Fatalf("allIn(string %q, %#x) = %v, want %v", b, mask, got, want)
					}
				}
			}
		}
	}
}
