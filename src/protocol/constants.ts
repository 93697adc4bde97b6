/** The byte that ends every frame (ASCII end of transmission). */
export const EOT = 0x04;

/** The port a server listens on when none is given: S-U-P on a phone keypad. */
export const DEFAULT_PORT = 7877;

/** The address a server binds when none is given. */
export const DEFAULT_HOST = '127.0.0.1';

/** The longest client frame a server accepts, EOT not counted. */
export const DEFAULT_MAX_FRAME_BYTES = 16_384;
