package state

import "encoding/binary"

// Column families are one-byte key prefixes in the partition's Pebble database. Each
// family holds one kind of entity; the byte values are part of the on-disk format and
// never change meaning.
const (
	cfMeta              byte = 0x01 // name -> value (counters, last applied index)
	cfRecords           byte = 0x02 // position -> recordpb.Record
	cfProcess           byte = 0x10 // process definition key -> statepb.Process
	cfProcessVersion    byte = 0x11 // bpmnProcessId 0x00 version -> process definition key
	cfProcessLatest     byte = 0x12 // bpmnProcessId -> highest version ever deployed
	cfProcessRunning    byte = 0x17 // process definition key -> number of running instances
	cfProcessDeleted    byte = 0x18 // process definition key -> nil: deleted, draining its instances
	cfElementInstance   byte = 0x20 // element instance key -> statepb.ElementInstance
	cfChildren          byte = 0x21 // flow scope key, child key -> nil
	cfVariable          byte = 0x22 // scope key, name -> statepb.Variable
	cfJoin              byte = 0x23 // flow scope key, sequence flow id -> taken count
	cfAwait             byte = 0x24 // process instance key -> statepb.AwaitResult
	cfJob               byte = 0x30 // job key -> statepb.Job
	cfJobActivatable    byte = 0x31 // job type 0x00, job key -> nil
	cfJobDeadline       byte = 0x32 // deadline, job key -> nil
	cfJobBackoff        byte = 0x33 // recurring time, job key -> nil
	cfIncident          byte = 0x40 // incident key -> statepb.Incident
	cfMessage           byte = 0x48 // message key -> statepb.Message
	cfMessageID         byte = 0x49 // name 0x00 correlation key 0x00 message id -> message key
	cfMessageDeadline   byte = 0x4a // deadline, message key -> nil
	cfMessageByName     byte = 0x4b // tenant, name, correlation key (length-prefixed), message key -> nil
	cfMessageCorrelated byte = 0x4c // message key, bpmnProcessId -> nil: correlated to that process
	cfProcMsgSub        byte = 0x4d // element instance key, message name -> statepb.ProcessMessageSubscription
	cfMsgSub            byte = 0x4e // subscription key -> statepb.MessageSubscription
	cfMsgSubByName      byte = 0x4f // tenant, name, correlation key (length-prefixed), subscription key -> nil
	cfMsgSubByElement   byte = 0x45 // element instance key, message name -> subscription key
	cfExporterPositions byte = 0x50 // exporter id -> statepb.ExporterPosition
	cfDistribution      byte = 0x60 // distribution key -> statepb.Distribution
	cfDistPending       byte = 0x61 // distribution key, partition -> recordpb.CommandDistributionRecord
	cfSend              byte = 0x62 // owner key -> statepb.Send: a command to deliver to another partition
	cfReceived          byte = 0x63 // distribution key -> nil: a distributed command processed here
	cfTimer             byte = 0x72 // timer key -> recordpb.TimerRecord
	cfTimerDue          byte = 0x73 // due date, timer key -> nil
	cfTimerByOwner      byte = 0x74 // owner key (element instance, or process definition for a start event), timer key -> nil
	cfEventTrigger      byte = 0x75 // element key of the event to activate -> recordpb.ProcessEventRecord
	cfDRG               byte = 0x13 // decision requirements key -> recordpb.DecisionRequirementsRecord
	cfDRGVersion        byte = 0x14 // decision requirements id (length-prefixed), version -> key
	cfDecision          byte = 0x15 // decision key -> recordpb.DecisionRecord
	cfDecisionVersion   byte = 0x16 // decision id (length-prefixed), version -> key
	cfMsgStartSub       byte = 0x76 // tenant, message name (length-prefixed), process definition key, start event id -> recordpb.MessageStartEventSubscriptionRecord
	cfMsgStartActive    byte = 0x77 // bpmnProcessId, correlation key (length-prefixed) -> process instance key started by a message
	cfMsgStartInstance  byte = 0x78 // process instance key -> recordpb.MessageStartEventSubscriptionRecord that started it
	cfCompensation      byte = 0x79 // process instance key, subscription key -> recordpb.CompensationSubscriptionRecord
	cfContinuation      byte = 0x7a // sequence -> recordpb.Record: follow-up commands left for a later entry
	cfSignalSub         byte = 0x70 // tenant, signal name (length-prefixed), owner key, catch event id -> recordpb.SignalSubscriptionRecord
	cfSignalSubByOwner  byte = 0x71 // owner key, catch event id -> recordpb.SignalSubscriptionRecord
)

var (
	metaKeyCounter   = metaKey("key-counter")
	metaLastPosition = metaKey("last-position")
	metaLastApplied  = metaKey("last-applied-index")
	// metaContinuationNext is the sequence number of the last left-over follow-up command.
	metaContinuationNext = metaKey("continuation-next")
	// metaContinuationHead is the sequence number of the last follow-up command taken up.
	metaContinuationHead = metaKey("continuation-head")
)

func metaKey(name string) []byte { return append([]byte{cfMeta}, name...) }

func u64Key(cf byte, v uint64) []byte {
	k := make([]byte, 9)
	k[0] = cf
	binary.BigEndian.PutUint64(k[1:], v)
	return k
}

func i64Key(cf byte, v int64) []byte { return u64Key(cf, uint64(v)) }

func pairKey(cf byte, a, b int64) []byte {
	k := make([]byte, 17)
	k[0] = cf
	binary.BigEndian.PutUint64(k[1:], uint64(a))
	binary.BigEndian.PutUint64(k[9:], uint64(b))
	return k
}

func keyString(cf byte, a int64, s string) []byte {
	k := make([]byte, 9, 9+len(s))
	k[0] = cf
	binary.BigEndian.PutUint64(k[1:], uint64(a))
	return append(k, s...)
}

func stringKey(cf byte, s string, suffix int64) []byte {
	k := make([]byte, 0, 1+len(s)+1+8)
	k = append(k, cf)
	k = append(k, s...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, uint64(suffix))
}

// prefixEnd returns the smallest key greater than every key with the given prefix.
func prefixEnd(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

func encodeU64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func decodeU64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// stringsKey builds cf, then each string with its length in front (so that no string can
// run into the next), then suffix unless it is negative.
func stringsKey(cf byte, parts []string, suffix int64) []byte {
	k := []byte{cf}
	for _, s := range parts {
		k = binary.AppendUvarint(k, uint64(len(s)))
		k = append(k, s...)
	}
	if suffix >= 0 {
		k = binary.BigEndian.AppendUint64(k, uint64(suffix))
	}
	return k
}

// lastI64 reads the int64 at the end of a key.
func lastI64(k []byte) int64 {
	if len(k) < 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(k[len(k)-8:]))
}
