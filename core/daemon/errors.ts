/** The codes of icn-node's errors: its configuration, storage, transport and HTTP API. */
export type DaemonErrorCode =
  | 'DAEMON_CONFIG'
  | 'DAEMON_LISTEN'
  | 'DAEMON_STORAGE'
  | 'KV_BAD_RECORD'
  | 'LOG_CLOSED'
  | 'LOG_DAMAGED'
  | 'LOG_RECORD_TOO_LARGE'
  | 'TRANSPORT_ADDRESS'
  | 'TRANSPORT_BUFFERS_FULL'
  | 'TRANSPORT_CONFIG'
  | 'TRANSPORT_SLOW_PEER';

/** The API's own refusals (an HttpError may also carry another module's code: CALL_STALE...). */
export type HttpErrorCode =
  | 'HTTP_BAD_JSON'
  | 'HTTP_BAD_REQUEST'
  | 'HTTP_BAD_URL'
  | 'HTTP_BODY_TOO_LARGE'
  | 'HTTP_CLOCK_BACKWARDS'
  | 'HTTP_CONTENT_TYPE'
  | 'HTTP_FIELD'
  | 'HTTP_FORBIDDEN'
  | 'HTTP_HEADERS_TOO_LARGE'
  | 'HTTP_METHOD'
  | 'HTTP_NOT_FOUND'
  | 'HTTP_REQUEST_TIMEOUT'
  | 'LEDGER_ENTRY_NOT_FOUND'
  | 'RECEIPT_NOT_FOUND'
  | 'WITNESS_NOT_FOUND'
  | 'CONTRACT_REJECTED';

declare module '../errors.js' {
  interface ErrorCodes {
    daemon: DaemonErrorCode;
    http: HttpErrorCode;
  }
}
