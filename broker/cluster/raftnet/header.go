package raftnet

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Connection header, version 1. The dialing side writes it as the first bytes of every
// connection; integers are big-endian:
//
//	offset  size  field
//	0       4     magic "WFRT"
//	4       1     version, 1
//	5       1     n, the length of the source address
//	6       4     group id (the partition id)
//	10      n     source address: the dialing mux's advertised address (host:port),
//	              printable ASCII without spaces; may be empty
//
// The accepting side answers with one status byte (statusOK, statusUnknownGroup or
// statusBadVersion) or closes the connection without answering (bad magic, truncated or
// malformed header, blocked peer, mux closing). After statusOK the connection belongs
// to the group's Raft transport.
//
// Magic and version keep their place in every later version, so a peer of another
// version is told so instead of being misread.
const (
	headerMagic    = "WFRT"
	headerVersion  = 1
	fixedHeaderLen = 10
	maxSourceLen   = 255
)

// status is the accepting side's one-byte answer to a header.
type status byte

const (
	statusOK           status = 0
	statusUnknownGroup status = 1
	statusBadVersion   status = 2
)

// header is a decoded connection header.
type header struct {
	group  uint32
	source string
}

var (
	errBadMagic   = errors.New("bad magic")
	errBadVersion = errors.New("unsupported header version")
	errTruncated  = errors.New("truncated header")
	errBadSource  = errors.New("bad source address")
)

// appendHeader appends the encoding of h to b.
func appendHeader(b []byte, h header) ([]byte, error) {
	if err := checkSource(h.source); err != nil {
		return nil, err
	}
	b = append(b, headerMagic...)
	b = append(b, headerVersion, byte(len(h.source)))
	b = binary.BigEndian.AppendUint32(b, h.group)
	return append(b, h.source...), nil
}

// readHeader reads one header from r. It reads exactly the header's bytes, so whatever
// follows stays in r.
func readHeader(r io.Reader) (header, error) {
	var fixed [fixedHeaderLen]byte
	// Magic and version first: the rest of the layout depends on the version.
	if _, err := io.ReadFull(r, fixed[:5]); err != nil {
		return header{}, truncated(err)
	}
	if string(fixed[:4]) != headerMagic {
		return header{}, errBadMagic
	}
	if fixed[4] != headerVersion {
		return header{}, fmt.Errorf("%w: %d", errBadVersion, fixed[4])
	}
	if _, err := io.ReadFull(r, fixed[5:]); err != nil {
		return header{}, truncated(err)
	}
	h := header{group: binary.BigEndian.Uint32(fixed[6:10])}
	if n := int(fixed[5]); n > 0 {
		src := make([]byte, n)
		if _, err := io.ReadFull(r, src); err != nil {
			return header{}, truncated(err)
		}
		h.source = string(src)
		if err := checkSource(h.source); err != nil {
			return header{}, err
		}
	}
	return h, nil
}

func truncated(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %w", errTruncated, err)
	}
	return err
}

// checkSource accepts what a host:port can hold and nothing that could mislead a log
// reader (control characters, spaces, non-ASCII).
func checkSource(s string) error {
	if len(s) > maxSourceLen {
		return fmt.Errorf("%w: longer than %d bytes", errBadSource, maxSourceLen)
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return fmt.Errorf("%w: byte %#x at %d", errBadSource, s[i], i)
		}
	}
	return nil
}
