// Package file is an exporter that appends every record, as Zeebe's record JSON, one per
// line, to a file: an audit trail of everything a partition did. Each partition writes
// its own file; the file is synced before positions are acknowledged, and it can be
// rotated by size.
package file

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	exportersdk "github.com/weftlabs/weft/exporter-sdk"
)

// New returns an unconfigured file exporter.
func New() exportersdk.Exporter { return &Exporter{} }

// Exporter writes records as JSON lines. Settings:
//
//	path=FILE         required; "{partition}" in it is replaced by the partition id, and
//	                  without it the id is added before the extension (records.jsonl ->
//	                  records-1.jsonl)
//	max-size=SIZE     rotate when the file reaches SIZE (e.g. 100MB; 0, the default: never)
//	max-files=N       rotated files to keep (default 10; older ones are deleted)
//	flush-delay=DUR   sync and acknowledge at most this long after a record (default 1s)
//	flush-size=N      sync and acknowledge after N records (default 1000)
type Exporter struct {
	pattern    string
	maxSize    int64
	maxFiles   int
	flushDelay time.Duration
	flushSize  int

	ctl  exportersdk.Controller
	path string
	f    *os.File
	// size is the file's size as of the last sync.
	size int64
	// pending holds the lines of the records not yet written and synced; they stay
	// until a flush succeeds, so that a failed write loses nothing.
	pending []byte
	count   int
	// last is the position of the last record taken.
	last  int64
	timer exportersdk.ScheduledTask
}

// Configure reads the settings.
func (e *Exporter) Configure(cfg *exportersdk.Config) error {
	s := cfg.Settings
	e.pattern = s.Required("path")
	e.maxSize = s.Bytes("max-size", 0)
	e.maxFiles = s.Int("max-files", 10)
	e.flushDelay = s.Duration("flush-delay", time.Second)
	e.flushSize = s.Int("flush-size", 1000)
	if e.maxFiles < 1 {
		s.Fail("max-files", errors.New("must be at least 1"))
	}
	if e.flushSize < 1 {
		s.Fail("flush-size", errors.New("must be at least 1"))
	}
	return nil
}

// PathFor returns the file a partition writes to.
func PathFor(pattern string, partition int32) string {
	id := strconv.Itoa(int(partition))
	if strings.Contains(pattern, "{partition}") {
		return strings.ReplaceAll(pattern, "{partition}", id)
	}
	ext := filepath.Ext(pattern)
	return strings.TrimSuffix(pattern, ext) + "-" + id + ext
}

// Open opens (or creates) the partition's file for appending.
func (e *Exporter) Open(_ context.Context, c exportersdk.Controller) error {
	e.ctl = c
	e.path = PathFor(e.pattern, c.PartitionID())
	if err := os.MkdirAll(filepath.Dir(e.path), 0o755); err != nil {
		return err
	}
	return e.openFile()
}

func (e *Exporter) openFile() error {
	f, err := os.OpenFile(e.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	e.f, e.size = f, st.Size()
	return nil
}

// Export appends the record; it is acknowledged once synced.
func (e *Exporter) Export(_ context.Context, r *exportersdk.Record) error {
	if r.Position > e.last {
		e.pending = r.AppendJSON(e.pending)
		e.pending = append(e.pending, '\n')
		e.last = r.Position
		e.count++
	}
	if e.count >= e.flushSize || (e.maxSize > 0 && e.size+int64(len(e.pending)) >= e.maxSize) {
		// A failure keeps the lines; the broker retries this record, which is taken
		// already, and the retry flushes again.
		return e.flush()
	}
	if e.timer == nil {
		e.timer = e.ctl.ScheduleCancellableTask(e.flushDelay, func() {
			e.timer = nil
			if err := e.flush(); err != nil {
				e.ctl.ScheduleCancellableTask(e.flushDelay, func() { e.flush() })
			}
		})
	}
	return nil
}

// flush syncs the file, acknowledges what it holds, and rotates it when it is full.
func (e *Exporter) flush() error {
	if e.timer != nil {
		e.timer.Cancel()
		e.timer = nil
	}
	if e.count == 0 {
		return nil
	}
	if e.f == nil {
		if err := e.openFile(); err != nil {
			return err
		}
	}
	_, err := e.f.Write(e.pending)
	if err == nil {
		err = e.f.Sync()
	}
	if err != nil {
		// Cut what a partial write left, so that the retry does not repeat half a line.
		if terr := e.f.Truncate(e.size); terr != nil {
			e.f.Close()
			e.f = nil
		}
		return fmt.Errorf("write %s: %w", e.path, err)
	}
	e.size += int64(len(e.pending))
	e.pending, e.count = e.pending[:0], 0
	e.ctl.UpdateLastExportedPosition(e.last)
	if e.maxSize > 0 && e.size >= e.maxSize {
		return e.rotate()
	}
	return nil
}

// rotate renames path to path.1 (path.1 to path.2, and so on, dropping the oldest) and
// starts a new file.
func (e *Exporter) rotate() error {
	if err := e.f.Close(); err != nil {
		return err
	}
	e.f = nil
	os.Remove(fmt.Sprintf("%s.%d", e.path, e.maxFiles))
	for i := e.maxFiles - 1; i >= 1; i-- {
		os.Rename(fmt.Sprintf("%s.%d", e.path, i), fmt.Sprintf("%s.%d", e.path, i+1))
	}
	if err := os.Rename(e.path, e.path+".1"); err != nil {
		return err
	}
	return e.openFile()
}

// Close writes out and syncs what is pending.
func (e *Exporter) Close() error {
	if e.ctl == nil {
		return nil // never opened
	}
	err := e.flush()
	if e.f != nil {
		if cerr := e.f.Close(); err == nil {
			err = cerr
		}
		e.f = nil
	}
	return err
}
