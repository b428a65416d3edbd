package exporting

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"

	exportersdk "github.com/weftlabs/weft/exporter-sdk"
)

// Factory makes a new, unconfigured instance of an exporter type.
type Factory func() exportersdk.Exporter

// Spec is one configured exporter: what `--exporter TYPE:key=value,...` says.
type Spec struct {
	// ID names the exporter; its positions are stored under it. It is the type unless
	// the id setting says otherwise.
	ID string
	// Type is the exporter's type, a key of the registry.
	Type string
	// New makes an instance.
	New Factory
	// Settings are the exporter's own settings (the director's keys removed).
	Settings map[string]string
	// Filter is the record and value types the exporter receives (record-types= and
	// value-types=); Configure may narrow it.
	Filter exportersdk.Filter
}

// The settings the director reads itself, whatever the exporter type.
const (
	settingID          = "id"
	settingRecordTypes = "record-types"
	settingValueTypes  = "value-types"
)

// ParseSpec reads "TYPE:key=value,key=value" (or "TYPE" alone) with the exporter types
// of registry, and validates it: the type exists, the filter names known types, and the
// exporter's own Configure accepts the settings (on an instance that is then thrown
// away). Every problem is reported with the exporter it belongs to.
func ParseSpec(s string, registry map[string]Factory) (Spec, error) {
	typ, rest, _ := strings.Cut(strings.TrimSpace(s), ":")
	typ = strings.TrimSpace(typ)
	newFn, ok := registry[typ]
	if !ok {
		return Spec{}, fmt.Errorf("exporter %q: unknown type %q (known: %s)", s, typ, strings.Join(slices.Sorted(maps.Keys(registry)), ", "))
	}
	settings, err := exportersdk.ParseSettings(rest)
	if err != nil {
		return Spec{}, fmt.Errorf("exporter %s: %w", typ, err)
	}
	raw := settings.Raw()
	spec := Spec{ID: typ, Type: typ, New: newFn, Settings: raw}
	if id, ok := raw[settingID]; ok {
		if !validID(id) {
			return Spec{}, fmt.Errorf("exporter %s: setting id %q: use letters, digits, '-', '_' and '.'", typ, id)
		}
		spec.ID = id
		delete(raw, settingID)
	}
	if v, ok := raw[settingRecordTypes]; ok {
		delete(raw, settingRecordTypes)
		for _, n := range splitList(v) {
			rt, err := exportersdk.ParseRecordType(n)
			if err != nil {
				return Spec{}, fmt.Errorf("exporter %s: setting record-types: %w", spec.ID, err)
			}
			spec.Filter.RecordTypes = append(spec.Filter.RecordTypes, rt)
		}
	}
	if v, ok := raw[settingValueTypes]; ok {
		delete(raw, settingValueTypes)
		for _, n := range splitList(v) {
			vt, err := exportersdk.ParseValueType(n)
			if err != nil {
				return Spec{}, fmt.Errorf("exporter %s: setting value-types: %w", spec.ID, err)
			}
			spec.Filter.ValueTypes = append(spec.Filter.ValueTypes, vt)
		}
	}
	if _, err := spec.configure(spec.New(), 0, slog.New(slog.DiscardHandler)); err != nil {
		return Spec{}, err
	}
	return spec, nil
}

// ValidateSpecs checks that exporter ids are unique.
func ValidateSpecs(specs []Spec) error {
	seen := map[string]bool{}
	for _, s := range specs {
		if seen[s.ID] {
			return fmt.Errorf("exporter id %q is configured twice: give one of them id=NAME", s.ID)
		}
		seen[s.ID] = true
	}
	return nil
}

// configure hands the settings to a new instance and returns its configuration.
func (s Spec) configure(e exportersdk.Exporter, partition int32, log *slog.Logger) (*exportersdk.Config, error) {
	cfg := &exportersdk.Config{ID: s.ID, Type: s.Type, PartitionID: partition, Settings: exportersdk.NewSettings(s.Settings),
		Logger: log, Filter: exportersdk.Filter{RecordTypes: slices.Clone(s.Filter.RecordTypes), ValueTypes: slices.Clone(s.Filter.ValueTypes)}}
	err := e.Configure(cfg)
	if serr := cfg.Settings.Err(); serr != nil {
		err = errors.Join(err, serr)
	}
	if err != nil {
		return nil, fmt.Errorf("exporter %s (%s): %w", s.ID, s.Type, err)
	}
	return cfg, nil
}

func validID(id string) bool {
	if id == "" {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func splitList(v string) []string {
	var out []string
	for p := range strings.SplitSeq(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
