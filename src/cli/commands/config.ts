import type { Command } from 'commander';
import { addCommonOptions } from '../common-options.js';
import { writeLine, type CliIo } from '../io.js';
import { configOrigin, describeOrigin, osLoginName, resolveSettings, type CommonFlags, type Origin } from '../settings.js';

/** One effective setting and where it came from; `from: "os"` is the OS login name, `from: "none"` nothing at all. */
type Shown = { value: string | number | null } & (Origin | { from: 'os' } | { from: 'search'; cwd: string } | { from: 'none' });

export function registerConfigCommand(program: Command, io: CliIo): void {
  addCommonOptions(
    program
      .command('config')
      .description('print the settings a client command would use and where each came from (flag, env, which file, default)'),
  ).action(async (flags: CommonFlags) => {
    const settings = await resolveSettings(flags, io);
    const file = settings.loaded.file;
    const osName = osLoginName(io.env);
    const { tlsSources } = settings;
    const shown: Record<string, Shown> = {
      host: { value: settings.host, ...settings.origins.host },
      port: { value: settings.port, ...settings.origins.port },
      user:
        settings.user !== undefined && settings.origins.user !== undefined
          ? { value: settings.user, ...settings.origins.user }
          : osName !== undefined
            ? { value: osName, from: 'os' }
            : { value: null, from: 'none' },
      timeout: { value: settings.timeoutMs, ...settings.origins.timeoutMs },
      config: { value: file ?? null, ...(configOrigin(flags.config, io) ?? { from: 'search', cwd: io.cwd }) },
      tls: tlsSources.on === undefined ? { value: 'off', from: 'default' } : { value: 'on', ...tlsSources.on },
    };
    for (const key of ['ca', 'cert', 'key'] as const) {
      const source = tlsSources[key];
      if (source !== undefined) shown[`tls.${key}`] = { value: source.file, ...source.origin };
    }
    if (settings.json) {
      writeLine(io.stdout, JSON.stringify(shown));
      return;
    }
    if (settings.quiet) return;
    const keyWidth = Math.max(...Object.keys(shown).map((key) => key.length)) + 2;
    const width = Math.max(...Object.values(shown).map(({ value }) => String(value ?? '-').length));
    for (const [key, setting] of Object.entries(shown)) {
      writeLine(io.stdout, `${key.padEnd(keyWidth)}${String(setting.value ?? '-').padEnd(width)}  ${originText(setting)}`);
    }
  });
}

function originText(setting: Shown): string {
  switch (setting.from) {
    case 'os':
      return 'your OS login name';
    case 'search':
      return `${setting.value === null ? 'none found' : 'found'} searching up from ${setting.cwd}`;
    case 'none':
      return 'none';
    default:
      return describeOrigin(setting);
  }
}
