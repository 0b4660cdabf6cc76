package httpd

import (
	"testing"

	"github.com/netloop/netloop"
)

// onLoop is a Conn that only knows its loop.
type onLoop struct {
	netloop.Conn
	idx int
}

func (c onLoop) LoopIndex() int { return c.idx }

func TestBatchesAreTheLoopsOwnUnlessTaken(t *testing.T) {
	s, err := New(HandlerFunc(func(*ResponseWriter, *Request) {}))
	if err != nil {
		t.Fatal(err)
	}
	s.loopBatches = make([]batch, 2)
	for i := range s.loopBatches {
		s.loopBatches[i].owned = true
	}
	first := s.getBatch(onLoop{idx: 0})
	if first != &s.loopBatches[0] {
		t.Fatal("loop 0 did not get its own batch")
	}
	first.out = append(first.out, "response"...)
	nested := s.getBatch(onLoop{idx: 0}) // loop 0 serving again before the first returned
	if nested == first || nested.owned {
		t.Fatal("a batch in use was handed out again")
	}
	if len(nested.out) != 0 {
		t.Fatalf("a fresh batch holds %q", nested.out)
	}
	if other := s.getBatch(onLoop{idx: 1}); other != &s.loopBatches[1] {
		t.Error("loop 1 did not get its own batch")
	}
	if unknown := s.getBatch(onLoop{idx: 7}); unknown.owned {
		t.Error("a loop beyond those booted got an owned batch")
	}
	s.putBatch(nested)
	s.putBatch(first)
	if len(first.out) != 0 || first.inUse {
		t.Fatalf("a returned batch is not reset: %q in use %v", first.out, first.inUse)
	}
	if again := s.getBatch(onLoop{idx: 0}); again != first {
		t.Error("loop 0's batch was not handed out again once returned")
	}
}
