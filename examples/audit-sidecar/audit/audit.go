// Package audit is an exporter that appends every record, as one line of Zeebe's record
// JSON, to a file per exporter and partition, and acknowledges a record only once the
// file holding it is fsynced. The audit-sidecar program serves it as a sidecar; it runs
// in process just as well.
package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	exportersdk "github.com/weftlabs/weft/exporter-sdk"
)

// Exporter is the audit exporter. Settings: dir (the folder of the files, default the
// one given to New), batch-size (records per fsync at most, default 500), flush-interval
// (how long a record waits for its batch to fill before the batch is written anyway,
// default 50ms).
type Exporter struct {
	dir           string
	batchSize     int
	flushInterval time.Duration
	log           *slog.Logger
	id            string

	ctl  exportersdk.Controller
	f    *os.File
	path string
	size int64 // bytes of the file, all fsynced

	buf     []byte // lines of the batch not written yet
	last    int64  // position of the batch's last record
	pending int    // records in buf
	timer   exportersdk.ScheduledTask
}

// New returns an audit exporter whose files go to dir unless its dir setting says
// otherwise.
func New(dir string) *Exporter { return &Exporter{dir: dir} }

// metadata is what the exporter stores with each acknowledged position: the file and
// its fsynced length. A file found shorter at Open lost acknowledged records.
type metadata struct {
	File   string `json:"file"`
	Offset int64  `json:"offset"`
}

// Configure reads the settings.
func (e *Exporter) Configure(cfg *exportersdk.Config) error {
	st := cfg.Settings
	e.dir = st.String("dir", e.dir)
	if e.dir == "" {
		st.Fail("dir", errors.New("is required"))
	}
	e.batchSize = st.Int("batch-size", 500)
	if e.batchSize < 1 {
		st.Fail("batch-size", fmt.Errorf("%d is not a positive number of records", e.batchSize))
	}
	e.flushInterval = st.Duration("flush-interval", 50*time.Millisecond)
	e.log = cfg.Logger
	if e.log == nil {
		e.log = slog.Default()
	}
	e.id = cfg.ID
	return nil
}

// Open opens (or creates) the partition's file, drops a last line left incomplete by a
// crash, and checks the file against the metadata of the last acknowledgement.
func (e *Exporter) Open(_ context.Context, c exportersdk.Controller) error {
	e.ctl = c
	if err := os.MkdirAll(e.dir, 0o755); err != nil {
		return err
	}
	e.path = filepath.Join(e.dir, fmt.Sprintf("%s-partition-%d.jsonl", e.id, c.PartitionID()))
	f, err := os.OpenFile(e.path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	size, err := dropPartialLine(f)
	if err == nil {
		err = syncDir(e.dir)
	}
	if err == nil {
		err = checkMetadata(c.ReadMetadata(), e.path, size)
	}
	if err != nil {
		_ = f.Close()
		return err
	}
	e.f, e.size = f, size
	e.log.Info("audit file open", "path", e.path, "bytes", size, "acknowledged_position", c.LastExportedPosition())
	return nil
}

func checkMetadata(raw []byte, path string, size int64) error {
	if len(raw) == 0 {
		return nil
	}
	var m metadata
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("acknowledged metadata %q: %w", raw, err)
	}
	if m.File == path && size < m.Offset {
		return fmt.Errorf("audit file %s holds %d bytes, fewer than the %d acknowledged: it was truncated or replaced, and acknowledged records are missing; "+
			"move it away and rename the exporter to export from the start of the retained log", path, size, m.Offset)
	}
	return nil
}

// Export adds the record to the batch, and writes the batch once it is full.
func (e *Exporter) Export(_ context.Context, r *exportersdk.Record) error {
	e.buf = r.AppendJSON(e.buf)
	e.buf = append(e.buf, '\n')
	e.last = r.Position
	e.pending++
	if e.pending >= e.batchSize {
		e.flushOrRetry()
	} else if e.timer == nil {
		e.timer = e.ctl.ScheduleCancellableTask(e.flushInterval, func() {
			e.timer = nil
			e.flushOrRetry()
		})
	}
	return nil
}

// flushOrRetry flushes the batch, and on failure tries again after flush-interval. The
// records stay in the batch meanwhile; the broker's window bounds how many pile up.
func (e *Exporter) flushOrRetry() {
	if err := e.flush(); err != nil {
		e.log.Warn("audit flush failed; retrying", "path", e.path, "err", err)
		if e.timer == nil {
			e.timer = e.ctl.ScheduleCancellableTask(e.flushInterval, func() {
				e.timer = nil
				e.flushOrRetry()
			})
		}
	}
}

// flush writes the batch, fsyncs the file, then acknowledges the batch's last record.
func (e *Exporter) flush() error {
	if e.timer != nil {
		e.timer.Cancel()
		e.timer = nil
	}
	if len(e.buf) == 0 {
		return nil
	}
	if _, err := e.f.Write(e.buf); err != nil {
		// Cut a partly written batch off, so that the next attempt writes whole lines.
		if terr := e.f.Truncate(e.size); terr != nil {
			return errors.Join(err, terr)
		}
		return err
	}
	if err := e.f.Sync(); err != nil {
		return err
	}
	e.size += int64(len(e.buf))
	e.buf = e.buf[:0]
	e.pending = 0
	meta, err := json.Marshal(metadata{File: e.path, Offset: e.size})
	if err != nil {
		return err
	}
	e.ctl.UpdateLastExportedPositionWithMetadata(e.last, meta)
	return nil
}

// Close writes and acknowledges the last batch, and closes the file.
func (e *Exporter) Close() error {
	if e.f == nil {
		return nil
	}
	err := e.flush()
	return errors.Join(err, e.f.Close())
}

// dropPartialLine truncates f after its last newline (a crash can leave a batch half
// written) and returns its size.
func dropPartialLine(f *os.File) (int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	size := fi.Size()
	const chunk = 64 << 10
	buf := make([]byte, chunk)
	for end := size; end > 0; {
		start := max(end-chunk, 0)
		n, err := f.ReadAt(buf[:end-start], start)
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, err
		}
		for i := n - 1; i >= 0; i-- {
			if buf[i] == '\n' {
				keep := start + int64(i) + 1
				if keep == size {
					return size, nil
				}
				return keep, truncate(f, keep)
			}
		}
		end = start
	}
	if size == 0 {
		return 0, nil
	}
	return 0, truncate(f, 0)
}

func truncate(f *os.File, size int64) error {
	if err := f.Truncate(size); err != nil {
		return err
	}
	return f.Sync()
}

// syncDir makes the file's directory entry durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	return errors.Join(err, d.Close())
}
