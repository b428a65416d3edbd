-- The read model: query-friendly tables projected from the record log. Times are
-- milliseconds since the Unix epoch (record timestamps); keys that name nothing are -1,
-- as in the records; JSON is stored as text. The SQLite schema has the same tables and
-- columns.

CREATE TABLE exporter_positions (
    exporter_id  TEXT    NOT NULL,
    partition_id INTEGER NOT NULL,
    position     BIGINT  NOT NULL,
    record_time  BIGINT  NOT NULL,
    PRIMARY KEY (exporter_id, partition_id)
);

CREATE TABLE process_definitions (
    key             BIGINT PRIMARY KEY,
    bpmn_process_id TEXT,
    version         INTEGER,
    resource_name   TEXT,
    bpmn_xml        TEXT,
    tenant_id       TEXT,
    deploy_time     BIGINT
);
CREATE INDEX process_definitions_by_id ON process_definitions (bpmn_process_id, version);

CREATE TABLE decision_requirements (
    key                      BIGINT PRIMARY KEY,
    decision_requirements_id TEXT,
    name                     TEXT,
    version                  INTEGER,
    namespace                TEXT,
    resource_name            TEXT,
    dmn_xml                  TEXT,
    tenant_id                TEXT,
    deploy_time              BIGINT
);
CREATE INDEX decision_requirements_by_id ON decision_requirements (decision_requirements_id, version);

CREATE TABLE decisions (
    key                       BIGINT PRIMARY KEY,
    decision_id               TEXT,
    name                      TEXT,
    version                   INTEGER,
    decision_requirements_key BIGINT,
    decision_requirements_id  TEXT,
    tenant_id                 TEXT,
    deploy_time               BIGINT
);
CREATE INDEX decisions_by_id ON decisions (decision_id, version);

CREATE TABLE process_instances (
    key                         BIGINT PRIMARY KEY,
    process_definition_key      BIGINT,
    bpmn_process_id             TEXT,
    version                     INTEGER,
    tenant_id                   TEXT,
    state                       TEXT,
    incident_count              INTEGER NOT NULL DEFAULT 0,
    start_time                  BIGINT,
    end_time                    BIGINT,
    parent_process_instance_key BIGINT,
    parent_element_instance_key BIGINT,
    partition_id                INTEGER
);
CREATE INDEX process_instances_by_start ON process_instances (start_time, key);
CREATE INDEX process_instances_by_state ON process_instances (state, start_time, key);
CREATE INDEX process_instances_by_process ON process_instances (bpmn_process_id, state, start_time, key);
CREATE INDEX process_instances_with_incidents ON process_instances (start_time, key) WHERE incident_count > 0;
CREATE INDEX process_instances_by_definition ON process_instances (process_definition_key, state);
CREATE INDEX process_instances_by_parent ON process_instances (parent_process_instance_key);

CREATE TABLE element_instances (
    key                    BIGINT PRIMARY KEY,
    process_instance_key   BIGINT,
    process_definition_key BIGINT,
    bpmn_process_id        TEXT,
    element_id             TEXT,
    element_type           TEXT,
    event_type             TEXT,
    flow_scope_key         BIGINT,
    state                  TEXT,
    start_time             BIGINT,
    end_time               BIGINT,
    tenant_id              TEXT
);
CREATE INDEX element_instances_by_instance ON element_instances (process_instance_key, key);
CREATE INDEX element_instances_by_element ON element_instances (process_definition_key, element_id, state);

CREATE TABLE sequence_flows (
    key                    BIGINT PRIMARY KEY,
    process_instance_key   BIGINT,
    process_definition_key BIGINT,
    element_id             TEXT,
    flow_scope_key         BIGINT,
    time                   BIGINT
);
CREATE INDEX sequence_flows_by_instance ON sequence_flows (process_instance_key);

CREATE TABLE variables (
    scope_key              BIGINT NOT NULL,
    name                   TEXT   NOT NULL,
    key                    BIGINT,
    process_instance_key   BIGINT,
    process_definition_key BIGINT,
    bpmn_process_id        TEXT,
    value                  TEXT,
    value_prefix           TEXT,
    tenant_id              TEXT,
    create_time            BIGINT,
    update_time            BIGINT,
    PRIMARY KEY (scope_key, name)
);
CREATE INDEX variables_by_instance ON variables (process_instance_key);
CREATE INDEX variables_by_value ON variables (name, value_prefix);

CREATE TABLE variable_history (
    partition_id         INTEGER NOT NULL,
    position             BIGINT  NOT NULL,
    key                  BIGINT,
    scope_key            BIGINT,
    name                 TEXT,
    process_instance_key BIGINT,
    value                TEXT,
    intent               TEXT,
    time                 BIGINT,
    PRIMARY KEY (partition_id, position)
);
CREATE INDEX variable_history_by_variable ON variable_history (scope_key, name, position);

CREATE TABLE jobs (
    key                    BIGINT PRIMARY KEY,
    type                   TEXT,
    worker                 TEXT,
    state                  TEXT,
    retries                INTEGER,
    deadline               BIGINT,
    error_message          TEXT,
    error_code             TEXT,
    custom_headers         TEXT,
    element_id             TEXT,
    element_instance_key   BIGINT,
    process_instance_key   BIGINT,
    process_definition_key BIGINT,
    bpmn_process_id        TEXT,
    tenant_id              TEXT,
    create_time            BIGINT,
    update_time            BIGINT,
    end_time               BIGINT
);
CREATE INDEX jobs_by_state ON jobs (state, type, key);
CREATE INDEX jobs_by_type ON jobs (type, state, key);
CREATE INDEX jobs_by_instance ON jobs (process_instance_key);

CREATE TABLE incidents (
    key                    BIGINT PRIMARY KEY,
    error_type             TEXT,
    error_message          TEXT,
    state                  TEXT,
    process_instance_key   BIGINT,
    process_definition_key BIGINT,
    bpmn_process_id        TEXT,
    element_id             TEXT,
    element_instance_key   BIGINT,
    job_key                BIGINT,
    variable_scope_key     BIGINT,
    tenant_id              TEXT,
    create_time            BIGINT,
    resolve_time           BIGINT
);
CREATE INDEX incidents_by_state ON incidents (state, create_time, key);
CREATE INDEX incidents_by_process ON incidents (bpmn_process_id, state);
CREATE INDEX incidents_by_instance ON incidents (process_instance_key, state);

CREATE TABLE messages (
    key             BIGINT PRIMARY KEY,
    name            TEXT,
    correlation_key TEXT,
    message_id      TEXT,
    state           TEXT,
    variables       TEXT,
    time_to_live    BIGINT,
    deadline        BIGINT,
    tenant_id       TEXT,
    publish_time    BIGINT,
    correlate_time  BIGINT,
    expire_time     BIGINT
);
CREATE INDEX messages_by_name ON messages (name, correlation_key);
CREATE INDEX messages_by_state ON messages (state, publish_time, key);

CREATE TABLE message_subscriptions (
    element_instance_key BIGINT NOT NULL,
    message_name         TEXT   NOT NULL,
    key                  BIGINT,
    process_instance_key BIGINT,
    bpmn_process_id      TEXT,
    element_id           TEXT,
    correlation_key      TEXT,
    message_key          BIGINT,
    interrupting         INTEGER,
    state                TEXT,
    tenant_id            TEXT,
    create_time          BIGINT,
    update_time          BIGINT,
    PRIMARY KEY (element_instance_key, message_name)
);
CREATE INDEX message_subscriptions_by_instance ON message_subscriptions (process_instance_key);

CREATE TABLE timers (
    key                    BIGINT PRIMARY KEY,
    process_instance_key   BIGINT,
    element_instance_key   BIGINT,
    process_definition_key BIGINT,
    target_element_id      TEXT,
    due_date               BIGINT,
    repetitions            INTEGER,
    state                  TEXT,
    tenant_id              TEXT,
    create_time            BIGINT,
    end_time               BIGINT
);
CREATE INDEX timers_by_instance ON timers (process_instance_key);
CREATE INDEX timers_by_state ON timers (state, due_date);

CREATE TABLE decision_evaluations (
    key                       BIGINT PRIMARY KEY,
    decision_key              BIGINT,
    decision_id               TEXT,
    decision_name             TEXT,
    decision_version          INTEGER,
    decision_requirements_key BIGINT,
    decision_requirements_id  TEXT,
    process_definition_key    BIGINT,
    bpmn_process_id           TEXT,
    process_instance_key      BIGINT,
    element_instance_key      BIGINT,
    element_id                TEXT,
    state                     TEXT,
    output                    TEXT,
    failure_message           TEXT,
    failed_decision_id        TEXT,
    evaluated_decisions       TEXT,
    tenant_id                 TEXT,
    evaluation_time           BIGINT
);
CREATE INDEX decision_evaluations_by_instance ON decision_evaluations (process_instance_key);
CREATE INDEX decision_evaluations_by_decision ON decision_evaluations (decision_key, evaluation_time);
CREATE INDEX decision_evaluations_by_time ON decision_evaluations (evaluation_time, key);

CREATE TABLE instance_history (
    partition_id         INTEGER NOT NULL,
    position             BIGINT  NOT NULL,
    process_instance_key BIGINT  NOT NULL,
    record_key           BIGINT,
    record_type          TEXT,
    value_type           TEXT,
    intent               TEXT,
    element_id           TEXT,
    time                 BIGINT,
    PRIMARY KEY (partition_id, position, process_instance_key)
);
CREATE INDEX instance_history_by_instance ON instance_history (process_instance_key, partition_id, position);
