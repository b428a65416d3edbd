package state

import (
	"fmt"
	"log/slog"
)

// PebbleLogger adapts a slog.Logger to Pebble's logger: Pebble's routine messages
// (WAL replay, compactions) go to debug level; a fatal one is logged and then panics, as
// Pebble expects Fatalf not to return.
func PebbleLogger(log *slog.Logger) interface {
	Infof(format string, args ...any)
	Fatalf(format string, args ...any)
} {
	return pebbleLogger{log}
}

type pebbleLogger struct{ log *slog.Logger }

func (l pebbleLogger) Infof(format string, args ...any) {
	l.log.Debug("pebble", "msg", fmt.Sprintf(format, args...))
}

func (l pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	l.log.Error("pebble failed", "msg", msg)
	panic("pebble: " + msg)
}
