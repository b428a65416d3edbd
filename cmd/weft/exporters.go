package main

import (
	"flag"
	"fmt"
	"sort"
	"strings"

	"github.com/weftlabs/weft/broker/exporting"
	exportersdk "github.com/weftlabs/weft/exporter-sdk"
	"github.com/weftlabs/weft/exporters/elasticsearch"
	"github.com/weftlabs/weft/exporters/file"
	"github.com/weftlabs/weft/exporters/kafka"
	"github.com/weftlabs/weft/exporters/postgres"
	"github.com/weftlabs/weft/exporters/sqlite"
)

// exporterRegistry is every exporter type the binary has, by the name
// `--exporter TYPE:...` gives.
func exporterRegistry() map[string]exporting.Factory {
	return map[string]exporting.Factory{
		"file":          file.New,
		"elasticsearch": elasticsearch.New,
		"kafka":         kafka.New,
		"sidecar":       exportersdk.NewSidecar,
		"postgres":      postgres.New,
		"sqlite":        sqlite.New,
	}
}

// exporterFlags are the exporters of `--exporter TYPE:key=value,...` (repeatable; in the
// config file a list under `exporter`, of such strings or of maps with a `type` key;
// in WEFT_EXPORTER several separated by ';').
type exporterFlags struct {
	specs []exporting.Spec
	// keepRecords keeps records the exporters acknowledged (tests that read the log;
	// not a flag).
	keepRecords bool
}

func (ef *exporterFlags) register(fs *flag.FlagSet) {
	fs.Var(ef, "exporter", "an exporter, TYPE:key=value,...; repeat for several. Types: "+strings.Join(exporterTypes(), ", ")+
		"; every type also takes id=NAME, record-types=LIST and value-types=LIST")
}

func exporterTypes() []string {
	var out []string
	for k := range exporterRegistry() {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// String implements flag.Value.
func (ef *exporterFlags) String() string {
	if ef == nil {
		return ""
	}
	var parts []string
	for _, s := range ef.specs {
		parts = append(parts, s.ID)
	}
	return strings.Join(parts, ";")
}

// Set implements flag.Value: it adds one exporter (or several separated by ';').
func (ef *exporterFlags) Set(v string) error {
	for part := range strings.SplitSeq(v, ";") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		spec, err := exporting.ParseSpec(part, exporterRegistry())
		if err != nil {
			return err
		}
		ef.specs = append(ef.specs, spec)
		if err := exporting.ValidateSpecs(ef.specs); err != nil {
			return err
		}
	}
	return nil
}

// SetList implements listFlag: a config file's list of exporters.
func (ef *exporterFlags) SetList(items []any) error {
	for _, it := range items {
		switch v := it.(type) {
		case string:
			if err := ef.Set(v); err != nil {
				return err
			}
		case map[string]any:
			typ, ok := v["type"].(string)
			if !ok {
				return fmt.Errorf("exporter %v: needs a type", v)
			}
			keys := make([]string, 0, len(v))
			for k := range v {
				if k != "type" {
					keys = append(keys, k)
				}
			}
			sort.Strings(keys)
			var kv []string
			for _, k := range keys {
				kv = append(kv, fmt.Sprintf("%s=%v", k, v[k]))
			}
			if err := ef.Set(typ + ":" + strings.Join(kv, ",")); err != nil {
				return err
			}
		default:
			return fmt.Errorf("exporter %v: want TYPE:key=value,... or a map with a type", it)
		}
	}
	return nil
}

// config is the exporting configuration of every partition of the process.
func (ef *exporterFlags) config() *exporting.Config {
	return &exporting.Config{Exporters: ef.specs, KeepRecords: ef.keepRecords}
}
