import { Status } from '../protocol/status.js';
import {
  SupClosedError,
  SupConnectionError,
  SupDeliveryUnknownError,
  SupErrorCode,
  SupNotAuthorizedError,
  SupProtocolError,
  SupQueueFullError,
  SupStatusError,
  SupTimeoutError,
  type SupCommand,
  type SupError,
} from './errors.js';

/** Where the client connects, for error messages. */
export interface Endpoint {
  host: string;
  port: number;
}

export function formatEndpoint({ host, port }: Endpoint): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const SYSTEM_REASONS: Record<string, readonly [reason: string, advice: string]> = {
  ECONNREFUSED: ['connection refused', "is a server running? try 'sup server'"],
  ENOTFOUND: ['host not found', 'check the host name'],
  EAI_AGAIN: ['host name lookup failed', 'check the host name and your DNS'],
  EHOSTUNREACH: ['host unreachable', 'check the host and your network'],
  ENETUNREACH: ['network unreachable', 'check your network'],
  ETIMEDOUT: ['timed out', 'check the host, the port and any firewall in between'],
  ECONNRESET: ['connection reset by the server', 'check the server is healthy'],
  EPIPE: ['the server closed the connection', 'check the server is healthy'],
  EADDRNOTAVAIL: ['address not available', 'check the host'],
};

const TLS_REASONS: Record<string, readonly [reason: string, advice: string]> = {
  ERR_SSL_WRONG_VERSION_NUMBER: ['TLS handshake failed: the server does not speak TLS on this port', 'connect without TLS, or check the port'],
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: ['TLS: the server requires a client certificate', 'give a certificate and its key (tls.cert and tls.key; sup: --tls-cert, --tls-key)'],
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: ['TLS: the server does not trust the client certificate', 'use a certificate issued by the CA the server trusts'],
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: ['TLS: the server refused the client certificate', 'use a certificate issued by the CA the server trusts'],
};

/** OpenSSL's verification codes for a server certificate (and node's own for a wrong host name). */
const CERTIFICATE_CODE = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH)/;

function explain(cause: unknown): { reason: string; advice: string | undefined } {
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && Object.hasOwn(SYSTEM_REASONS, code)) {
    const [reason, advice] = SYSTEM_REASONS[code]!;
    return { reason, advice };
  }
  if (typeof code === 'string' && Object.hasOwn(TLS_REASONS, code)) {
    const [reason, advice] = TLS_REASONS[code]!;
    return { reason, advice };
  }
  if (typeof code === 'string' && CERTIFICATE_CODE.test(code)) {
    return {
      reason: `TLS: the server's certificate does not verify: ${(cause as Error).message} [${code}]`,
      advice: 'give the CA that signed it (tls.ca; sup: --tls-ca) and connect by a name the certificate carries',
    };
  }
  return { reason: cause instanceof Error ? cause.message : String(cause), advice: undefined };
}

export function cannotConnect(endpoint: Endpoint, cause: unknown): SupConnectionError {
  const { reason, advice } = explain(cause);
  return new SupConnectionError(
    SupErrorCode.ConnectFailed,
    `cannot connect to ${formatEndpoint(endpoint)} (${reason})${advice === undefined ? '' : `: ${advice}`}`,
    endpoint,
    cause,
  );
}

export function connectTimedOut(endpoint: Endpoint, timeoutMs: number): SupTimeoutError {
  return new SupTimeoutError(
    SupErrorCode.ConnectTimeout,
    `cannot connect to ${formatEndpoint(endpoint)}: no login answer within ${timeoutMs} ms; ` +
      'check the host and port point at a Sup server, or raise connectTimeoutMs',
    timeoutMs,
  );
}

export function closedDuringLogin(endpoint: Endpoint, cause: unknown): SupConnectionError {
  const { reason: why, advice } = cause === undefined ? { reason: 'closed by the server', advice: undefined } : explain(cause);
  return new SupConnectionError(
    SupErrorCode.ConnectFailed,
    `cannot log in to ${formatEndpoint(endpoint)}: the connection ended before the login was answered (${why}); ` +
      (advice ?? 'check the port belongs to a Sup server, whether it needs TLS, and that it accepts your client certificate'),
    endpoint,
    cause,
  );
}

export function connectionLost(endpoint: Endpoint, cause: unknown): SupConnectionError {
  const why = cause === undefined ? 'closed by the server' : explain(cause).reason;
  return new SupConnectionError(
    SupErrorCode.ConnectionLost,
    `lost the connection to ${formatEndpoint(endpoint)} (${why})`,
    endpoint,
    cause,
  );
}

export function peerSilent(endpoint: Endpoint, quietMs: number): SupConnectionError {
  return new SupConnectionError(
    SupErrorCode.ConnectionLost,
    `lost the connection to ${formatEndpoint(endpoint)}: nothing came back for ${Math.round(quietMs)} ms, ` +
      'not even an answer to a probe; the server or the network is down',
    endpoint,
  );
}

export function protocolViolation(endpoint: Endpoint, frame: string, expected: string): SupProtocolError {
  const shown = frame.length > 60 ? `${frame.slice(0, 60)}...` : frame;
  return new SupProtocolError(
    `the server at ${formatEndpoint(endpoint)} sent ${JSON.stringify(shown)} where ${expected}; ` +
      'it does not speak the Sup protocol as expected, so the connection was dropped',
    frame,
  );
}

/** A status error whose message says what happened and what to do, per command and code. */
export function statusRefused(
  endpoint: Endpoint,
  command: SupCommand,
  subject: string,
  status: string,
  statusText: string,
): SupStatusError {
  const where = formatEndpoint(endpoint);
  const tag = `(status ${status} ${statusText})`;
  let message: string;
  if (command === 'login' && status === Status.UsernameTaken) {
    message = `the username "${subject}" is taken on ${where} ${tag}: pick another name, or wait until its holder logs off`;
  } else if (command === 'login' && status === Status.UsernameInvalid) {
    message = `${where} refused the username "${subject}" ${tag}: use 1 to 32 letters, digits, "_", "-" or "."`;
  } else if (command === 'login' && status === '109') {
    return new SupNotAuthorizedError(
      command,
      status,
      statusText,
      `${where} does not let this connection log in as "${subject}" ${tag}: the name is reserved for its own client ` +
        'certificate, or this connection\'s certificate names someone else; connect with the certificate issued for that name',
    );
  } else if (status === Status.ServerFull) {
    message = `the server at ${where} is full ${tag}: try again later`;
  } else if (command === 'send' && status === Status.UserNotOnline) {
    message = `"${subject}" is not online ${tag}: the message was not delivered`;
  } else if (status === Status.MessageTooLong) {
    message = `the server at ${where} refused '${command}' as too long ${tag}: its frame limit is lower; send less text`;
  } else if (status.startsWith('2')) {
    message = `the server at ${where} failed to handle '${command}' ${tag}: try again, or check the server`;
  } else {
    message = `the server at ${where} refused '${command}' ${tag}`;
  }
  return new SupStatusError(command, status, statusText, message);
}

export function requestTimedOut(
  endpoint: Endpoint,
  command: SupCommand,
  timeoutMs: number,
  written: boolean,
): SupTimeoutError {
  const fate = !written
    ? 'it was never sent'
    : command === 'send'
      ? 'it was sent, so the message may or may not have been delivered'
      : 'it was sent but not answered';
  return new SupTimeoutError(
    SupErrorCode.RequestTimeout,
    `no answer to '${command}' from ${formatEndpoint(endpoint)} within ${timeoutMs} ms (${fate}); ` +
      'the server may be overloaded or unreachable, or raise requestTimeoutMs',
    timeoutMs,
    command,
  );
}

export function queueTimedOut(endpoint: Endpoint, command: SupCommand, timeoutMs: number, written: boolean): SupTimeoutError {
  const fate = written
    ? 'it was sent before the connection dropped, so it may have been delivered'
    : 'it was never sent';
  return new SupTimeoutError(
    SupErrorCode.QueueTimeout,
    `'${command}' waited ${timeoutMs} ms for a connection to ${formatEndpoint(endpoint)} (${fate}); ` +
      'is the server running? raise offlineQueueTimeoutMs to wait longer',
    timeoutMs,
    command,
  );
}

export function queueFull(endpoint: Endpoint, command: SupCommand, limit: number): SupQueueFullError {
  return new SupQueueFullError(
    `'${command}' refused: ${limit} requests are already waiting for a connection to ${formatEndpoint(endpoint)}; ` +
      'wait for the client to reconnect, or raise offlineQueueLimit',
    limit,
  );
}

export function deliveryUnknown(command: SupCommand, subject: string, cause: SupError): SupDeliveryUnknownError {
  const what = command === 'send' ? `the message to "${subject}"` : `'${command}'`;
  return new SupDeliveryUnknownError(
    command,
    `${what} was sent but the connection dropped before the server answered, so it may or may not have been ` +
      `delivered; it was not sent again, to avoid a duplicate (${cause.message})`,
    cause,
  );
}

export function closedBeforeAnswer(command: SupCommand, written: boolean): SupClosedError {
  const fate = written && command === 'send' ? ' (it was sent, so it may have been delivered)' : '';
  return new SupClosedError(`the client was closed before '${command}' was answered${fate}`);
}

export function closedBeforeConnect(): SupClosedError {
  return new SupClosedError('the client was closed before it could connect');
}

export function closedAlready(quitting: boolean): SupClosedError {
  return new SupClosedError(
    quitting
      ? 'the client is quitting: no new requests are taken; create a new SupClient to go on'
      : 'the client is closed: create a new SupClient to connect again',
  );
}
