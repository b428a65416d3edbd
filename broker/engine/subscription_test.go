package engine_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/weftlabs/weft/broker/cluster/placement"
	"github.com/weftlabs/weft/broker/engine"
	"github.com/weftlabs/weft/broker/state"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// twoPartitions deploys the message catch model on both partitions of a cluster of two
// and returns them, the instance partition first.
func twoPartitions(t *testing.T) (*harness, *harness) {
	t.Helper()
	p1, p2 := newPartitionHarness(t, 1, 2), newPartitionHarness(t, 2, 2)
	model, err := os.ReadFile("testdata/models/message_catch.bpmn")
	require.NoError(t, err)
	require.Nil(t, p1.exec(deployCmd("m.bpmn", string(model))))
	pending, err := p1.db.PendingDistributions(10)
	require.NoError(t, err)
	require.Len(t, pending, 1)
	p2.exec(&recordpb.Record{ValueType: recordpb.ValueType_DEPLOYMENT, Intent: "CREATE", Key: pending[0].Key,
		Value: &recordpb.Record_Deployment{Deployment: pending[0].Record.GetDeployment()}})
	return p1, p2
}

// keyOn returns a correlation key that hashes to the partition.
func keyOn(t *testing.T, partition int32, prefix string) string {
	for i := range 1000 {
		k := prefix + "-" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
		if placement.MessagePartition(k, 2) == partition {
			return k
		}
	}
	t.Fatal("no key found")
	return ""
}

func publishCmd(name, key, vars string) *recordpb.Record {
	return &recordpb.Record{ValueType: recordpb.ValueType_MESSAGE, Intent: "PUBLISH",
		Value: &recordpb.Record_Message{Message: &recordpb.MessageRecord{Name: name, CorrelationKey: key, Variables: []byte(vars), TimeToLive: 60_000}}}
}

func count(rs []*recordpb.Record, vt recordpb.ValueType, intent, elementID string) int {
	n := 0
	for _, r := range rs {
		if r.GetValueType() == vt && r.GetIntent() == intent && r.GetRecordType() == recordpb.RecordType_EVENT &&
			(elementID == "" || r.GetProcessInstance().GetElementId() == elementID) {
			n++
		}
	}
	return n
}

func pendingSends(t *testing.T, h *harness) []state.PendingSend {
	t.Helper()
	s, err := h.db.PendingSends(100)
	require.NoError(t, err)
	return s
}

// An instance on partition 1 waits for a message whose correlation key belongs to
// partition 2: the subscription opens there, the message published there reaches the
// instance, and both sides are closed afterwards.
func TestMessageCorrelationAcrossPartitions(t *testing.T) {
	p1, p2 := twoPartitions(t)
	key := keyOn(t, 2, "order")
	p1.exec(createCmd("order", `{"orderId":"`+key+`","region":"eu"}`))
	out := deliver(t, 10, p1, p2)
	require.Contains(t, out, "partition 2:\nC MESSAGE_SUBSCRIPTION CREATE paid["+key+"]\nE MESSAGE_SUBSCRIPTION CREATED")
	require.Contains(t, out, "partition 1:\nC PROCESS_MESSAGE_SUBSCRIPTION CREATE paid["+key+"]\nE PROCESS_MESSAGE_SUBSCRIPTION CREATED")

	r := p2.exec(publishCmd("paid", key, `{"amount":7}`))
	require.Equal(t, "PUBLISHED", r.GetIntent())
	out = deliver(t, 10, p1, p2)
	require.Contains(t, out, "E PROCESS_INSTANCE ELEMENT_COMPLETED waitPaid")
	require.Contains(t, out, "E VARIABLE CREATED amount=7")
	require.Contains(t, out, "E MESSAGE_SUBSCRIPTION CORRELATED paid")
	require.Contains(t, out, "E PROCESS_MESSAGE_SUBSCRIPTION DELETED paid")
	// The receive task waits now, on the same message partition.
	require.Contains(t, out, "E MESSAGE_SUBSCRIPTION CREATED shipped-eu["+key+"]")
	require.Empty(t, pendingSends(t, p1))
	require.Empty(t, pendingSends(t, p2))
}

// A correlation delivered twice (the first answer was lost) neither completes the wait
// twice nor frees the message for another instance of the process.
func TestRepeatedCorrelationIsRecognised(t *testing.T) {
	p1, p2 := twoPartitions(t)
	key := keyOn(t, 2, "dup")
	p1.exec(createCmd("order", `{"orderId":"`+key+`","region":"eu"}`))
	p1.exec(createCmd("order", `{"orderId":"`+key+`","region":"eu"}`))
	deliver(t, 10, p1, p2)
	p2.exec(publishCmd("paid", key, `{}`))
	sends := pendingSends(t, p2)
	require.Len(t, sends, 1, "one correlation on its way")
	correlate := sends[0].Send

	first := p1.exec(proto.Clone(correlate.GetCommand()).(*recordpb.Record))
	require.Equal(t, "CORRELATED", first.GetIntent())
	require.Nil(t, engine.AfterSend(correlate, first), "the message partition waits for the instance partition's confirmation")
	again := p1.exec(proto.Clone(correlate.GetCommand()).(*recordpb.Record))
	require.Equal(t, recordpb.RejectionType_ALREADY_EXISTS, again.GetRejectionType(), again.GetRejectionReason())
	require.Nil(t, engine.AfterSend(correlate, again))

	deliver(t, 10, p1, p2)
	all := p1.all()
	require.Equal(t, 1, count(all, recordpb.ValueType_PROCESS_INSTANCE, "ELEMENT_COMPLETED", "waitPaid"), "one instance took the message, once")
	require.Equal(t, 1, count(all, recordpb.ValueType_PROCESS_MESSAGE_SUBSCRIPTION, "CORRELATED", ""))
	require.Equal(t, 0, count(p2.all(), recordpb.ValueType_MESSAGE_SUBSCRIPTION, "REJECTED", ""))
}

// An instance cancelled while a message is on its way gives the message back, and the
// other instance waiting for it gets it.
func TestCorrelationToALeftElementGoesToAnotherInstance(t *testing.T) {
	p1, p2 := twoPartitions(t)
	key := keyOn(t, 2, "race")
	first := p1.exec(createCmd("order", `{"orderId":"`+key+`","region":"eu"}`)).GetProcessInstanceCreation().GetProcessInstanceKey()
	second := p1.exec(createCmd("order", `{"orderId":"`+key+`","region":"eu"}`)).GetProcessInstanceCreation().GetProcessInstanceKey()
	deliver(t, 10, p1, p2)
	p2.exec(publishCmd("paid", key, `{}`))
	sends := pendingSends(t, p2)
	require.Len(t, sends, 1)
	target := sends[0].Send.GetCommand().GetProcessMessageSubscription().GetProcessInstanceKey()
	require.Equal(t, first, target, "the oldest wait gets the message")

	// The first instance is cancelled before the message arrives.
	p1.exec(&recordpb.Record{ValueType: recordpb.ValueType_PROCESS_INSTANCE, Intent: "CANCEL", Key: first,
		Value: &recordpb.Record_ProcessInstance{ProcessInstance: &recordpb.ProcessInstanceRecord{ProcessInstanceKey: first}}})
	resp := p1.exec(proto.Clone(sends[0].Send.GetCommand()).(*recordpb.Record))
	require.Equal(t, recordpb.RejectionType_INVALID_STATE, resp.GetRejectionType(), resp.GetRejectionReason())
	follow := engine.AfterSend(sends[0].Send, resp)
	require.Equal(t, "REJECT", follow.GetIntent())
	p2.exec(follow)
	require.Contains(t, summary(p2.records()), "E MESSAGE_SUBSCRIPTION REJECTED paid")
	require.Contains(t, summary(p2.records()), "E MESSAGE_SUBSCRIPTION CORRELATING paid", "the message goes to the other wait")

	deliver(t, 10, p1, p2)
	var completedIn []int64
	for _, r := range p1.all() {
		if r.GetIntent() == "ELEMENT_COMPLETED" && r.GetProcessInstance().GetElementId() == "waitPaid" {
			completedIn = append(completedIn, r.GetProcessInstance().GetProcessInstanceKey())
		}
	}
	require.Equal(t, []int64{second}, completedIn)
	require.Empty(t, pendingSends(t, p1))
	require.Empty(t, pendingSends(t, p2))
}

// A subscription whose opening arrives after the instance partition closed it (a late
// redelivery) is an orphan: the first message offered to it finds no wait, the orphan
// is removed and the message stays for others.
func TestOrphanSubscriptionIsRemoved(t *testing.T) {
	p1, p2 := twoPartitions(t)
	key := keyOn(t, 2, "orphan")
	inst := p1.exec(createCmd("order", `{"orderId":"`+key+`","region":"eu"}`)).GetProcessInstanceCreation().GetProcessInstanceKey()
	open := pendingSends(t, p1)
	require.Len(t, open, 1)
	openCmd := open[0].Send.GetCommand()
	// Cancelled at once: the close is delivered before the (delayed) opening.
	p1.exec(&recordpb.Record{ValueType: recordpb.ValueType_PROCESS_INSTANCE, Intent: "CANCEL", Key: inst,
		Value: &recordpb.Record_ProcessInstance{ProcessInstance: &recordpb.ProcessInstanceRecord{ProcessInstanceKey: inst}}})
	deliver(t, 10, p1, p2)
	require.Empty(t, pendingSends(t, p1))
	p2.exec(proto.Clone(openCmd).(*recordpb.Record)) // the late opening
	require.Contains(t, summary(p2.records()), "E MESSAGE_SUBSCRIPTION CREATED")

	p2.exec(publishCmd("paid", key, `{}`))
	out := deliver(t, 10, p1, p2)
	require.Contains(t, out, "R PROCESS_MESSAGE_SUBSCRIPTION CORRELATE")
	require.Contains(t, out, "E MESSAGE_SUBSCRIPTION DELETED paid")
	require.Empty(t, pendingSends(t, p2))

	// The message is still buffered: a new instance gets it.
	p1.exec(createCmd("order", `{"orderId":"`+key+`","region":"eu"}`))
	out = deliver(t, 10, p1, p2)
	require.Contains(t, out, "E PROCESS_INSTANCE ELEMENT_COMPLETED waitPaid")
}
