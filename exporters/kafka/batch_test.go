package kafka

import "testing"

func TestBatchAcknowledgesOnlyADeliveredPrefix(t *testing.T) {
	var b batch
	for _, p := range []int64{3, 5, 9, 12} {
		b.add(message{position: p, size: 10})
	}
	if pos, ok := b.popDelivered(); ok {
		t.Fatalf("nothing delivered, popped up to %d", pos)
	}
	b.msgs[0].delivered, b.msgs[2].delivered = true, true
	if pos, ok := b.popDelivered(); !ok || pos != 3 {
		t.Fatalf("3 and 9 delivered, 5 not: popped to %d (%v), want 3", pos, ok)
	}
	if len(b.msgs) != 3 || b.msgs[0].position != 5 {
		t.Fatalf("left %+v, want 5, 9, 12", b.msgs)
	}
	b.msgs[0].delivered = true
	if pos, ok := b.popDelivered(); !ok || pos != 9 {
		t.Fatalf("5 and 9 delivered: popped to %d (%v), want 9", pos, ok)
	}
	if len(b.msgs) != 1 || b.msgs[0].position != 12 {
		t.Fatalf("left %+v, want 12", b.msgs)
	}
}

func TestBatchIsFull(t *testing.T) {
	var b batch
	if b.full(1<<30, 1, 1) {
		t.Error("an empty batch takes any record")
	}
	for p := range int64(3) {
		b.add(message{position: p + 1, size: 100})
	}
	for _, tc := range []struct {
		size, batchSize, batchBytes int
		want                        bool
	}{
		{10, 4, 1000, false},
		{10, 3, 1000, true},   // batch-size records to write
		{701, 4, 1000, true},  // the record would pass batch-bytes
		{700, 4, 1000, false}, // exactly batch-bytes
	} {
		if got := b.full(tc.size, tc.batchSize, tc.batchBytes); got != tc.want {
			t.Errorf("full(%d, %d, %d) = %v, want %v", tc.size, tc.batchSize, tc.batchBytes, got, tc.want)
		}
	}
	// Records delivered behind an undelivered one count towards the held limit.
	for i := range b.msgs[1:] {
		b.msgs[1+i].delivered = true
		b.pending--
	}
	for p := range int64(heldPerBatchSize*2 - 4) {
		b.add(message{position: 10 + p, delivered: true})
		b.pending--
	}
	if b.full(1, 2, 1<<20) {
		t.Errorf("%d records held (1 to write), batch-size 2: not full yet", len(b.msgs))
	}
	b.add(message{position: 1000, delivered: true})
	b.pending--
	if !b.full(1, 2, 1<<20) {
		t.Errorf("%d records held waiting for position %d, batch-size 2: want full", len(b.msgs), b.msgs[0].position)
	}
}
