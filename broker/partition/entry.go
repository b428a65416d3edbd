package partition

import (
	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/proto/gen/brokerpb"
)

func marshalEntry(e *brokerpb.Entry) ([]byte, error) {
	return proto.MarshalOptions{Deterministic: true}.Marshal(e)
}
