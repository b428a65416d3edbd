// Package membership tells every node of a Weft cluster who else is there and which
// partitions each broker leads and follows.
//
// It is a thin layer over hashicorp/memberlist (SWIM gossip: failure detection by random
// probes, dissemination by piggy-backed gossip, anti-entropy by periodic TCP push/pull).
// Each node announces two things:
//
//   - Its identity (node id, kind, version, addresses, cluster shape) in memberlist's node
//     metadata, which is limited to 512 bytes and changes only with a restart.
//   - Its partition states (role, term, health per partition) in announcements: on every
//     SetPartitions the node gossips a new announcement, and every node that learns a newer
//     one gossips it on. Every announcement is also sent to every member over TCP (only
//     so, when too large for one UDP packet), since routing depends on it and gossip may
//     lose it; push/pull carries all announcements a node holds, repairing what both
//     missed. An announcement that arrives before its sender's alive message is kept
//     until the sender joins the view.
//
// Announcements are ordered per node by (epoch, seq): the epoch names one run of a node and
// is part of its metadata, so a broker restarted under the same name starts afresh and the
// previous run's announcements are dropped everywhere.
//
// # Concurrency
//
// A Node is safe for concurrent use. memberlist calls the node's delegates from its own
// goroutines, with its internal locks held; the node never calls into memberlist while
// holding its own lock. Lock order, outermost first:
//
//	Node.lifeMu (Leave, Close)
//	  memberlist's internal locks (held while it calls the delegates)
//	    Node.mu (the view)
//	      the broadcast queue's lock (QueueBroadcast is called with Node.mu held)
//
// The broadcast queue's NumNodes callback reads an atomic, so the queue never takes Node.mu.
package membership
