package kafka

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	exportersdk "github.com/weftlabs/weft/exporter-sdk"
	"github.com/weftlabs/weft/exporter-sdk/exportertest"
)

func TestDefaults(t *testing.T) {
	s := exportersdk.NewSettings(map[string]string{"brokers": "localhost:9092"})
	c := readConfig(s)
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	if c.topicPrefix != "zeebe-" || c.topic != "" || !c.createTopics || c.topicPartitions != -1 || c.replicationFactor != -1 ||
		c.batchSize != 500 || c.batchBytes != 1000*1000 || c.linger != 100*time.Millisecond || c.clientID != "weft" ||
		c.compression != 0 || c.tls != nil || c.sasl != nil || c.writeTimeout != 10*time.Second {
		t.Errorf("defaults: %+v", c)
	}
	if got := c.topicFor(exportersdk.ValueType(3)); got != "zeebe-process-instance" {
		t.Errorf("PROCESS_INSTANCE goes to %s", got)
	}
}

func TestBrokersMayHoldCommas(t *testing.T) {
	s, err := exportersdk.ParseSettings("brokers=k1:9092, k2:9093,k3:9094,topic=all,batch-size=7")
	if err != nil {
		t.Fatal(err)
	}
	c := readConfig(s)
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.brokers, " ") != "k1:9092 k2:9093 k3:9094" || c.topic != "all" || c.batchSize != 7 {
		t.Errorf("brokers %q topic %q batch-size %d", c.brokers, c.topic, c.batchSize)
	}
	if got := c.topicFor(exportersdk.ValueType(3)); got != "all" {
		t.Errorf("single-topic mode writes to %s", got)
	}
}

func TestEverySettingIsAccepted(t *testing.T) {
	ca := newTLS(t).caFile
	s := exportersdk.NewSettings(map[string]string{
		"brokers": "a:1,b:2", "topic-prefix": "weft.", "batch-size": "10", "batch-bytes": "64KiB", "linger": "1s",
		"create-topics": "false", "topic-partitions": "3", "topic-replication-factor": "2", "client-id": "me",
		"compression": "ZSTD", "tls": "true", "ca-file": ca, "sasl-mechanism": "SCRAM-SHA-512",
		"sasl-username": "u", "sasl-password": "p", "write-timeout": "3s",
	})
	c := readConfig(s)
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	if c.topicPrefix != "weft." || c.batchBytes != 64<<10 || c.createTopics || c.topicPartitions != 3 || c.replicationFactor != 2 ||
		c.compression != kafkago.Zstd || c.tls == nil || c.tls.RootCAs == nil || c.sasl == nil || c.sasl.Name() != "SCRAM-SHA-512" ||
		c.writeTimeout != 3*time.Second || c.clientID != "me" || c.linger != time.Second {
		t.Errorf("config: %+v", c)
	}
}

func TestBadSettingsAreRejectedByName(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.pem")
	notPEM := filepath.Join(t.TempDir(), "bad.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		settings map[string]string
		want     string
	}{
		{map[string]string{}, "setting brokers: is required"},
		{map[string]string{"brokers": " , "}, "setting brokers: is empty"},
		{map[string]string{"brokers": "localhost"}, `setting brokers: "localhost" is not host:port`},
		{map[string]string{"brokers": "a:9092,b:http"}, `setting brokers: "b:http": port "http" is not a number`},
		{map[string]string{"brokers": "a:1", "topic": "t", "topic-prefix": "p-"}, "setting topic: set either topic"},
		{map[string]string{"brokers": "a:1", "topic": "bad topic"}, "setting topic: \"bad topic\": topic names hold only"},
		{map[string]string{"brokers": "a:1", "topic": ""}, "setting topic: is empty"},
		{map[string]string{"brokers": "a:1", "topic-prefix": "a/b"}, "setting topic-prefix:"},
		{map[string]string{"brokers": "a:1", "topic-prefix": strings.Repeat("x", 240)}, "setting topic-prefix:"},
		{map[string]string{"brokers": "a:1", "batch-size": "0"}, "setting batch-size: 0: must be at least 1"},
		{map[string]string{"brokers": "a:1", "batch-size": "many"}, "setting batch-size:"},
		{map[string]string{"brokers": "a:1", "batch-bytes": "0"}, "setting batch-bytes: 0: must be at least 1 byte"},
		{map[string]string{"brokers": "a:1", "batch-bytes": "2GiB"}, "setting batch-bytes:"},
		{map[string]string{"brokers": "a:1", "linger": "soon"}, "setting linger:"},
		{map[string]string{"brokers": "a:1", "create-topics": "maybe"}, "setting create-topics:"},
		{map[string]string{"brokers": "a:1", "topic-partitions": "0"}, "setting topic-partitions: 0: must be at least 1"},
		{map[string]string{"brokers": "a:1", "topic-replication-factor": "-2"}, "setting topic-replication-factor:"},
		{map[string]string{"brokers": "a:1", "client-id": ""}, "setting client-id: is empty"},
		{map[string]string{"brokers": "a:1", "compression": "brotli"}, `setting compression: "brotli": want none, gzip, snappy, lz4 or zstd`},
		{map[string]string{"brokers": "a:1", "tls": "yes please"}, "setting tls:"},
		{map[string]string{"brokers": "a:1", "ca-file": notPEM}, "setting ca-file: needs tls=true"},
		{map[string]string{"brokers": "a:1", "tls": "true", "ca-file": missing}, "setting ca-file:"},
		{map[string]string{"brokers": "a:1", "tls": "true", "ca-file": notPEM}, "setting ca-file: " + notPEM + " holds no PEM certificate"},
		{map[string]string{"brokers": "a:1", "sasl-mechanism": "gssapi", "sasl-username": "u", "sasl-password": "p"}, `setting sasl-mechanism: "gssapi": want plain`},
		{map[string]string{"brokers": "a:1", "sasl-mechanism": "plain", "sasl-password": "p"}, "setting sasl-username: is required"},
		{map[string]string{"brokers": "a:1", "sasl-mechanism": "plain", "sasl-username": "u"}, "setting sasl-password: is required"},
		{map[string]string{"brokers": "a:1", "sasl-username": "u", "sasl-password": "p"}, "setting sasl-mechanism: is required"},
		{map[string]string{"brokers": "a:1", "write-timeout": "0s"}, "setting write-timeout: must be more than zero"},
		{map[string]string{"brokers": "a:1", "index": "x"}, `unknown setting "index"`},
	} {
		_, err := exportertest.TryStart(t, New(), tc.settings)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("settings %v: error %v, want %q", tc.settings, err, tc.want)
		}
	}
}

func TestKafkaPartitionOfWeftPartition(t *testing.T) {
	for _, tc := range []struct {
		weft int32
		n    int
		want int
	}{{1, 1, 0}, {2, 1, 0}, {1, 3, 0}, {2, 3, 1}, {3, 3, 2}, {4, 3, 0}, {7, 2, 0}, {8, 2, 1}, {0, 3, 2}} {
		if got := kafkaPartition(tc.weft, tc.n); got != tc.want {
			t.Errorf("Weft partition %d of %d Kafka partitions: %d, want %d", tc.weft, tc.n, got, tc.want)
		}
	}
}
