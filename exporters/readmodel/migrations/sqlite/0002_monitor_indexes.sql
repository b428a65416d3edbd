-- Indexes for the monitor's lists (monitor/query), which page newest first by keyset
-- on (time, key): each filter the pages offer needs an index whose columns are the
-- filter's equalities followed by the list's order, or the database sorts every
-- matching row for each page. monitor/query's TestListPlans checks the plans in both
-- dialects. The SQLite file is the same.

-- Instances of a process id in any state (the instance list's process filter).
CREATE INDEX process_instances_by_process_start ON process_instances (bpmn_process_id, start_time, key);

-- The incident list in any state, and the incidents of a process id in a state,
-- newest first (was: bpmn_process_id, state).
CREATE INDEX incidents_by_create ON incidents (create_time, key);
DROP INDEX incidents_by_process;
CREATE INDEX incidents_by_process ON incidents (bpmn_process_id, state, create_time, key);
-- Open incidents of a process definition (its diagram's incident markers).
CREATE INDEX incidents_by_definition ON incidents (process_definition_key, state);

-- The job list, newest created first (keys interleave partitions, times do not): in
-- all, by state, by type, and by type and state (were: state, type, key and
-- type, state, key).
CREATE INDEX jobs_by_create ON jobs (create_time, key);
DROP INDEX jobs_by_state;
CREATE INDEX jobs_by_state ON jobs (state, create_time, key);
DROP INDEX jobs_by_type;
CREATE INDEX jobs_by_type ON jobs (type, state, create_time, key);
CREATE INDEX jobs_by_type_create ON jobs (type, create_time, key);

-- The message list, newest publish first.
CREATE INDEX messages_by_publish ON messages (publish_time, key);
