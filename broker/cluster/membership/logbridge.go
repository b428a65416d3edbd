package membership

import (
	"bytes"
	"context"
	"log/slog"
)

// logBridge turns memberlist's log lines ("[WARN] memberlist: ...") into slog records.
// memberlist logs routine events (probes, joins) at DEBUG and INFO: both go to Debug, since
// the node logs the events that matter itself. Its ERR lines are mostly failed connections
// to a peer that is down or restarting, which the failure detector handles: they go to Warn.
type logBridge struct{ log *slog.Logger }

// Write logs one line. It never fails.
func (b *logBridge) Write(p []byte) (int, error) {
	line := bytes.TrimSpace(p)
	level := slog.LevelDebug
	for _, l := range []struct {
		prefix string
		level  slog.Level
	}{
		{"[ERR]", slog.LevelWarn},
		{"[ERROR]", slog.LevelWarn},
		{"[WARN]", slog.LevelWarn},
		{"[INFO]", slog.LevelDebug},
		{"[DEBUG]", slog.LevelDebug},
	} {
		if rest, ok := bytes.CutPrefix(line, []byte(l.prefix)); ok {
			level, line = l.level, bytes.TrimSpace(rest)
			break
		}
	}
	line = bytes.TrimPrefix(line, []byte("memberlist: "))
	if b.log.Enabled(context.Background(), level) {
		b.log.Log(context.Background(), level, "gossip library", "detail", string(line))
	}
	return len(p), nil
}
