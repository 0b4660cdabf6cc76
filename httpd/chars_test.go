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

// validValue must agree with the table for every byte value at every
// position, among neighbours chosen to provoke borrows across bytes (0x20,
// 0x7e, 0x80, 0xff just past the edges of what the word test catches).
func TestValidValueAgreesWithTheTable(t *testing.T) {
	fills := []byte{'a', 0x20, 0x21, 0x7e, 0x80, 0xff, '\t'}
	for n := 0; n <= 24; n++ {
		for _, fill := range fills {
			for pos := -1; pos < n; pos++ {
				for c := 0; c < 256; c++ {
					b := make([]byte, n)
					for i := range b {
						b[i] = fill
					}
					if pos >= 0 {
						b[pos] = byte(c)
					}
					want := true
					for _, x := range b {
						if class[x]&isFieldByte == 0 {
							want = false
						}
					}
					if got := validValue(b); got != want {
						t.Fatalf("validValue(%q) = %v, want %v", b, got, want)
					}
					if got := validValue(string(b)); got != want {
						t.Fatalf("validValue(string %q) = %v, want %v", b, got, want)
					}
				}
			}
		}
	}
}
