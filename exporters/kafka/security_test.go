package kafka

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/weftlabs/weft/exporter-sdk/exportertest"
)

func TestSASLMechanisms(t *testing.T) {
	for _, mech := range []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"} {
		t.Run(mech, func(t *testing.T) {
			c := startCluster(t, kfake.NumBrokers(1), kfake.EnableSASL(), kfake.Superuser(mech, "weft", "s3cret"))
			settings := settingsFor(c, map[string]string{"sasl-mechanism": strings.ToLower(mech),
				"sasl-username": "weft", "sasl-password": "s3cret", "topic": "secured", "linger": "5ms"})
			h := exportertest.Start(t, New(), settings)
			rs := exportertest.SampleRecords()
			exportAll(t, h, rs, testTimeout)
			h.WaitAcked(rs[len(rs)-1].Position, testTimeout)

			// Read back as the same user (the reader's own SASL, from kafka-go or
			// from the exporter's SCRAM adapter).
			rd := newReader(t, c, readConfig(settingsOf(settings)).sasl, nil)
			checkDelivered(t, rd.readAll(t.Context(), "secured"), rs, constantTopic("secured"), rd.topics(t.Context()))
		})
	}
}

func TestWrongSASLPasswordIsNotAcknowledged(t *testing.T) {
	c := startCluster(t, kfake.NumBrokers(1), kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-256", "weft", "s3cret"))
	h := exportertest.Start(t, New(), settingsFor(c, map[string]string{"sasl-mechanism": "scram-sha-256",
		"sasl-username": "weft", "sasl-password": "wrong", "batch-size": "1", "write-timeout": "2s"}))
	rs := exportertest.SampleRecords()
	// The first record fills the batch; its write fails and is retried later.
	if err := h.Export(t.Context(), rs[0]); err != nil {
		t.Fatalf("first record: %v", err)
	}
	err := h.Export(t.Context(), rs[1])
	if err == nil {
		t.Fatal("second record taken although nothing could be written")
	}
	t.Logf("refused: %v", err)
	if h.Acked() != 0 {
		t.Fatalf("acknowledged %d with a wrong password", h.Acked())
	}
}

// tlsConfig is a certificate authority, the server configuration it signed, and a
// client configuration that trusts it.
type tlsConfig struct {
	caFile string
	server *tls.Config
	client *tls.Config
}

// newTLS makes a CA and a certificate for 127.0.0.1 signed by it, in t's temp dir.
func newTLS(t *testing.T) *tlsConfig {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "weft test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "kafka"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return &tlsConfig{
		caFile: caFile,
		server: &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{leafDER}, PrivateKey: key}}, MinVersion: tls.VersionTLS12},
		client: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
	}
}

func TestTLSWithCAFile(t *testing.T) {
	tc := newTLS(t)
	c := startCluster(t, kfake.NumBrokers(1), kfake.TLS(tc.server))
	h := exportertest.Start(t, New(), settingsFor(c, map[string]string{"tls": "true", "ca-file": tc.caFile,
		"topic": "encrypted", "linger": "5ms"}))
	rs := exportertest.SampleRecords()
	exportAll(t, h, rs, testTimeout)
	h.WaitAcked(rs[len(rs)-1].Position, testTimeout)
	rd := newReader(t, c, nil, tc)
	checkDelivered(t, rd.readAll(t.Context(), "encrypted"), rs, constantTopic("encrypted"), rd.topics(t.Context()))
}

func TestTLSWithoutTheCAIsNotAcknowledged(t *testing.T) {
	tc := newTLS(t)
	c := startCluster(t, kfake.NumBrokers(1), kfake.TLS(tc.server))
	h := exportertest.Start(t, New(), settingsFor(c, map[string]string{"tls": "true", "topic": "encrypted",
		"batch-size": "1", "write-timeout": "2s"}))
	rs := exportertest.SampleRecords()
	if err := h.Export(t.Context(), rs[0]); err != nil {
		t.Fatalf("first record: %v", err)
	}
	err := h.Export(t.Context(), rs[1])
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("second record: error %v, want the untrusted certificate named", err)
	}
	if h.Acked() != 0 {
		t.Fatalf("acknowledged %d without a trusted connection", h.Acked())
	}
}
