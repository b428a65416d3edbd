package elasticsearch

import (
	"encoding/json"
	"strings"
	"time"

	exportersdk "github.com/weftlabs/weft/exporter-sdk"
)

// fallbackVersion names the indices of records that carry no broker version: the
// Zeebe version whose record format Weft writes.
const fallbackVersion = "8.3.0"

// templatePriority is the priority of the index templates, Zeebe's, so that ours
// replace Zeebe's of the same name and pattern instead of conflicting with them.
const templatePriority = 20

// valueTypeName is the value type as index names spell it: PROCESS_INSTANCE is
// process-instance.
func valueTypeName(vt exportersdk.ValueType) string {
	return strings.ReplaceAll(strings.ToLower(vt.String()), "_", "-")
}

// versionName is the record's broker version as index names may hold it: lower case,
// with characters Elasticsearch does not allow in index names replaced by '-'.
func versionName(v string) string {
	if v == "" {
		return fallbackVersion
	}
	v = strings.ToLower(v)
	if strings.ContainsAny(v, indexNameReservedChars) {
		v = strings.Map(func(r rune) rune {
			if strings.ContainsRune(indexNameReservedChars, r) {
				return '-'
			}
			return r
		}, v)
	}
	return v
}

// templateName is "{prefix}_{value-type}_{version}": the name of the index template
// for that value type and version, and the start of its indices' names.
func templateName(prefix string, vt exportersdk.ValueType, version string) string {
	return prefix + "_" + valueTypeName(vt) + "_" + versionName(version)
}

// indexName is "{prefix}_{value-type}_{version}_{date}", the date being the UTC day of
// the record's timestamp formatted with the index-suffix-date-pattern layout.
func indexName(template, datePattern string, timestamp int64) string {
	day := time.UnixMilli(timestamp).UTC().Format(datePattern)
	return template + "_" + strings.ToLower(day)
}

// aliasName is "{prefix}-{value-type}", the alias over all of a value type's indices,
// as Zeebe names it.
func aliasName(prefix string, vt exportersdk.ValueType) string {
	return prefix + "-" + valueTypeName(vt)
}

// componentTemplate is the body of the component template named after the prefix that
// every index template is composed of: index settings and the record mapping.
//
// The mapping types the record's own fields exactly, and the value's fields by
// dynamic templates: names ending in "Key" are keys (long), strings are keywords, and
// the documents whose fields users choose (variables, custom headers) are stored but
// not indexed, so that a process's variable names cannot blow up the mapping.
func componentTemplate(shards, replicas int) []byte {
	body := map[string]any{
		"template": map[string]any{
			"settings": map[string]any{
				"index": map[string]any{
					"number_of_shards":      shards,
					"number_of_replicas":    replicas,
					"queries.cache.enabled": false,
				},
			},
			"mappings": recordMapping(),
		},
	}
	b, _ := json.Marshal(body) // cannot fail: maps of strings, numbers and booleans
	return b
}

func recordMapping() map[string]any {
	typ := func(t string) map[string]any { return map[string]any{"type": t} }
	disabled := map[string]any{"type": "object", "enabled": false}
	return map[string]any{
		"dynamic": true,
		"dynamic_templates": []any{
			map[string]any{"documents": map[string]any{
				"match_pattern": "regex", "match": "^(variables|customHeaders)$",
				"mapping": disabled,
			}},
			map[string]any{"keys": map[string]any{
				"match_mapping_type": "long", "match": "*Key",
				"mapping": typ("long"),
			}},
			map[string]any{"resources": map[string]any{
				"match_pattern": "regex", "match": "^(resource|checksum)$",
				"mapping": map[string]any{"type": "binary"},
			}},
			map[string]any{"strings": map[string]any{
				"match_mapping_type": "string",
				"mapping":            map[string]any{"type": "keyword", "ignore_above": 8191},
			}},
		},
		"properties": map[string]any{
			"partitionId":          typ("integer"),
			"position":             typ("long"),
			"sourceRecordPosition": typ("long"),
			"key":                  typ("long"),
			"timestamp":            map[string]any{"type": "date", "format": "epoch_millis"},
			"recordType":           typ("keyword"),
			"valueType":            typ("keyword"),
			"intent":               typ("keyword"),
			"rejectionType":        typ("keyword"),
			"rejectionReason":      typ("text"),
			"brokerVersion":        typ("keyword"),
			"recordVersion":        typ("integer"),
			"value":                map[string]any{"dynamic": true, "type": "object"},
		},
	}
}

// indexTemplate is the body of the composable index template of one value type and
// version: its index pattern, its alias, and the component template.
func indexTemplate(prefix, name string, vt exportersdk.ValueType) []byte {
	body := map[string]any{
		"index_patterns": []string{name + "_*"},
		"composed_of":    []string{prefix},
		"priority":       templatePriority,
		"template": map[string]any{
			"aliases": map[string]any{aliasName(prefix, vt): map[string]any{}},
		},
	}
	b, _ := json.Marshal(body) // cannot fail: maps of strings and numbers
	return b
}
