// What the server tests share, from where it is kept for every suite.
export { loggedIn, loginOnceAdmitted, recordingLogger, startServer } from '../helpers/server.js';
export { seededRandom } from '../protocol/seeded-random.js';
