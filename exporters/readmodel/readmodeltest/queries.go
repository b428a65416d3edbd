package readmodeltest

// IndexedQuery is a query of the monitor's lists and the indexes that may serve it
// (in both dialects), without a sort of the rows.
type IndexedQuery struct {
	Name    string
	SQL     string
	Indexes []string
}

// SeedInstances is how many process instances (and incidents, and variables) the
// index tests seed.
const SeedInstances = 100_000

// MonitorQueries are the list queries of the monitor: newest first, keyset pagination
// on (start_time, key) or (create_time, key). The seeded keys are 1..SeedInstances and
// start times 1700000000000 + key*1000.
var MonitorQueries = []IndexedQuery{
	{"instances", "SELECT key, bpmn_process_id, state, start_time FROM process_instances" +
		" ORDER BY start_time DESC, key DESC LIMIT 50", []string{"process_instances_by_start"}},
	{"instances next page", "SELECT key, bpmn_process_id, state, start_time FROM process_instances" +
		" WHERE (start_time, key) < (1700050000000, 50000)" +
		" ORDER BY start_time DESC, key DESC LIMIT 50", []string{"process_instances_by_start"}},
	{"running instances", "SELECT key, bpmn_process_id, state, start_time FROM process_instances" +
		" WHERE state = 'ACTIVE' ORDER BY start_time DESC, key DESC LIMIT 50", []string{"process_instances_by_state"}},
	{"running instances next page", "SELECT key, bpmn_process_id, state, start_time FROM process_instances" +
		" WHERE state = 'ACTIVE' AND (start_time, key) < (1700050000000, 50000)" +
		" ORDER BY start_time DESC, key DESC LIMIT 50",
		// Postgres may walk the start index and filter the state when the state is common.
		[]string{"process_instances_by_state", "process_instances_by_start"}},
	{"running instances of a process", "SELECT key, state, start_time FROM process_instances" +
		" WHERE bpmn_process_id = 'process-3' AND state = 'ACTIVE' ORDER BY start_time DESC, key DESC LIMIT 50",
		[]string{"process_instances_by_process"}},
	{"instances with incidents", "SELECT key, bpmn_process_id, start_time FROM process_instances" +
		" WHERE incident_count > 0 ORDER BY start_time DESC, key DESC LIMIT 50", []string{"process_instances_with_incidents"}},
	{"active incidents", "SELECT key, error_type, error_message, process_instance_key, create_time FROM incidents" +
		" WHERE state = 'ACTIVE' ORDER BY create_time DESC, key DESC LIMIT 50", []string{"incidents_by_state"}},
	{"active incidents next page", "SELECT key, error_type, error_message, process_instance_key, create_time FROM incidents" +
		" WHERE state = 'ACTIVE' AND (create_time, key) < (1700050000000, 50000)" +
		" ORDER BY create_time DESC, key DESC LIMIT 50", []string{"incidents_by_state"}},
	{"instances by variable", "SELECT process_instance_key FROM variables" +
		` WHERE name = 'orderId' AND value_prefix = '"o-77"' AND value = '"o-77"'`, []string{"variables_by_value"}},
	{"element instances of an instance", "SELECT key, element_id, state FROM element_instances" +
		" WHERE process_instance_key = 77 ORDER BY key", []string{"element_instances_by_instance"}},
	{"jobs by state and type", "SELECT key, type, worker FROM jobs WHERE state = 'ACTIVATED' AND type = 'payment'" +
		" ORDER BY create_time DESC, key DESC LIMIT 50", []string{"jobs_by_state", "jobs_by_type", "jobs_by_type_create"}},
}
