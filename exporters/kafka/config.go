package kafka

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"

	exportersdk "github.com/weftlabs/weft/exporter-sdk"
)

// Setting defaults. The prefix is Zeebe's; batch-bytes stays below Kafka's default
// message.max.bytes (1048588) with room for the record overhead, so that a full batch
// is never refused as too large.
const (
	defaultTopicPrefix  = "zeebe-"
	defaultBatchSize    = 500
	defaultBatchBytes   = 1000 * 1000
	defaultLinger       = 100 * time.Millisecond
	defaultClientID     = "weft"
	defaultWriteTimeout = 10 * time.Second
	// brokerDefault asks Kafka for its own default (num.partitions,
	// default.replication.factor) when creating a topic.
	brokerDefault = -1
	// maxTopicLength is Kafka's limit on a topic name.
	maxTopicLength = 249
)

// config is the exporter's settings, validated.
type config struct {
	brokers           []string
	topicPrefix       string
	topic             string // one topic for every record when set
	createTopics      bool
	topicPartitions   int
	replicationFactor int
	batchSize         int
	batchBytes        int
	linger            time.Duration
	clientID          string
	compression       kafkago.Compression
	tls               *tls.Config
	sasl              sasl.Mechanism
	writeTimeout      time.Duration
}

// readConfig reads every setting the exporter knows and records each problem on s,
// by key. It opens no connection; it reads the ca-file so that a missing or bad file
// stops start-up.
func readConfig(s *exportersdk.Settings) config {
	c := config{
		brokers:           s.List("brokers", nil),
		topicPrefix:       s.String("topic-prefix", defaultTopicPrefix),
		topic:             s.String("topic", ""),
		createTopics:      s.Bool("create-topics", true),
		topicPartitions:   s.Int("topic-partitions", brokerDefault),
		replicationFactor: s.Int("topic-replication-factor", brokerDefault),
		batchSize:         s.Int("batch-size", defaultBatchSize),
		linger:            s.Duration("linger", defaultLinger),
		clientID:          s.String("client-id", defaultClientID),
		writeTimeout:      s.Duration("write-timeout", defaultWriteTimeout),
	}
	batchBytes := s.Bytes("batch-bytes", defaultBatchBytes)
	compression := s.String("compression", "none")
	useTLS := s.Bool("tls", false)
	roots := s.CertPool("ca-file")
	mechanism := s.String("sasl-mechanism", "")
	username := s.String("sasl-username", "")
	password := s.String("sasl-password", "")

	if !s.Has("brokers") {
		s.Fail("brokers", errors.New("is required (like localhost:9092, or several separated by commas)"))
	} else if len(c.brokers) == 0 {
		s.Fail("brokers", errors.New("is empty"))
	}
	for _, b := range c.brokers {
		if err := checkBroker(b); err != nil {
			s.Fail("brokers", err)
		}
	}
	if s.Has("topic") {
		if s.Has("topic-prefix") {
			s.Fail("topic", errors.New("set either topic (one topic for every record) or topic-prefix (one topic per value type), not both"))
		}
		if err := checkTopic(c.topic); err != nil {
			s.Fail("topic", err)
		}
	} else if err := checkTopic(c.topicPrefix + longestValueTypeName); err != nil {
		// The longest value type name stands for every topic the prefix starts.
		s.Fail("topic-prefix", err)
	}
	if c.topicPartitions == 0 || c.topicPartitions < brokerDefault {
		s.Fail("topic-partitions", fmt.Errorf("%d: must be at least 1, or -1 for the Kafka broker's num.partitions", c.topicPartitions))
	}
	if c.replicationFactor == 0 || c.replicationFactor < brokerDefault || c.replicationFactor > 32767 {
		s.Fail("topic-replication-factor", fmt.Errorf("%d: must be at least 1, or -1 for the Kafka broker's default.replication.factor", c.replicationFactor))
	}
	if c.batchSize < 1 {
		s.Fail("batch-size", fmt.Errorf("%d: must be at least 1", c.batchSize))
	}
	switch {
	case batchBytes < 1:
		s.Fail("batch-bytes", fmt.Errorf("%d: must be at least 1 byte", batchBytes))
	case batchBytes > 1<<30:
		s.Fail("batch-bytes", fmt.Errorf("%d: must be at most 1GiB", batchBytes))
	default:
		c.batchBytes = int(batchBytes)
	}
	if c.clientID == "" {
		s.Fail("client-id", errors.New("is empty"))
	}
	if s.Has("write-timeout") && c.writeTimeout <= 0 {
		s.Fail("write-timeout", errors.New("must be more than zero"))
	}
	codec, err := parseCompression(compression)
	if err != nil {
		s.Fail("compression", err)
	}
	c.compression = codec

	if s.Has("ca-file") && !useTLS {
		s.Fail("ca-file", errors.New("needs tls=true"))
	}
	if useTLS {
		c.tls = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots}
	}

	c.sasl = readSASL(s, mechanism, username, password)
	return c
}

func readSASL(s *exportersdk.Settings, mechanism, username, password string) sasl.Mechanism {
	if mechanism == "" {
		if username != "" || password != "" {
			s.Fail("sasl-mechanism", errors.New("is required with sasl-username and sasl-password (plain, scram-sha-256 or scram-sha-512)"))
		}
		return nil
	}
	if username == "" {
		s.Fail("sasl-username", fmt.Errorf("is required with sasl-mechanism=%s", mechanism))
	}
	if password == "" {
		s.Fail("sasl-password", fmt.Errorf("is required with sasl-mechanism=%s", mechanism))
	}
	switch strings.ToLower(strings.TrimSpace(mechanism)) {
	case "plain":
		return plain.Mechanism{Username: username, Password: password}
	case "scram-sha-256":
		return newSCRAM(scramSHA256, username, password)
	case "scram-sha-512":
		return newSCRAM(scramSHA512, username, password)
	}
	s.Fail("sasl-mechanism", fmt.Errorf("%q: want plain, scram-sha-256 or scram-sha-512", mechanism))
	return nil
}

// checkBroker accepts host:port with a port number.
func checkBroker(b string) error {
	host, port, err := net.SplitHostPort(b)
	if err != nil || host == "" {
		return fmt.Errorf("%q is not host:port (like localhost:9092)", b)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%q: port %q is not a number from 1 to 65535", b, port)
	}
	return nil
}

// checkTopic applies Kafka's rules for topic names.
func checkTopic(t string) error {
	if t == "" {
		return errors.New("is empty")
	}
	if len(t) > maxTopicLength {
		return fmt.Errorf("%q: topic names are at most %d characters", t, maxTopicLength)
	}
	if t == "." || t == ".." {
		return fmt.Errorf("%q is not a topic name", t)
	}
	for _, c := range t {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("%q: topic names hold only letters, digits, '.', '_' and '-'", t)
		}
	}
	return nil
}

func parseCompression(v string) (kafkago.Compression, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "none", "":
		return 0, nil
	case "gzip":
		return kafkago.Gzip, nil
	case "snappy":
		return kafkago.Snappy, nil
	case "lz4":
		return kafkago.Lz4, nil
	case "zstd":
		return kafkago.Zstd, nil
	}
	return 0, fmt.Errorf("%q: want none, gzip, snappy, lz4 or zstd", v)
}
