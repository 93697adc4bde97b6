/** Where a setting came from: the answer to "why is it using port 7000?". */
export type Origin =
  | { from: 'flag'; flag: string }
  | { from: 'env'; name: string }
  | { from: 'file'; file: string; key: string }
  | { from: 'default' };

/** The origin in words: `--port`, `SUP_PORT`, `"port" in /etc/sup.config.json`, `default`. */
export function describeOrigin(origin: Origin): string {
  switch (origin.from) {
    case 'flag':
      return origin.flag;
    case 'env':
      return origin.name;
    case 'file':
      return `"${origin.key}" in ${origin.file}`;
    case 'default':
      return 'default';
  }
}
