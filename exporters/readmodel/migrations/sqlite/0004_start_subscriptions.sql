-- The message and signal start events of process definitions, one row per partition:
-- every partition opens them when a version becomes the latest (CREATED) and closes
-- them when a newer version replaces it or the definition is deleted (DELETED).
CREATE TABLE start_subscriptions (
    process_definition_key INTEGER NOT NULL,
    partition_id           INTEGER NOT NULL,
    start_event_id         TEXT    NOT NULL,
    kind                   TEXT,
    name                   TEXT,
    bpmn_process_id        TEXT,
    tenant_id              TEXT,
    state                  TEXT,
    create_time            INTEGER,
    delete_time            INTEGER,
    PRIMARY KEY (process_definition_key, partition_id, start_event_id)
) STRICT;
CREATE INDEX start_subscriptions_by_name ON start_subscriptions (kind, name, state);
