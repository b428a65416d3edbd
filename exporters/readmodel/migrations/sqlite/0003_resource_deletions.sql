-- Deleted definitions (DeleteResource): processes, decision requirements and
-- decisions, by key, with the earliest deletion time of all partitions.
CREATE TABLE resource_deletions (
    key           INTEGER PRIMARY KEY,
    resource_type TEXT,
    delete_time   INTEGER
) STRICT;
