/**
 * The Events page's GraphQL documents and result shapes: the history topics' records
 * (`event_log`, live and sampled by the server) and one command's chain (`event_chain`).
 */

export { EVENT_CHAIN, EVENT_LOG, type LogBatch, type LogChain, type LogRecord, recordKey };

/** One record of a history topic, decoded from Avro, at its place in the log. */
type LogRecord = {
  topic: string;
  partition: number;
  offset: number;
  timestamp_ms: number;
  record_type: string;
  schema_id: number;
  command_id: string | null;
  fields: { name: string; value: string | null }[];
};

/** Records of one window; `sampled_one_in` > 1 or `left_out` > 0: the server sampled. */
type LogBatch = {
  records: LogRecord[];
  sampled_one_in: number;
  matched: number;
  left_out: number;
  /** The window's length; 0 for the first batch, the recent past. */
  window_ms: number;
};

type LogChain = {
  command: LogRecord | null;
  answer: LogRecord | null;
  balance_changes: LogRecord[];
  matched_by: string | null;
};

const RECORD_FIELDS = `topic partition offset timestamp_ms record_type schema_id command_id
  fields { name value }`;

const EVENT_LOG = `subscription event_log($iban: String) {
  event_log(iban: $iban) {
    sampled_one_in matched left_out window_ms records { ${RECORD_FIELDS} }
  }
}`;

const EVENT_CHAIN = `query event_chain($command_id: String!) {
  event_chain(command_id: $command_id) {
    matched_by
    command { ${RECORD_FIELDS} }
    answer { ${RECORD_FIELDS} }
    balance_changes { ${RECORD_FIELDS} }
  }
}`;

/** A record's place in the log: unique across the history topics. */
function recordKey(record: Pick<LogRecord, "topic" | "partition" | "offset">): string {
  return `${record.topic}/${record.partition}/${record.offset}`;
}
