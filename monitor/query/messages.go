package query

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/weftlabs/weft/web"
)

// MessageFilter narrows the message list; zero fields do not filter.
type MessageFilter struct {
	Name           string
	CorrelationKey string
	// State is PUBLISHED, CORRELATED or EXPIRED.
	State string
}

const messageColumns = "SELECT key, COALESCE(name, ''), COALESCE(correlation_key, ''), COALESCE(message_id, '')," +
	" COALESCE(state, ''), COALESCE(variables, ''), COALESCE(time_to_live, 0), COALESCE(publish_time, 0)," +
	" COALESCE(correlate_time, 0), COALESCE(expire_time, 0) FROM messages"

// Messages returns a page of messages, newest publish first. Keys do not order
// messages by time: a key's high bits are its partition. Messages without a publish
// time (a correlation exported without its publication) are left out, as instances
// without a start time are.
func (s *Store) Messages(ctx context.Context, f MessageFilter, p PageRequest) ([]web.Message, Page, error) {
	var b builder
	b.cond("publish_time IS NOT NULL")
	if f.Name != "" {
		b.cond("name = ?", f.Name)
	}
	if f.CorrelationKey != "" {
		b.cond("correlation_key = ?", f.CorrelationKey)
	}
	if f.State != "" {
		b.cond("state = ?", f.State)
	}
	items, page, err := keysetPage(ctx, s, messageColumns, &b, "publish_time", "key", p, func(r *sql.Rows) (web.Message, Cursor, error) {
		var m web.Message
		var ttl, published, correlated, expired int64
		err := r.Scan(&m.Key, &m.Name, &m.CorrelationKey, &m.MessageID, &m.State, &m.Variables, &ttl, &published,
			&correlated, &expired)
		m.TimeToLive = time.Duration(ttl) * time.Millisecond
		m.PublishTime, m.CorrelateTime, m.ExpireTime = ms(published), ms(correlated), ms(expired)
		return m, Cursor{Time: published, Key: m.Key}, err
	})
	if err != nil {
		return nil, Page{}, fmt.Errorf("messages: %w", err)
	}
	return items, page, nil
}

// Message returns the message with the key.
func (s *Store) Message(ctx context.Context, key int64) (web.Message, error) {
	var m web.Message
	var ttl, published, correlated, expired int64
	err := s.queryRow(ctx, messageColumns+" WHERE key = ?", key).Scan(&m.Key, &m.Name, &m.CorrelationKey,
		&m.MessageID, &m.State, &m.Variables, &ttl, &published, &correlated, &expired)
	m.TimeToLive = time.Duration(ttl) * time.Millisecond
	m.PublishTime, m.CorrelateTime, m.ExpireTime = ms(published), ms(correlated), ms(expired)
	return m, one(err, "message", key)
}
