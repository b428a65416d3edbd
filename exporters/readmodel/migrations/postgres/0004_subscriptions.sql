-- The message and signal start events of process definitions, one row per partition:
-- every partition opens them when a version becomes the latest (CREATED) and closes
-- them when a newer version replaces it or the definition is deleted (DELETED).
CREATE TABLE start_subscriptions (
    process_definition_key BIGINT NOT NULL,
    partition_id           INTEGER NOT NULL,
    start_event_id         TEXT   NOT NULL,
    kind                   TEXT,
    name                   TEXT,
    bpmn_process_id        TEXT,
    tenant_id              TEXT,
    state                  TEXT,
    create_time            BIGINT,
    delete_time            BIGINT,
    PRIMARY KEY (process_definition_key, partition_id, start_event_id)
);
CREATE INDEX start_subscriptions_by_name ON start_subscriptions (kind, name, state);

-- The signal subscriptions of element instances: a signal intermediate catch event, or
-- an activity with a signal boundary event (catch_event_id names the boundary event).
CREATE TABLE signal_subscriptions (
    element_instance_key   BIGINT NOT NULL,
    catch_event_id         TEXT   NOT NULL,
    signal_name            TEXT,
    process_definition_key BIGINT,
    bpmn_process_id        TEXT,
    tenant_id              TEXT,
    state                  TEXT,
    create_time            BIGINT,
    update_time            BIGINT,
    PRIMARY KEY (element_instance_key, catch_event_id)
);
