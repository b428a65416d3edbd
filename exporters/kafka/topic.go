package kafka

import (
	"context"
	"errors"
	"fmt"
	"strings"

	kafkago "github.com/segmentio/kafka-go"

	exportersdk "github.com/weftlabs/weft/exporter-sdk"
	"github.com/weftlabs/weft/proto/gen/recordpb"
)

// valueTypeNames maps each value type to its topic suffix: lower case with '-'
// (PROCESS_INSTANCE becomes process-instance), and longestValueTypeName is the longest
// of them, against which a topic prefix is checked.
var valueTypeNames, longestValueTypeName = func() (map[exportersdk.ValueType]string, string) {
	names := make(map[exportersdk.ValueType]string, len(recordpb.ValueType_name))
	longest := ""
	for v, n := range recordpb.ValueType_name {
		name := strings.ToLower(strings.ReplaceAll(n, "_", "-"))
		names[exportersdk.ValueType(v)] = name
		if len(name) > len(longest) {
			longest = name
		}
	}
	return names, longest
}()

// topicFor names the topic a record goes to.
func (c *config) topicFor(vt exportersdk.ValueType) string {
	if c.topic != "" {
		return c.topic
	}
	name, ok := valueTypeNames[vt]
	if !ok {
		// A value type newer than this build's schema still gets a stable topic.
		name = fmt.Sprintf("value-type-%d", int32(vt))
	}
	return c.topicPrefix + name
}

// kafkaPartition is the Kafka partition that receives every record of Weft partition
// weftPartition, in a topic of n partitions: (weftPartition-1) mod n. One Weft
// partition always writes to one Kafka partition, so its records keep their order
// there; Weft partitions spread over the Kafka partitions round-robin.
func kafkaPartition(weftPartition int32, n int) int {
	p := (int(weftPartition) - 1) % n
	if p < 0 {
		p += n
	}
	return p
}

// resolveTopics learns the partition count of every topic in topics that the
// exporter does not know yet, creating missing topics when create-topics is on. It
// returns the problem of each topic it could not resolve; the others are in
// e.partitions.
func (e *exporter) resolveTopics(ctx context.Context, topics []string) map[string]error {
	var unknown []string
	for _, t := range topics {
		if _, ok := e.partitions[t]; !ok {
			unknown = append(unknown, t)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	failed := map[string]error{}
	missing, err := e.lookUp(ctx, unknown, failed)
	if err != nil {
		for _, t := range unknown {
			failed[t] = err
		}
		return failed
	}
	if len(missing) == 0 {
		return failed
	}
	if !e.cfg.createTopics {
		for _, t := range missing {
			failed[t] = fmt.Errorf("topic %s does not exist (and create-topics is false): %w", t, kafkago.UnknownTopicOrPartition)
		}
		return failed
	}
	req := &kafkago.CreateTopicsRequest{}
	for _, t := range missing {
		req.Topics = append(req.Topics, kafkago.TopicConfig{Topic: t,
			NumPartitions: e.cfg.topicPartitions, ReplicationFactor: e.cfg.replicationFactor})
	}
	res, err := e.client.CreateTopics(ctx, req)
	if err != nil {
		for _, t := range missing {
			failed[t] = fmt.Errorf("create topic %s: %w", t, err)
		}
		return failed
	}
	var created []string
	for _, t := range missing {
		switch err := res.Errors[t]; {
		case err == nil:
			created = append(created, t)
		case !errors.Is(err, kafkago.TopicAlreadyExists):
			failed[t] = fmt.Errorf("create topic %s: %w", t, err)
		}
	}
	if len(created) > 0 {
		e.log.Info("kafka topics created", "topics", created, "partitions", e.cfg.topicPartitions,
			"replication-factor", e.cfg.replicationFactor)
	}
	still, err := e.lookUp(ctx, missing, failed)
	if err != nil {
		for _, t := range missing {
			failed[t] = err
		}
	}
	for _, t := range still {
		if failed[t] == nil {
			failed[t] = fmt.Errorf("topic %s: created but not yet known to the cluster: %w", t, kafkago.UnknownTopicOrPartition)
		}
	}
	return failed
}

// lookUp asks the cluster for topics' partitions, records the counts it learns,
// returns the topics that do not exist, and notes other per-topic problems in failed.
func (e *exporter) lookUp(ctx context.Context, topics []string, failed map[string]error) (missing []string, err error) {
	res, err := e.client.Metadata(ctx, &kafkago.MetadataRequest{Topics: topics})
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	seen := map[string]bool{}
	for _, t := range res.Topics {
		seen[t.Name] = true
		switch {
		case errors.Is(t.Error, kafkago.UnknownTopicOrPartition):
			missing = append(missing, t.Name)
		case t.Error != nil:
			failed[t.Name] = fmt.Errorf("topic %s: %w", t.Name, t.Error)
		case len(t.Partitions) == 0:
			failed[t.Name] = fmt.Errorf("topic %s has no partitions", t.Name)
		default:
			e.partitions[t.Name] = len(t.Partitions)
			delete(failed, t.Name)
		}
	}
	for _, t := range topics {
		if !seen[t] {
			missing = append(missing, t)
		}
	}
	return missing, nil
}
