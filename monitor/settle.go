package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"time"

	"github.com/weftlabs/weft/exporters/readmodel"
	"github.com/weftlabs/weft/monitor/query"
	"github.com/weftlabs/weft/web"
)

// DefaultSettleTimeout is Config.SettleTimeout when zero.
const DefaultSettleTimeout = 3 * time.Second

// settlePoll is how often an action reads the read model while it waits for its
// effect to show.
const settlePoll = 25 * time.Millisecond

// shownFunc reports whether the read model shows an action's effect. A row the read
// model does not have yet is not an error: the check is false until it comes.
type shownFunc func(ctx context.Context) (bool, error)

// awaitShown waits, at most the settle timeout, until shown holds, so that the page the
// browser is sent to after an action shows its effect: the gateway answers once the
// partition processed the command, and the read model follows a moment later. It
// reports whether shown came to hold.
func (s *server) awaitShown(ctx context.Context, shown shownFunc) bool {
	ctx, cancel := context.WithTimeout(ctx, s.settleTimeout)
	defer cancel()
	tick := time.NewTicker(settlePoll)
	defer tick.Stop()
	for {
		ok, err := shown(ctx)
		if err != nil && !errors.Is(err, query.ErrNotFound) {
			if ctx.Err() == nil {
				s.log.Warn("monitor: reading the read model after an action", "error", err)
			}
			return false
		}
		if ok && err == nil {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
	}
}

// notShownYet ends the success message of an action whose effect the read model did
// not show within the settle timeout.
const notShownYet = " The read model does not show it yet: this page may show the state before it for a moment."

func (s *server) instanceEnded(key int64) shownFunc {
	return func(ctx context.Context) (bool, error) {
		pi, err := s.q.Instance(ctx, key)
		return pi.State != readmodel.StateActive, err
	}
}

func (s *server) incidentResolved(keys ...int64) shownFunc {
	return func(ctx context.Context) (bool, error) {
		for _, k := range keys {
			inc, err := s.q.Incident(ctx, k)
			if err != nil || inc.State != readmodel.StateResolved {
				return false, err
			}
		}
		return true, nil
	}
}

// jobChanged returns a check that the job's row differs from before: a new state,
// retries, or a newer record.
func (s *server) jobChanged(ctx context.Context, key int64) shownFunc {
	before, err := s.q.Job(ctx, key)
	if err != nil {
		// Not in the read model yet (or unreadable): any row of it is news.
		before = web.Job{}
	}
	return func(ctx context.Context) (bool, error) {
		j, err := s.q.Job(ctx, key)
		return j.State != before.State || j.Retries != before.Retries || j.UpdateTime.After(before.UpdateTime), err
	}
}

// variablesSet returns a check that every variable of doc has its value in one of the
// instance's scopes. Values compare as JSON, not as text.
func (s *server) variablesSet(instanceKey int64, doc string) shownFunc {
	var want map[string]any
	if err := json.Unmarshal([]byte(doc), &want); err != nil {
		return nil // validated before; nothing to wait for otherwise
	}
	return func(ctx context.Context) (bool, error) {
		scopes, err := s.q.Scopes(ctx, instanceKey)
		if err != nil {
			return false, err
		}
		for name, v := range want {
			if !hasValue(scopes, name, v) {
				return false, nil
			}
		}
		return true, nil
	}
}

func hasValue(scopes []web.Scope, name string, want any) bool {
	for _, sc := range scopes {
		for _, v := range sc.Variables {
			if v.Name != name {
				continue
			}
			var got any
			if json.Unmarshal([]byte(v.Value), &got) == nil && reflect.DeepEqual(got, want) {
				return true
			}
		}
	}
	return false
}

// modified returns a check that the element instances to terminate have ended and
// that the instance has more element instances of the activated element than before.
func (s *server) modified(ctx context.Context, instanceKey int64, terminate []int64, activate string) shownFunc {
	count := func(els []web.ElementInstance) int {
		n := 0
		for _, e := range els {
			if e.ElementID == activate {
				n++
			}
		}
		return n
	}
	before := 0
	if activate != "" {
		if els, err := s.q.ElementInstances(ctx, instanceKey); err == nil {
			before = count(els)
		}
	}
	return func(ctx context.Context) (bool, error) {
		els, err := s.q.ElementInstances(ctx, instanceKey)
		if err != nil {
			return false, err
		}
		for _, k := range terminate {
			for _, e := range els {
				if e.Key == k && e.State == readmodel.StateActive {
					return false, nil
				}
			}
		}
		return activate == "" || count(els) > before, nil
	}
}

func (s *server) messageStored(key int64) shownFunc {
	return func(ctx context.Context) (bool, error) {
		_, err := s.q.Message(ctx, key)
		return err == nil, err
	}
}
