/** Every status the protocol defines, by its three-digit code, with its exact text. */
export const STATUS_TEXT = {
  '000': 'OK',
  '001': 'Online',
  '100': 'Malformed Message',
  '101': 'Username Taken',
  '102': 'Username Invalid',
  '103': 'Offline',
  '104': 'Messaged User Not Online',
  '105': 'Not Logged In',
  '106': 'Already Logged In',
  '107': 'Message Too Long',
  '108': 'Username Mismatch',
  '109': 'Not Authorized',
  '200': 'Internal Error',
  '201': 'Server Full',
} as const;

export type StatusCode = keyof typeof STATUS_TEXT;

/** Named status codes, so code reads `Status.UserNotOnline` rather than `'104'`. */
export const Status = {
  Ok: '000',
  Online: '001',
  Malformed: '100',
  UsernameTaken: '101',
  UsernameInvalid: '102',
  Offline: '103',
  UserNotOnline: '104',
  NotLoggedIn: '105',
  AlreadyLoggedIn: '106',
  MessageTooLong: '107',
  UsernameMismatch: '108',
  NotAuthorized: '109',
  InternalError: '200',
  ServerFull: '201',
} as const satisfies Record<string, StatusCode>;

export function isStatusCode(code: string): code is StatusCode {
  return Object.hasOwn(STATUS_TEXT, code);
}

/** 0xx is success, 1xx the client's fault, 2xx the server's. */
export function isSuccessStatus(code: string): boolean {
  return code.startsWith('0');
}
