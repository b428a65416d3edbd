package membership

import (
	"errors"

	"github.com/hashicorp/memberlist"
)

var errUnexpectedAnnouncement = errors.New("an announcement where a state set was expected")

// delegate is the node's memberlist.Delegate. memberlist calls it from its packet and
// stream handlers, concurrently; none of the methods block on the network.
type delegate struct{ n *Node }

// NodeMeta returns the node's metadata, fixed for the node's run.
func (d delegate) NodeMeta(limit int) []byte {
	if len(d.n.meta) > limit {
		// Join checked the size against memberlist's limit; this only guards a smaller one.
		return nil
	}
	return d.n.meta
}

// NotifyMsg handles an announcement. buf is memberlist's and reused after the call; the
// decoder copies what it keeps.
func (d delegate) NotifyMsg(buf []byte) { d.n.handleMessage(buf) }

// GetBroadcasts hands memberlist the queued announcements to piggy-back on its packets.
func (d delegate) GetBroadcasts(overhead, limit int) [][]byte {
	return d.n.queue.GetBroadcasts(overhead, limit)
}

// LocalState returns every announcement the node holds, for push/pull.
func (d delegate) LocalState(bool) []byte { return d.n.localState() }

// MergeRemoteState merges the announcements of a push/pull peer.
func (d delegate) MergeRemoteState(buf []byte, _ bool) { d.n.mergeState(buf) }

// events is the node's memberlist.EventDelegate. memberlist calls it with its node lock
// held, one event at a time.
type events struct{ n *Node }

// NotifyJoin records a member that joined or came back.
func (ev events) NotifyJoin(node *memberlist.Node) { ev.n.upsert(node) }

// NotifyUpdate records a member whose metadata changed.
func (ev events) NotifyUpdate(node *memberlist.Node) { ev.n.upsert(node) }

// NotifyLeave records a member that left or failed.
func (ev events) NotifyLeave(node *memberlist.Node) { ev.n.leave(node) }

// aliveFilter is the node's memberlist.AliveDelegate: it keeps nodes whose metadata does not
// decode (another program on the port, a newer incompatible version) out of the cluster, so
// they never reach the view.
type aliveFilter struct{ n *Node }

// NotifyAlive rejects a node with unreadable metadata.
func (f aliveFilter) NotifyAlive(node *memberlist.Node) error {
	if _, err := decodeMeta(node.Meta); err != nil {
		return err
	}
	return nil
}

// broadcast is one queued announcement. A newer announcement of the same node replaces a
// queued older one; Node.mu orders the queueing, so the queue never holds a newer one
// behind an older.
type broadcast struct {
	name string
	msg  []byte
}

// Name identifies the broadcast for memberlist.NamedBroadcast: one per node.
func (b *broadcast) Name() string { return b.name }

// Invalidates reports whether b replaces other: both announce the same node.
func (b *broadcast) Invalidates(other memberlist.Broadcast) bool {
	o, ok := other.(*broadcast)
	return ok && o.name == b.name
}

// Message returns the encoded announcement.
func (b *broadcast) Message() []byte { return b.msg }

// Finished is called when the broadcast was sent enough times or replaced.
func (b *broadcast) Finished() {}
