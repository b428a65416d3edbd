package kafka

import (
	"context"

	"github.com/segmentio/kafka-go/sasl"
	franzsasl "github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// SCRAM comes from franz-go, whose implementation needs only the standard library:
// kafka-go's own sasl/scram package needs github.com/xdg-go/scram, which the module
// does not require. The two libraries' SASL interfaces differ only in names, so
// scramMechanism adapts one to the other.

type scramAlgorithm int

const (
	scramSHA256 scramAlgorithm = iota
	scramSHA512
)

// scramMechanism is a kafka-go SASL mechanism backed by franz-go's SCRAM.
type scramMechanism struct{ m franzsasl.Mechanism }

func newSCRAM(alg scramAlgorithm, username, password string) sasl.Mechanism {
	auth := scram.Auth{User: username, Pass: password}
	if alg == scramSHA512 {
		return scramMechanism{auth.AsSha512Mechanism()}
	}
	return scramMechanism{auth.AsSha256Mechanism()}
}

func (s scramMechanism) Name() string { return s.m.Name() }

func (s scramMechanism) Start(ctx context.Context) (sasl.StateMachine, []byte, error) {
	host := ""
	if md := sasl.MetadataFromContext(ctx); md != nil {
		host = md.Host
	}
	sess, first, err := s.m.Authenticate(ctx, host)
	if err != nil {
		return nil, nil, err
	}
	return scramSession{sess}, first, nil
}

// scramSession is one SCRAM exchange.
type scramSession struct{ s franzsasl.Session }

func (s scramSession) Next(_ context.Context, challenge []byte) (bool, []byte, error) {
	return s.s.Challenge(challenge)
}
