package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"text/tabwriter"
	"time"

	"github.com/weftlabs/weft/broker/partition"
)

// adminHandler serves GET /admin/partitions: the status of each partition replica of
// this process, with ?checksum=true the digest of each state, to compare replicas.
func adminHandler(parts func() []*partition.Partition) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		withSum := r.URL.Query().Get("checksum") == "true"
		var out []partition.Status
		for _, p := range parts() {
			s, err := p.Status(withSum)
			if err != nil {
				http.Error(w, fmt.Sprintf("partition %d: %v", p.ID(), err), http.StatusInternalServerError)
				return
			}
			out = append(out, s)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	}
}

// runAdmin prints the partitions of a broker (or weft dev) from its HTTP address.
func runAdmin(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("weft admin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("http-addr", "127.0.0.1:8080", "HTTP address of a broker (its --http-addr) or of weft dev")
	checksum := fs.Bool("checksum", false, "also compute each state's checksum (reads the whole state)")
	rebalance := fs.Bool("rebalance", false, "first hand each partition this broker leads to the broker with priority for it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := envFlags(fs, func(string) (string, bool) { return "", false }); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if *rebalance {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+*addr+"/admin/rebalance", nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("ask %s: %w", *addr, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("rebalance on %s: %s: %s", *addr, resp.Status, b)
		}
		fmt.Fprintf(stdout, "rebalanced: %s", b)
	}
	url := fmt.Sprintf("http://%s/admin/partitions?checksum=%t", *addr, *checksum)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("ask %s: %w", *addr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("ask %s: %s: %s", *addr, resp.Status, b)
	}
	var parts []partition.Status
	if err := json.NewDecoder(resp.Body).Decode(&parts); err != nil {
		return fmt.Errorf("ask %s: %w", *addr, err)
	}
	if len(parts) == 0 {
		return errors.New("the process hosts no partition")
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PARTITION\tROLE\tTERM\tCOMMIT\tAPPLIED\tPOSITION\tSNAPSHOT\tLIMIT\tCHECKSUM")
	for _, p := range parts {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", p.Partition, p.Role, p.Term, p.CommitIndex, p.AppliedIndex, p.LastPosition, p.SnapshotIndex, p.Limit, p.Checksum)
	}
	return tw.Flush()
}
