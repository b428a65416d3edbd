package membership

import (
	"slices"
	"time"

	"github.com/hashicorp/memberlist"
)

// This file keeps the view: members from memberlist's events, partition states from
// announcements. Everything here runs on memberlist's goroutines (and retirement timers)
// and takes Node.mu.

// upsert records a member that memberlist reports alive (joined, came back, or changed its
// metadata).
func (n *Node) upsert(node *memberlist.Node) {
	meta, err := decodeMeta(node.Meta)
	if err != nil {
		// The alive filter keeps such nodes out; this is a second line.
		n.log.Warn("ignoring member with unreadable metadata", "member", node.Name, "err", err)
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	e := n.members[node.Name]
	came := e == nil || !e.alive
	if e == nil {
		e = &entry{name: node.Name}
		n.members[node.Name] = e
	}
	if e.retire != nil {
		e.retire.Stop()
		e.retire = nil
	}
	if e.meta.epoch != meta.epoch {
		// A new run of the node: the previous run's announcement and notices are void.
		e.ann = nil
		e.leaving = false
	}
	e.meta = meta
	if a := n.early[node.Name]; a != nil {
		// Its announcement came before its alive message.
		delete(n.early, node.Name)
		if a.epoch == meta.epoch && a.newerThan(e.ann) {
			e.ann = a
		}
	}
	// A new slice, never the old one rewritten: sends outside the lock still read the
	// address othersLocked handed them.
	e.ip = slices.Clone(node.Addr)
	e.port = node.Port
	e.alive = true
	if node.Name == n.name {
		e.ann = n.own
	}
	if came {
		n.log.Info("member joined", "member", node.Name, "kind", meta.kind, "node_id", meta.nodeID, "addr", node.Address())
		if meta.kind == Broker {
			for _, o := range n.members {
				if o != e && o.alive && o.meta.kind == Broker && o.meta.nodeID == meta.nodeID {
					n.log.Warn("two brokers announce the same node id", "node_id", meta.nodeID, "member", node.Name, "other", o.name)
				}
			}
		}
	}
	n.countLive()
	n.signal()
}

// leave handles memberlist's leave event: the node either left (it sent a leaving notice
// first) or was declared failed.
func (n *Node) leave(node *memberlist.Node) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	e := n.members[node.Name]
	if e == nil {
		return
	}
	switch {
	case e.leaving || node.Name == n.name:
		n.removeLocked(e)
	case e.alive:
		n.log.Warn("member failed", "member", node.Name, "kind", e.meta.kind, "node_id", e.meta.nodeID)
		e.alive = false
		e.retire = time.AfterFunc(n.retention, func() { n.retire(e) })
		n.countLive()
		n.signal()
	}
}

// removeLocked drops a member that left. Called with n.mu held.
func (n *Node) removeLocked(e *entry) {
	n.log.Info("member left", "member", e.name)
	if e.retire != nil {
		e.retire.Stop()
	}
	delete(n.members, e.name)
	n.countLive()
	n.signal()
}

// retire drops a member that stayed failed for the retention time.
func (n *Node) retire(e *entry) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed || e.alive || n.members[e.name] != e {
		return
	}
	delete(n.members, e.name)
	n.log.Debug("failed member dropped from the view", "member", e.name)
	n.signal()
}

// countLive updates the alive count the broadcast queue reads. Called with n.mu held.
func (n *Node) countLive() {
	var live int32
	for _, e := range n.members {
		if e.alive {
			live++
		}
	}
	n.liveCount.Store(live)
}

// apply records a received announcement if it is the newest of its member's current run.
// Called with n.mu held.
func (n *Node) apply(a *announcement) bool {
	if a.name == n.name {
		// Our own, gossiped back, or the previous run's: ours is authoritative.
		return false
	}
	e := n.members[a.name]
	if e == nil {
		// Its alive message has not arrived yet: keep the announcement for when it does
		// (upsert applies it), rather than wait for the next push/pull.
		if old, ok := n.early[a.name]; ok || len(n.early) < maxEarly {
			if !ok || a.epoch != old.epoch || a.seq > old.seq {
				n.early[a.name] = a
			}
		}
		return false
	}
	if a.epoch != e.meta.epoch || !a.newerThan(e.ann) {
		// Another run of the member, or nothing new.
		return false
	}
	e.ann = a
	return true
}

// handleMessage handles a gossiped or directly sent message.
func (n *Node) handleMessage(buf []byte) {
	kind, as, err := decodeMessage(buf)
	if err != nil {
		n.log.Warn("ignoring unreadable gossip message", "bytes", len(buf), "err", err)
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	if kind == msgLeaving {
		n.noteLeaving(as[0], buf)
		return
	}
	changed := false
	for _, a := range as {
		if !n.apply(a) {
			continue
		}
		changed = true
		// Gossip it on (a too large one was sent to everyone directly).
		if kind == msgAnnouncement && len(buf) <= n.gossipLimit {
			n.queue.QueueBroadcast(&broadcast{name: a.name, msg: append([]byte(nil), buf...)})
		}
	}
	if changed {
		n.signal()
	}
}

// noteLeaving records a member's leaving notice and gossips it on the first time. Called
// with n.mu held.
func (n *Node) noteLeaving(l *announcement, buf []byte) {
	e := n.members[l.name]
	if e == nil || l.name == n.name || e.meta.epoch != l.epoch || e.leaving {
		return
	}
	e.leaving = true
	n.queue.QueueBroadcast(&broadcast{name: l.name, msg: append([]byte(nil), buf...)})
	if !e.alive {
		// Its dead message came first (the notice was delayed): it left after all.
		n.removeLocked(e)
	}
}

// localState encodes every announcement of an alive member, the local node's included, for
// push/pull.
func (n *Node) localState() []byte {
	n.mu.Lock()
	defer n.mu.Unlock()
	as := make([]*announcement, 0, len(n.members)+1)
	for _, e := range n.members {
		if e.alive && e.ann != nil {
			as = append(as, e.ann)
		}
	}
	return encodeStateSet(as)
}

// mergeState merges a push/pull peer's announcements.
func (n *Node) mergeState(buf []byte) {
	kind, as, err := decodeMessage(buf)
	if err == nil && kind != msgStateSet {
		err = errUnexpectedAnnouncement
	}
	if err != nil {
		n.log.Warn("ignoring unreadable push/pull state", "bytes", len(buf), "err", err)
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	changed := false
	for _, a := range as {
		if n.apply(a) {
			changed = true
		}
	}
	if changed {
		n.signal()
	}
}
