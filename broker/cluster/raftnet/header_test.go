package raftnet

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func mustHeader(t testing.TB, h header) []byte {
	t.Helper()
	b, err := appendHeader(nil, h)
	require.NoError(t, err)
	return b
}

func TestReadHeader(t *testing.T) {
	good := mustHeader(t, header{group: 7, source: "127.0.0.1:26502"})
	require.Equal(t, []byte("WFRT\x01\x0f\x00\x00\x00\x07127.0.0.1:26502"), good)

	badVersion := bytes.Clone(good)
	badVersion[4] = 2
	control := mustHeader(t, header{group: 1, source: "ab"})
	control[len(control)-1] = '\n'

	cases := []struct {
		name string
		in   []byte
		want header
		err  error
	}{
		{name: "good", in: good, want: header{group: 7, source: "127.0.0.1:26502"}},
		{name: "empty source", in: mustHeader(t, header{group: 1 << 31}), want: header{group: 1 << 31}},
		{name: "bad magic", in: append([]byte("GET / HTTP/1.1\r\n"), good...), err: errBadMagic},
		{name: "bad version", in: badVersion, err: errBadVersion},
		{name: "control byte in source", in: control, err: errBadSource},
		{name: "empty", in: nil, err: errTruncated},
		{name: "truncated magic", in: good[:3], err: errTruncated},
		{name: "truncated group", in: good[:8], err: errTruncated},
		{name: "truncated source", in: good[:len(good)-1], err: errTruncated},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, err := readHeader(bytes.NewReader(tc.in))
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, h)
		})
	}
}

func TestReadHeaderLeavesTheRest(t *testing.T) {
	r := bytes.NewReader(append(mustHeader(t, header{group: 3, source: "h:1"}), "raft bytes"...))
	h, err := readHeader(r)
	require.NoError(t, err)
	require.Equal(t, header{group: 3, source: "h:1"}, h)
	rest := make([]byte, r.Len())
	r.Read(rest)
	require.Equal(t, "raft bytes", string(rest))
}

func TestAppendHeaderRefusesBadSource(t *testing.T) {
	_, err := appendHeader(nil, header{source: strings.Repeat("a", maxSourceLen+1)})
	require.ErrorIs(t, err, errBadSource)
	_, err = appendHeader(nil, header{source: "host name:1"})
	require.ErrorIs(t, err, errBadSource)
}

// FuzzReadHeader checks that no input makes readHeader panic, and that whatever it
// accepts encodes back to the bytes it read.
func FuzzReadHeader(f *testing.F) {
	f.Add(mustHeader(f, header{group: 7, source: "127.0.0.1:26502"}))
	f.Add(mustHeader(f, header{}))
	f.Add([]byte("WFRT\x01\xff\x00\x00\x00\x01"))
	f.Add([]byte("WFRT\x02"))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bytes.NewReader(in)
		h, err := readHeader(r)
		if err != nil {
			if !errors.Is(err, errTruncated) && !errors.Is(err, errBadMagic) &&
				!errors.Is(err, errBadVersion) && !errors.Is(err, errBadSource) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		consumed := len(in) - r.Len()
		require.Equal(t, in[:consumed], mustHeader(t, h))
	})
}
