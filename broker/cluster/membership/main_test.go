package membership

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind. Node.Close waits for the
// node's own goroutine and shuts memberlist down; memberlist's listeners and schedulers
// exit on their own shortly after, which goleak's retries allow for, so no ignores are
// needed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
