// Command audit-sidecar is an exporter sidecar: it serves the broker's sidecar exporter
// over gRPC and appends every record, as a JSON line, to a file per exporter and
// partition, acknowledging records only once they are fsynced. See README.md.
package main

import (
	"flag"
	"log/slog"
	"os"

	"github.com/weftlabs/weft/examples/audit-sidecar/audit"
	exportersdk "github.com/weftlabs/weft/exporter-sdk"
)

func main() {
	addr := flag.String("addr", "", "address to listen on (default $"+exportersdk.SidecarAddrEnv+", else "+exportersdk.DefaultSidecarAddr+")")
	dir := flag.String("dir", "audit", "folder of the audit files, unless the exporter's dir setting names another")
	flag.Parse()

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	err := exportersdk.Serve(func() exportersdk.Exporter { return audit.New(*dir) },
		exportersdk.WithAddr(*addr), exportersdk.WithLogger(log))
	if err != nil {
		log.Error("audit sidecar stopped", "err", err)
		os.Exit(1)
	}
}
