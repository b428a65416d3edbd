package main

import (
	"flag"
	"fmt"

	"github.com/weftlabs/weft/broker/partition/limit"
)

// partitionFlags are the settings of every partition a process hosts that `weft broker`
// and `weft dev` share: back-pressure and the disk watermark.
type partitionFlags struct {
	// limit bounds each partition's commands in flight (AIMD, Zeebe's defaults unless set).
	limit limit.Config
	// minFreeDisk is the free space (bytes) below which commands are refused; 0 takes
	// the partition's default (256 MiB), negative turns the check off.
	minFreeDisk int64
	// freeDisk replaces the file system's free space (tests only; not a flag).
	freeDisk func(dir string) (int64, error)
	// exporters run on every partition this process leads.
	exporters exporterFlags
}

func (pf *partitionFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&pf.limit.InitialLimit, "backpressure-limit", 0, "commands in flight each partition leader starts by allowing before it answers RESOURCE_EXHAUSTED; the limit then adapts to latency (0: 100)")
	fs.IntVar(&pf.limit.MinLimit, "backpressure-min-limit", 0, "lowest the adaptive back-pressure limit goes (0: 1)")
	fs.IntVar(&pf.limit.MaxLimit, "backpressure-max-limit", 0, "highest the adaptive back-pressure limit goes (0: 1000)")
	pf.exporters.register(fs)
	fs.Int64Var(&pf.minFreeDisk, "min-free-disk", 0, "free bytes of the data directory's disk below which commands are refused with RESOURCE_EXHAUSTED (0: 256 MiB, negative: no check)")
}

func (pf *partitionFlags) validate() error {
	if err := pf.limit.Validate(); err != nil {
		return fmt.Errorf("--backpressure-limit, --backpressure-min-limit, --backpressure-max-limit: %w", err)
	}
	return nil
}
