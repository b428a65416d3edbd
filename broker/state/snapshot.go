package state

import (
	"archive/tar"
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/cockroachdb/pebble"
)

// A snapshot of the state travels as: the magic line, a tar archive of a Pebble
// checkpoint (regular files only, no directories), and the SHA-256 of everything before
// it. A receiver extracts into a directory of its own and checks the digest before it
// replaces anything, so a corrupt snapshot is never loaded.
const snapshotMagic = "WEFT-STATE-SNAPSHOT 1\n"

// ErrCorruptSnapshot is returned by ReplaceWith when a snapshot fails its checksum or
// cannot be read; the state is then unchanged.
var ErrCorruptSnapshot = errors.New("state snapshot is corrupt")

// Checkpoint writes a consistent copy of the whole state into dir, which must not exist.
// Called on the processing goroutine, it captures exactly what is committed.
func (d *DB) Checkpoint(dir string) error {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.opts.InMemory {
		return errors.New("checkpoint: an in-memory state has no files")
	}
	if err := d.db.Checkpoint(dir, pebble.WithFlushedWAL()); err != nil {
		return fmt.Errorf("checkpoint state: %w", err)
	}
	return nil
}

// WriteSnapshot streams the checkpoint in dir to w in the snapshot format.
func WriteSnapshot(dir string, w io.Writer) error {
	h := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(w, h), 1<<20)
	if _, err := io.WriteString(bw, snapshotMagic); err != nil {
		return err
	}
	tw := tar.NewWriter(bw)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			return fmt.Errorf("write snapshot: %s is not a regular file", e.Name())
		}
		if err := addFile(tw, filepath.Join(dir, e.Name()), e.Name()); err != nil {
			return fmt.Errorf("write snapshot: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	_, err = w.Write(h.Sum(nil))
	return err
}

func addFile(tw *tar.Writer, path, name string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: fi.Size(), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}

// ReplaceWith replaces the whole state with a snapshot read from r (as WriteSnapshot
// wrote it). The snapshot is extracted beside the state and verified first; a corrupt
// one returns ErrCorruptSnapshot and leaves the state as it was. Call it on the
// processing goroutine with no Txn open.
func (d *DB) ReplaceWith(r io.Reader) error {
	if d.opts.InMemory {
		return errors.New("replace state: an in-memory state has no files")
	}
	incoming := d.dir + ".incoming"
	if err := os.RemoveAll(incoming); err != nil {
		return err
	}
	if err := extractSnapshot(r, incoming); err != nil {
		os.RemoveAll(incoming)
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.db.Close(); err != nil {
		return fmt.Errorf("replace state: close: %w", err)
	}
	old := d.dir + ".old"
	if err := os.RemoveAll(old); err != nil {
		return err
	}
	if err := os.Rename(d.dir, old); err != nil {
		return fmt.Errorf("replace state: %w", err)
	}
	if err := os.Rename(incoming, d.dir); err != nil {
		return fmt.Errorf("replace state: %w", err)
	}
	if err := syncDir(filepath.Dir(d.dir)); err != nil {
		return err
	}
	if err := os.RemoveAll(old); err != nil {
		return err
	}
	return d.open()
}

// recoverReplace finishes or undoes a ReplaceWith that a crash interrupted: the new
// state is complete once it is renamed to ".incoming" (it was verified before), and the
// old one is only removed after the swap.
func recoverReplace(dir string) error {
	incoming, old := dir+".incoming", dir+".old"
	_, dirErr := os.Stat(dir)
	_, oldErr := os.Stat(old)
	switch {
	case os.IsNotExist(dirErr) && oldErr == nil:
		if _, err := os.Stat(incoming); err == nil {
			if err := os.Rename(incoming, dir); err != nil {
				return err
			}
		} else if err := os.Rename(old, dir); err != nil {
			return err
		}
		return os.RemoveAll(old)
	case dirErr == nil && oldErr == nil:
		return os.RemoveAll(old)
	}
	return os.RemoveAll(incoming)
}

func extractSnapshot(r io.Reader, dir string) error {
	h := sha256.New()
	br := bufio.NewReaderSize(r, 1<<20)
	magic := make([]byte, len(snapshotMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != snapshotMagic {
		return fmt.Errorf("%w: not a state snapshot", ErrCorruptSnapshot)
	}
	h.Write(magic)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tr := tar.NewReader(io.TeeReader(br, h))
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrCorruptSnapshot, err)
		}
		name := hdr.Name
		if hdr.Typeflag != tar.TypeReg || name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
			return fmt.Errorf("%w: unexpected entry %q", ErrCorruptSnapshot, name)
		}
		if err := writeFile(filepath.Join(dir, name), tr); err != nil {
			return fmt.Errorf("%w: %v", ErrCorruptSnapshot, err)
		}
	}
	// The tar reader stops at its end-of-archive marker; the padding after it belongs
	// to the hashed part, the last 32 bytes to the digest.
	rest, err := io.ReadAll(br)
	if err != nil || len(rest) < sha256.Size {
		return fmt.Errorf("%w: the checksum is missing", ErrCorruptSnapshot)
	}
	body, digest := rest[:len(rest)-sha256.Size], rest[len(rest)-sha256.Size:]
	h.Write(body)
	if !bytes.Equal(h.Sum(nil), digest) {
		return fmt.Errorf("%w: checksum mismatch", ErrCorruptSnapshot)
	}
	return syncDir(dir)
}

func writeFile(path string, r io.Reader) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
