-- Deleted definitions (DeleteResource): processes, decision requirements and
-- decisions, by key, with the earliest deletion time of all partitions.
CREATE TABLE resource_deletions (
    key           BIGINT PRIMARY KEY,
    resource_type TEXT,
    delete_time   BIGINT
);
