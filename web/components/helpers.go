package components

import (
	"net/url"
	"strconv"

	"github.com/weftlabs/weft/web"
)

func plural(n int64) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func itoa32(n int32) string { return strconv.FormatInt(int64(n), 10) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// gatewaySuffix ends the dashboard's cluster summary with the gateway's version, when
// the gateway gave one. It is one expression so that templ puts no space before the
// comma, as it does before a block on its own line.
func gatewaySuffix(version string) string {
	if version == "" {
		return ""
	}
	return ", gateway " + version
}

// instancesURL links to the instance list filtered by process, version and state.
func instancesURL(process string, version int32, state string) string {
	v := url.Values{}
	if state != "" {
		v.Set("state", state)
	}
	v.Set("process", process)
	if version > 0 {
		v.Set("version", itoa32(version))
	}
	return "/instances?" + v.Encode()
}

// waitingOn says where a start event waits: "open", or "open on 2 of 3 partitions"
// while the partitions disagree (a newer version is being distributed).
func waitingOn(e web.StartEvent) string {
	if e.Open == e.Partitions {
		return "open"
	}
	return "open on " + strconv.Itoa(e.Open) + " of " + strconv.Itoa(e.Partitions) + " partitions"
}
